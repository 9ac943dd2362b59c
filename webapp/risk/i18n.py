"""Translating service messages: in the visitor's language during a request, English otherwise.

Services also run in the worker and in ``flask`` commands, where no visitor (and so no
language) exists; there the English text is used as is.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import gettext


def translate(text: str, /, **variables: Any) -> str:
    """``gettext`` inside a request, plain ``%`` formatting outside (worker, commands).

    ``text`` is positional-only: a message may have a variable of that name (the reader's
    skipped note row has ``%(text)s``), which was a ``TypeError`` and so English."""
    if has_request_context():
        return gettext(text, **variables)
    return text % variables if variables else text
