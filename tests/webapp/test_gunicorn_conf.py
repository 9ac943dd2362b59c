"""The production gunicorn settings: workers are forks of a master that built the app once,
and a fork never keeps the master's database connections."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Flask

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def worker_of(application) -> SimpleNamespace:
    return SimpleNamespace(app=SimpleNamespace(wsgi=lambda: application))


def test_the_app_is_built_once_in_the_master_and_forks_drop_its_connections(app: Flask):
    from webapp.extensions import db

    settings = runpy.run_path(str(CONF))
    assert settings["preload_app"] is True
    with app.app_context():
        with db.engine.connect() as connection:  # the master happened to use the database
            connection.execute(sa.text("SELECT 1"))
        pool = db.engine.pool
        assert pool.checkedin() == 1
    settings["post_fork"](None, worker_of(app))
    with app.app_context():
        assert db.engine.pool is not pool  # a new, empty pool for the worker
        assert db.engine.pool.checkedin() == 0
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1  # and it works


def test_post_fork_leaves_a_bare_wsgi_callable_alone():
    settings = runpy.run_path(str(CONF))

    def bare(environ, start_response):
        return [b""]

    settings["post_fork"](None, worker_of(bare))


def test_the_access_log_keeps_no_invitation_token():
    # The app's request log replaced tokens; gunicorn's access log wrote the request line
    # as sent, token included.
    import datetime

    settings = runpy.run_path(str(CONF))
    logger = settings["logger_class"](SimpleNamespace(**_config_defaults()))
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/s/city-survey/i/Xy7_secret-Token?lang=kk",
        "PATH_INFO": "/s/city-survey/i/Xy7_secret-Token",
        "QUERY_STRING": "lang=kk",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))
    assert atoms["r"] == "GET /s/city-survey/i/<token>?lang=kk HTTP/1.1"
    assert atoms["U"] == "/s/city-survey/i/<token>"
    line = settings["access_log_format"] % atoms
    assert "secret" not in line and "<token>" in line
    # other addresses are left as they are
    environ.update(RAW_URI="/s/city-survey?lang=kk", PATH_INFO="/s/city-survey")
    assert (
        logger.atoms(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))["r"]
        == "GET /s/city-survey?lang=kk HTTP/1.1"
    )


def _config_defaults() -> dict:
    from gunicorn.config import Config

    config = Config()
    return {name: setting.get() for name, setting in config.settings.items()}
