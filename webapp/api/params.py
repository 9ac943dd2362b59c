"""Query-string parsing for the open-data API: strict, with errors that name the parameter.

Unknown parameters are refused (400) rather than ignored, so a typo such as ``?regoin=``
does not silently return the unfiltered list. A well-formed value that names nothing we
have (an unknown region or period in a filter) is 422; a malformed one is 400.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import abort, request, url_for
from werkzeug.exceptions import UnprocessableEntity

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
#: Highest page number accepted: beyond it the offset no longer fits a database integer.
MAX_PAGE = 1_000_000
PAGINATION_PARAMETERS = ("page", "per_page")


def check_known(allowed: Iterable[str]) -> None:
    """Refuse query parameters the endpoint does not define, and repeated ones."""
    allowed = set(allowed)
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        abort(
            400,
            description=(
                f"unknown query parameter(s): {', '.join(unknown)}; this endpoint accepts "
                f"{', '.join(sorted(allowed)) or 'none'}"
            ),
        )
    repeated = sorted(name for name in request.args if len(request.args.getlist(name)) > 1)
    if repeated:
        abort(400, description=f"query parameter(s) given more than once: {', '.join(repeated)}")


def integer(name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        abort(400, description=f"{name} must be a whole number, got {raw!r}")
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        abort(400, description=f"{name} must be {bounds}, got {value}")
    return value


def text(name: str, max_length: int = 64) -> str | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    value = raw.strip()
    if not value:
        abort(400, description=f"{name} must not be empty")
    if len(value) > max_length:
        abort(400, description=f"{name} is longer than {max_length} characters")
    if not value.isprintable():
        abort(400, description=f"{name} contains control characters")
    return value


def path_code(value: str, kind: str, max_length: int = 64) -> str:
    """A code from the URL path; one no stored code can match is simply not found."""
    if len(value) > max_length or not value.isprintable():
        abort(404, description=f"there is no {kind} {value[:max_length]!r}")
    return value


def boolean(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in {"true", "1", "yes"}:
        return True
    if value in {"false", "0", "no"}:
        return False
    abort(400, description=f"{name} must be true or false, got {raw!r}")


def unknown_value(name: str, value: str, known: str = "") -> UnprocessableEntity:
    detail = f"{name} {value!r} does not exist"
    return UnprocessableEntity(description=f"{detail}; {known}" if known else detail)


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page


def page_from_request() -> Page:
    return Page(
        number=integer("page", 1, 1, MAX_PAGE),
        per_page=integer("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )


def paginated(items: list[dict[str, Any]], total: int, page: Page, **extra: Any) -> dict[str, Any]:
    """The list envelope: data, pagination figures and links to the neighbouring pages."""
    pages = max(1, math.ceil(total / page.per_page))

    def link(number: int) -> str:
        arguments = request.args.to_dict()
        arguments.update(page=number, per_page=page.per_page)
        return url_for(request.endpoint, **(request.view_args or {}), **arguments)

    return {
        **extra,
        "data": items,
        "meta": {"page": page.number, "per_page": page.per_page, "total": total, "pages": pages},
        "links": {
            "self": link(page.number),
            "first": link(1),
            "last": link(pages),
            "next": link(page.number + 1) if page.number < pages else None,
            "prev": link(min(page.number - 1, pages)) if page.number > 1 else None,
        },
    }
