from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.auth.access import public
from webapp.auth.views import safe_next
from webapp.extensions import db
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
@public
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.error("health check: database unavailable: %s", error)
        database = "unavailable"
    healthy = database == "ok"
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "database_backend": db.engine.dialect.name,
    }
    return jsonify(body), 200 if healthy else 503
