"""The council's risk review: dashboard, region pages, comments on scores, reports.

Councils see only the published run; analysts answer their comments here.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from webapp.auth.models import Role
    from webapp.navigation import NavigationItem, add_navigation
    from webapp.review import models  # noqa: F401  (tables in the metadata)
    from webapp.review.views import blueprint

    app.register_blueprint(blueprint)
    add_navigation(
        app,
        NavigationItem(
            _l("Risk review"),
            "review.dashboard",
            frozenset({Role.COUNCIL_MEMBER, Role.ANALYST, Role.ADMIN}),
            _l("Scores, forecasts and their reliability for every region; comment on them."),
            order=300,
        ),
    )
    add_navigation(
        app,
        NavigationItem(
            _l("Council comments"),
            "review.comments",
            frozenset({Role.ANALYST, Role.ADMIN}),
            _l("What councils said about the scores; answer them."),
            order=310,
        ),
    )
