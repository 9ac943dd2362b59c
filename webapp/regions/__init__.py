"""The region registry: the geography every survey answer and statistic is tied to.

The reference list lives in ``forecasting`` as data; this domain loads it into a table.
"""

from flask import Flask
from flask_babel import lazy_gettext as _l


def register(app: Flask) -> None:
    from webapp.navigation import NavigationItem, add_navigation
    from webapp.regions.views import blueprint

    app.register_blueprint(blueprint)
    add_navigation(
        app,
        NavigationItem(
            _l("Regions"),
            "regions.index",
            frozenset(),
            _l("The territorial units the platform reports on."),
            order=800,
        ),
    )
