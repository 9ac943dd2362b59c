"""Listening State web application.

``create_app`` reads as the table of contents of the application: configuration, extensions,
domains (blueprints), error handlers, commands and logging.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    # Tests and side-by-side installations may point the instance folder elsewhere.
    instance_path = (test_config or {}).get("INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    configure(app, test_config)
    configure_logs(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    from webapp.config import load_configuration

    load_configuration(app, test_config)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Behind nginx every request comes from the proxy's address: without this, one
        # client's sign-in failures or survey posts would throttle everybody.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def configure_logs(app: Flask) -> None:
    from webapp.logs import configure_logging

    configure_logging(app)


def register_extensions(app: Flask) -> None:
    import webapp.database  # noqa: F401  (SQLite settings on every connection)
    from webapp.auth.access import enforce_access
    from webapp.auth.models import User
    from webapp.auth.services import user_for_session
    from webapp.extensions import babel, csrf, db, limiter, login_manager, migrate, talisman
    from webapp.i18n import select_locale
    from webapp.security import (
        CONTENT_SECURITY_POLICY,
        DatabaseIdConverter,
        refuse_nul_characters,
    )

    app.url_map.converters["int"] = DatabaseIdConverter  # before any blueprint adds a route
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=True,
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        return user_for_session(session_id)

    app.before_request(refuse_nul_characters)
    app.before_request(enforce_access)


def register_blueprints(app: Flask) -> None:
    from webapp import api, audit, auth, core, regions, review, risk, surveys

    # Order matters for demo loaders: survey answers feed the indicators the risk run uses.
    for domain in (core, auth, audit, regions, surveys, risk, review, api):
        domain.register(app)


def register_error_handlers(app: Flask) -> None:
    from webapp.errors import register_error_handlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from webapp import backup
    from webapp.auth.cli import users_cli
    from webapp.demo.cli import demo_cli
    from webapp.regions.cli import regions_cli

    for group in (users_cli, regions_cli, demo_cli):
        app.cli.add_command(group)
    backup.register(app)


def register_template_helpers(app: Flask) -> None:
    from webapp.templating import register_template_helpers as register

    register(app)
