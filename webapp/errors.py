"""Error pages for people and JSON errors for the API: never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from webapp.extensions import db


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def handle_http_error(error: HTTPException) -> tuple[Response | str, int]:
    status = error.code or 500
    if wants_json():
        body = {"error": {"status": status, "title": error.name, "detail": error.description}}
        return jsonify(body), status
    return render_template("error.html", error=error, status=status), status


def handle_unexpected_error(error: Exception) -> tuple[Response | str, int]:
    db.session.rollback()
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_error(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS"):
        app.register_error_handler(Exception, handle_unexpected_error)
