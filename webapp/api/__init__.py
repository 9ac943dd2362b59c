"""The open-data API (``/api/v1/``): read-only JSON of published figures, described by OpenAPI.

Everything it serves is public; nothing private or unpublished: only the published model run,
only open or closed surveys, survey figures through small-cell suppression.
"""

from flask import Flask

#: Every address under this prefix belongs to the API, whether or not a route serves it
#: (``/api``, ``/api/``, ``/api/v2/...``): its errors are JSON with the API's headers, since
#: the clients that call it are programs, not people reading the site's HTML error page.
API_PREFIX = "/api"


def is_api_path(path: str) -> bool:
    """``path`` is the API's prefix itself or an address under it (``/apiary`` is not)."""
    return path == API_PREFIX or path.startswith(f"{API_PREFIX}/")


def register(app: Flask) -> None:
    from webapp.api.views import blueprint
    from webapp.extensions import csrf

    # Every route is GET: there is no state to protect from cross-site requests. The rate
    # limit is attached in views.py, once per process (the limiter and blueprint are shared).
    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
