"""Survey results: figures with small-cell suppression, exports, and indicators from answers.

``register(app)`` is called by ``webapp.surveys.register`` at its end, so that the demo
loader here runs after the surveys' own demo loader has stored the demo responses.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from webapp.auth.models import Role
    from webapp.demo import add_demo_loader
    from webapp.navigation import NavigationItem, add_navigation
    from webapp.surveys.results import models  # noqa: F401  (tables join the metadata)
    from webapp.surveys.results.cli import results_cli
    from webapp.surveys.results.demo import load_demo_indicators
    from webapp.surveys.results.views import blueprint

    app.register_blueprint(blueprint)
    app.cli.add_command(results_cli)
    add_navigation(
        app,
        NavigationItem(
            _l("Survey results"),
            "survey_results.index",
            frozenset({Role.ADMIN, Role.ANALYST, Role.COUNCIL_MEMBER}),
            _l("Answers by region and month, with small numbers hidden for non-analysts."),
            order=230,
        ),
    )
    add_demo_loader(app, "survey indicators", load_demo_indicators)
