"""Pages that belong to no single domain: home, language choice, health check."""

from flask import Flask


def register(app: Flask) -> None:
    from webapp.core.views import blueprint

    app.register_blueprint(blueprint)
