from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.auth.access import public
from webapp.auth.views import safe_next
from webapp.extensions import db, limiter, talisman
from webapp.i18n import remember_language
from webapp.navigation import navigation_for

blueprint = Blueprint("core", __name__)


@blueprint.get("/")
@public
def index() -> str:
    sections = navigation_for(current_app, current_user)
    return render_template("core/index.html", sections=sections)


@blueprint.post("/language")
@public
def set_language() -> Response:
    language = request.form.get("language", "")
    target = safe_next(request.form.get("next")) or "/"
    response = redirect(target)
    if language in current_app.config["LANGUAGES"]:
        session["language"] = language
        remember_language(response, language)
    return response


@blueprint.get("/healthz")
# Probes ask gunicorn itself over plain HTTP, behind the proxy that ends TLS: with FORCE_HTTPS
# a redirect to https on gunicorn's own port would read as "down".
@talisman(force_https=False)
@public
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.error("health check: database unavailable: %s", error)
        database = "unavailable"
    healthy = database == "ok"
    rate_limits = rate_limit_storage()
    body = {
        "status": "ok" if healthy and rate_limits != "unavailable" else "degraded",
        "database": database,
        "database_backend": db.engine.dialect.name,
        "rate_limits": rate_limits,
    }
    return jsonify(body), 200 if healthy else 503


def rate_limit_storage() -> str:
    """``memory`` (one count per process), ``ok`` (Redis answers) or ``unavailable`` (Redis is
    configured but down: limits are counted in each process's memory until it is back). The
    site still works without it, so only the database decides the status code."""
    if not current_app.config.get("REDIS_URL"):
        return "memory"
    try:
        return "ok" if limiter.storage.check() else "unavailable"
    except Exception as error:  # any client error means the same: not reachable
        current_app.logger.warning("health check: rate-limit storage unavailable: %s", error)
        return "unavailable"
