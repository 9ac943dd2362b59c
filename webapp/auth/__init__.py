"""People and roles: staff accounts (admin, analyst, council member), sign-in, access control.

Respondents are anonymous and have no account.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from webapp.auth.models import Role
    from webapp.auth.sessions import expire_idle_session, require_own_password
    from webapp.auth.views import blueprint
    from webapp.navigation import NavigationItem, add_navigation

    app.register_blueprint(blueprint)
    app.before_request(expire_idle_session)
    app.before_request(require_own_password)  # after: an idle session is signed out first
    add_navigation(
        app,
        NavigationItem(
            _l("Accounts"),
            "auth.users",
            frozenset({Role.ADMIN}),
            _l("Create staff accounts, change roles, disable access."),
            order=900,
        ),
    )
