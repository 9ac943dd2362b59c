"""Surveys: XLSForm-authored questionnaires, anonymous respondents, public-council feedback.

Pure modules (``definition``, ``xlsform``, ``expressions``, ``answers``) hold the survey
language; ``models``, ``services``, ``councils`` and ``views`` store and serve it.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l

#: Page posts per client; a ten-page survey takes ten posts. Behind one NAT address many
#: people share a client key, so keep this generous.
DEFAULT_SUBMIT_RATE_LIMIT = "60 per minute; 600 per hour"


def register(app: Flask) -> None:
    from webapp.auth.models import Role
    from webapp.demo import add_demo_loader
    from webapp.navigation import NavigationItem, add_navigation
    from webapp.surveys import models  # noqa: F401  (tables join the metadata)
    from webapp.surveys.cli import surveys_cli
    from webapp.surveys.services.demo import load_demo_surveys
    from webapp.surveys.views import blueprint, shared_pages

    app.config.setdefault("SURVEY_SUBMIT_RATE_LIMIT", DEFAULT_SUBMIT_RATE_LIMIT)
    app.register_blueprint(blueprint)
    shared_pages.init_app(app)
    app.cli.add_command(surveys_cli)
    add_navigation(
        app,
        NavigationItem(
            _l("Take a survey"),
            "surveys.open_surveys",
            frozenset(),
            _l("Answer the surveys that are open to everyone, anonymously."),
            order=100,
        ),
    )
    add_navigation(
        app,
        NavigationItem(
            _l("Surveys"),
            "surveys.index",
            frozenset({Role.ADMIN, Role.ANALYST}),
            _l("Import XLSForm surveys, open and close them, invite respondents."),
            order=200,
        ),
    )
    add_navigation(
        app,
        NavigationItem(
            _l("Public councils"),
            "surveys.councils",
            frozenset({Role.ADMIN, Role.ANALYST}),
            _l("State bodies, their public councils and members, feedback summaries."),
            order=210,
        ),
    )
    add_navigation(
        app,
        NavigationItem(
            _l("My council"),
            "surveys.my_council",
            frozenset({Role.COUNCIL_MEMBER}),
            _l("Give your council's feedback and see its summary."),
            order=220,
        ),
    )
    add_demo_loader(app, "surveys", load_demo_surveys)
    from webapp.surveys import results

    if hasattr(results, "register"):
        results.register(app)
