"""Error pages for people and JSON errors for the API: never a stack trace."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, jsonify, make_response, render_template, request, url_for
from flask_babel import format_decimal
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
)
from werkzeug.wrappers import Response

from webapp.api import is_api_path
from webapp.extensions import db


def wants_json() -> bool:
    """Programs, not people, call the API and the health check: they get JSON errors."""
    return is_api_path(request.path) or request.path == "/healthz"


def error_detail(error: HTTPException) -> str:
    """What went wrong, for the JSON body. Werkzeug's own text for an address that no route
    serves ("If you entered the URL manually please check your spelling") is written for a
    person at a browser; an API client is told which address and method were refused and
    where the API's addresses are listed."""
    if error is request.routing_exception and is_api_path(request.path):
        entry_point = url_for("api.index")
        if isinstance(error, NotFound):
            return f"there is no address {request.path} in the API; see {entry_point}"
        if isinstance(error, MethodNotAllowed):
            allowed = ", ".join(sorted(error.valid_methods or ()))
            return f"{request.method} is not allowed on {request.path}; allowed: {allowed}"
    return error.description or error.name


def size_limits() -> dict[str, str]:
    """The request size limits in megabytes, in the reader's number format: a refused
    upload is only actionable if the page says how large a file may be."""
    config = current_app.config
    return {
        "file": format_decimal(round(config["MAX_CONTENT_LENGTH"] / 1_048_576, 1)),
        "field": format_decimal(round(config["MAX_FORM_MEMORY_SIZE"] / 1_048_576, 1)),
    }


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if wants_json():
        body = {"error": {"status": status, "title": error.name, "detail": error_detail(error)}}
        response = make_response(jsonify(body), status)
    else:
        limits = size_limits() if status == 413 else None
        page = render_template("error.html", error=error, status=status, size_limits=limits)
        response = make_response(page, status)
    # The error's own headers (Allow on a 405, WWW-Authenticate, Retry-After) are part of
    # its meaning; only its default content type is replaced by ours.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


#: Seconds a client is asked to wait when the database is unreachable (a restart, a fail-over).
DATABASE_RETRY_AFTER = 5


def handle_unexpected_error(error: Exception) -> Response:
    db.session.rollback()
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        # The database is down or restarting: a temporary condition, so say so (503) and
        # when to retry, rather than report a fault in the application (500).
        response = handle_http_error(ServiceUnavailable())
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
    return handle_http_error(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, handle_unexpected_error)
