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
