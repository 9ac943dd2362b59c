"""The open-data API (``/api/v1/``): read-only JSON of published figures, described by OpenAPI.

Everything it serves is public; nothing private or unpublished: only the published model run,
only open or closed surveys, survey figures through small-cell suppression.
"""

from flask import Flask, current_app


def register(app: Flask) -> None:
    from webapp.api.views import blueprint
    from webapp.extensions import csrf, limiter

    # Every route is GET: there is no state to protect from cross-site requests.
    csrf.exempt(blueprint)
    limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", "300 per minute"))(blueprint)
    app.register_blueprint(blueprint)
