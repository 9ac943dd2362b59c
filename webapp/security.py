"""HTTP security settings. Everything is served from this host: no CDN, no inline code."""

import math
from typing import Any

from werkzeug.routing import IntegerConverter
from wtforms.validators import NumberRange

#: Largest value of PostgreSQL's ``integer`` (the type of every id column).
MAX_DATABASE_ID = 2**31 - 1

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def refuse_nul_characters() -> None:
    """before_request hook: a NUL character in the path, query or a form field is refused (400).

    No text a person types contains NUL, and PostgreSQL cannot store or even compare text
    holding one: without this check such input reaches a query and fails there (HTTP 500).
    Uploaded file contents are binary and not checked; their file names are.
    """
    from flask import abort, request

    texts = [request.path]
    texts += [part for pair in request.args.items(multi=True) for part in pair]
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        texts += [part for pair in request.form.items(multi=True) for part in pair]
        texts += [file.filename or "" for _, file in request.files.items(multi=True)]
    if any(text and "\x00" in text for text in texts):
        abort(400, description="The request contains a NUL character.")


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in URLs: an id a database column can hold; anything larger is a 404.

    Werkzeug's converter takes any number of digits, and a 20-digit id makes the database
    driver fail (SQLite: too large; PostgreSQL: integer out of range), an HTTP 500.
    """

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)


class SafeNumberRange(NumberRange):
    """WTForms' ``NumberRange`` for numbers of any size.

    ``NumberRange`` calls ``math.isnan``, which raises OverflowError for an integer too big
    for a float (a 400-digit number typed into a form: HTTP 500). Such a number is out of
    any range, so it is replaced by an infinity of its sign and refused with the usual
    message.
    """

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, int) and not isinstance(field.data, bool):
            try:
                float(field.data)
            except OverflowError:
                field.data = math.inf if field.data > 0 else -math.inf
        super().__call__(form, field)
