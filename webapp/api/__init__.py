"""The open-data API (``/api/v1/``): read-only JSON of published figures, described by OpenAPI.

Everything it serves is public; nothing private or unpublished: only the published model run,
only open or closed surveys, survey figures through small-cell suppression.
"""

from flask import Flask


def register(app: Flask) -> None:
    from webapp.api.views import blueprint
    from webapp.extensions import csrf

    # Every route is GET: there is no state to protect from cross-site requests. The rate
    # limit is attached in views.py, once per process (the limiter and blueprint are shared).
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
