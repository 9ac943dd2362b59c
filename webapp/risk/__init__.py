"""Regional social risk: statistics import, indicator catalogue, training, publishing.

The analyst side of the risk index lives here; ``webapp.risk.services`` documents the
query functions the council dashboard and the open-data API use.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from webapp.auth.models import Role
    from webapp.demo import add_demo_loader
    from webapp.navigation import NavigationItem, add_navigation
    from webapp.risk.cli import risk_cli
    from webapp.risk.demo import load_demo
    from webapp.risk.views import blueprint

    app.register_blueprint(blueprint)
    app.cli.add_command(risk_cli)
    analysts = frozenset({Role.ADMIN, Role.ANALYST})
    add_navigation(
        app,
        NavigationItem(
            _l("Statistics"),
            "risk.imports",
            analysts,
            _l("Import regional statistics, check them, undo an import."),
            order=500,
        ),
    )
    add_navigation(
        app,
        NavigationItem(
            _l("Models"),
            "risk.training",
            analysts,
            _l("Train the risk model, follow its progress, publish or roll back a run."),
            order=510,
        ),
    )
    add_demo_loader(app, "risk", load_demo)
