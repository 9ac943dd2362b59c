"""Respondent pages rendered once and shared: the plain first page and the thank-you page.

Rendering a respondent page with Jinja costs more than everything else a submission does
(reading the survey, checking the answers, storing them). Yet the first page of a public
survey, before anything is answered, is the same HTML for everyone who asks for it in the
same language, except for two values that belong to one request: the session's CSRF token
and the new submission id. The same holds for the thank-you page.

So such a page is rendered once, the values of the request that rendered it are cut out of
the HTML (:class:`PageTemplate`), and each later request gets that HTML with its own values
put back. Only values made of letters, digits, ``-``, ``_`` and ``.`` are cut out: they read
the same wherever a template puts them (escaped or in a URL), so every occurrence is found.

A page is only shared when nothing else in it belongs to the person asking
(:func:`shareable`): the views share no page with answers, errors, an invitation token or a
council on it, and no page for a signed-in account (the header names the account) or for a
session with a flashed message waiting. The views' keys hold everything else the HTML is
made of (survey, version, language, the address asked for, ...).

Each app keeps its own pages (tests run many apps in one process, on databases whose ids
repeat), at most ``size`` of them, the least recently used going first.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

from flask import Flask, current_app, request, session
from flask_login import current_user

#: Values that may be cut out of a page: no escaping or URL quoting changes them.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9._-]{16,}")
#: Pages kept per app (a few surveys x three languages x first page and thank-you page).
DEFAULT_SIZE = 256


@dataclass(frozen=True)
class PageTemplate:
    """A rendered page cut at each occurrence of a per-request value.

    ``texts`` has one more element than ``slots``; ``slots[i]`` names the value that goes
    between ``texts[i]`` and ``texts[i + 1]``.
    """

    texts: tuple[str, ...]
    slots: tuple[str, ...]

    @classmethod
    def cut(cls, body: str, values: Mapping[str, str]) -> PageTemplate:
        by_value = {value: name for name, value in values.items()}
        pattern = "|".join(re.escape(value) for value in sorted(by_value, key=len, reverse=True))
        parts = re.split(f"({pattern})", body)
        return cls(texts=tuple(parts[0::2]), slots=tuple(by_value[part] for part in parts[1::2]))

    def fill(self, values: Mapping[str, str]) -> str:
        pieces = [self.texts[0]]
        for slot, text in zip(self.slots, self.texts[1:], strict=True):
            pieces.append(values[slot])
            pieces.append(text)
        return "".join(pieces)


class SharedPages:
    """Rendered pages by key, for one app; safe to use from several threads."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, PageTemplate] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._pages)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def render(self, key: Hashable, values: Mapping[str, str], render: Callable[[], str]) -> str:
        """The page for ``key`` with this request's ``values`` in it.

        ``render`` must produce the page with exactly these ``values`` (a miss keeps what it
        returns, cut at each of them). Values that could be written in more than one way
        are never cut out: then the page is rendered for this request alone.
        """
        if not all(_PLAIN_VALUE.fullmatch(value) for value in values.values()):
            return render()
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
        if page is not None:
            return page.fill(values)
        body = render()
        page = PageTemplate.cut(body, values)
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return body


def init_app(app: Flask, size: int = DEFAULT_SIZE) -> None:
    app.extensions["survey_shared_pages"] = SharedPages(size)


def shared_pages() -> SharedPages:
    return current_app.extensions["survey_shared_pages"]


def share(key: Hashable, values: Mapping[str, str], render: Callable[[], str]) -> str:
    """This request's page from the app's shared pages (see :meth:`SharedPages.render`).

    ``key`` must tell apart every page the view's ``render`` can make for a shareable
    request; the address asked for (with the ``values`` taken out), the application root
    and the endpoint are added here, because the page header repeats the address.
    """
    address = request.full_path
    for value in values.values():
        address = address.replace(value, "")
    full_key = (request.script_root, request.endpoint, address, key)
    return shared_pages().render(full_key, values, render)


def shareable() -> bool:
    """True when the page about to be rendered holds nothing of this visitor beyond the
    values the caller cuts out: nobody is signed in, and no flashed message is waiting."""
    return not current_user.is_authenticated and "_flashes" not in session
