"""Audit log: who did what, when, to what, for every sensitive action."""

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from webapp.audit.views import blueprint
    from webapp.auth.models import Role
    from webapp.navigation import NavigationItem, add_navigation

    app.register_blueprint(blueprint)
    add_navigation(
        app,
        NavigationItem(
            _l("Audit log"),
            "audit.index",
            frozenset({Role.ADMIN}),
            _l("Who did what and when: sign-ins, publications, imports, model changes."),
            order=910,
        ),
    )
