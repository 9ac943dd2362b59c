"""Structured (JSON) logs, one object per line, with a line per request."""

from __future__ import annotations

import logging
import re
import sys
import time

from flask import Flask, g, request
from pythonjsonlogger.json import JsonFormatter
from werkzeug.wrappers import Response

#: A survey invitation's address, ``/s/<slug>/i/<token>``: the token is a secret.
INVITATION_ADDRESS = re.compile(r"(/s/[^/?#\s]+/i/)[^/?#\s\"]+")


def without_invitation_tokens(text: str) -> str:
    """``text`` (a request line, a path) with every invitation token replaced by ``<token>``:
    for logs written outside a request of the app (gunicorn's access log)."""
    return INVITATION_ADDRESS.sub(r"\1<token>", text)


def logged_path() -> str:
    """The request's path, with a secret in it (a survey invitation's token) replaced: the
    database keeps only each token's hash, and a log line must not keep the token."""
    token = (request.view_args or {}).get("token")
    if isinstance(token, str) and token:
        return request.path.replace(token, "<token>")
    return request.path


def configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    app.logger.handlers = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])
    app.logger.propagate = False
    # Flask-Limiter logs each refusal at INFO with its key, the client's address
    # ("ratelimit 60 per 1 minute (203.0.113.7) exceeded at endpoint: surveys.answer"): a
    # deployment logging INFO would keep the addresses of survey respondents. Its warnings
    # and errors (storage trouble) name no client and still go through.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)

    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        started = g.get("request_started")
        if started is not None and not request.path.startswith("/static/"):
            app.logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": logged_path(),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response
