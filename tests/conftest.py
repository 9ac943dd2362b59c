"""Fixtures shared by every test: a fresh app and an empty database per test.

Tests that take the ``app`` fixture run once on SQLite and once more on PostgreSQL when
``TEST_DATABASE_URL`` is set (``.ci/run`` sets it). Each pytest-xdist worker gets its own
PostgreSQL database, created from that URL, and every table is emptied after each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

#: The browser tests' summary (timings, screenshots, accessibility) must run where the terminal
#: is: in the xdist controller, which never imports tests/browser/conftest.py.
pytest_plugins = ["tests.browser.reporting"]

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
TEST_PASSWORD = "correct horse battery staple"


def pytest_report_header() -> str:
    return f"database backends: {', '.join(BACKENDS)}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked ``any_database`` (what it checks does not depend on the database: a
    page's layout in Chromium, a per-process cache under threads) runs on SQLite only;
    its PostgreSQL twin would cost the same seconds and test nothing more."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec else None
        if backend == "postgresql" and item.get_closest_marker("any_database"):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _process_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    """A database of its own for this worker of this run, dropped at the end of the session.

    The name carries the worker's process id: named after the worker alone (``test_gw0``),
    two runs at once against one server (two people's shells, several helpers on one
    machine) each dropped the other's database WITH (FORCE) when starting, and the other
    run's tests failed with "database does not exist" or a terminated connection. Databases
    left by runs that were killed before their end are dropped here when the server is on
    this machine and their process is gone.
    """
    base = sa.make_url(os.environ["TEST_DATABASE_URL"])
    if base.drivername in {"postgresql", "postgres"}:
        base = base.set(drivername="postgresql+psycopg")
    prefix = f"{base.database}_{worker_id}_".replace("-", "_")
    name = f"{prefix}{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if base.host in {None, "", "localhost", "127.0.0.1", "::1"}:
            existing = connection.scalars(sa.text("SELECT datname FROM pg_database"))
            for stale in [found for found in existing if found.startswith(prefix)]:
                pid = stale.removeprefix(prefix)
                if pid.isdigit() and not _process_is_alive(int(pid)):
                    connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)'))
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file holding the empty schema, made once per worker: each test copies it,
    which takes a millisecond where creating the ~50 tables took 30."""
    from webapp import create_app
    from webapp.database import create_schema
    from webapp.extensions import db

    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "schema.sqlite3"
    app = create_app(  # imports every domain's models, as the tests' apps do
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "test-secret-key",
            "MODEL_REGISTRY_DIR": str(folder / "model-registry"),
            "INSTANCE_PATH": str(folder / "instance"),
        }
    )
    with app.app_context():
        create_schema()
        db.engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return request.getfixturevalue("postgres_url")


def empty_all_tables(app: Flask) -> None:
    from webapp.database import all_metadata
    from webapp.extensions import db

    existing = set(sa.inspect(db.engine).get_table_names())
    tables = [
        table
        for metadata in all_metadata()
        for table in metadata.sorted_tables
        if table.name in existing
    ]
    if not tables:
        return
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            # TRUNCATE costs a few milliseconds per table even when it is empty (new files
            # for each): truncating all ~50 tables twice per test took 0.19 s, most of a
            # PostgreSQL test's fixture. One query finds the tables holding rows; only those
            # are truncated, and every sequence starts again at 1 as RESTART IDENTITY did
            # (a rolled-back insert advances a sequence and leaves its table empty).
            probes = " UNION ALL ".join(
                f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")"
                for table in tables
            )
            holding_rows = list(connection.scalars(sa.text(probes)))
            if holding_rows:
                names = ", ".join(f'"{name}"' for name in holding_rows)
                connection.execute(sa.text(f"TRUNCATE {names} CASCADE"))
            connection.execute(
                sa.text(
                    "SELECT setval(oid, 1, false) FROM pg_class "
                    "WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace"
                )
            )
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


def forget_rate_limit_fallback() -> None:
    """Start the process's one limiter (``webapp.extensions.limiter``) with its storage alive.

    ``create_app`` gives the shared limiter a new storage, but Flask-Limiter keeps its
    "storage unreachable" flag across ``init_app``: after a test that took Redis down, the
    next apps counted in the in-memory fallback until a back-off timer (2, 4, 8... seconds
    after its last check) found the new storage alive, and from that request on counted
    afresh there. A test whose requests straddled that moment saw its count restart
    (``test_behind_a_proxy_clients_are_told_apart_only_when_the_proxy_is_trusted``:
    ``[200, 200, 429]`` where three 429s were due).
    """
    from webapp.extensions import limiter

    if not hasattr(limiter, "_storage_dead"):  # pragma: no cover - a Flask-Limiter upgrade
        raise AssertionError("Flask-Limiter renamed _storage_dead: update this fixture")
    limiter._storage_dead = False


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Flask]:
    """A fresh app on an empty database.

    No application context stays pushed while the test runs: each request then gets its own,
    as in production (a shared one would carry ``g``, and so the signed-in user, between
    requests). Use the ``app_context`` fixture, or ``with app.app_context():``, to call services.
    Mark a test ``@pytest.mark.app_config(KEY=value)`` to change configuration, for example
    ``WTF_CSRF_ENABLED=True`` or ``RATELIMIT_ENABLED=True``.
    """
    from webapp import create_app
    from webapp.config import ENVIRONMENT_VARIABLES
    from webapp.database import create_schema
    from webapp.extensions import db

    # The developer's shell is not the test's configuration: REDIS_URL there put every
    # test's rate-limit counts in one Redis database, shared by both backends, both xdist
    # workers and the runs of the last minute (the proxy test then saw six 429s), and
    # TRUSTED_PROXIES or SUPPRESSION_THRESHOLD would change what tests assert. Tests that
    # need one set it with monkeypatch or app_config, after this.
    for variable in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    forget_rate_limit_fallback()
    marker = request.node.get_closest_marker("app_config")
    overrides = marker.kwargs if marker else {}
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MODEL_REGISTRY_DIR": str(tmp_path / "model-registry"),
            "INSTANCE_PATH": str(tmp_path / "instance"),
            **overrides,
        }
    )
    # An SQLite test has a file of its own, copied from the schema template; the
    # worker's PostgreSQL database is shared by its tests, and emptied before and after each.
    shared = not database_url.startswith("sqlite")
    if shared:
        with app.app_context():
            create_schema()
            empty_all_tables(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            if shared:
                empty_all_tables(app)
            db.engine.dispose()


@pytest.fixture
def app_context(app: Flask) -> Iterator[Flask]:
    """Run the test body inside an application context (for calling services directly)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def regions(app: Flask) -> list:
    """The default region registry (Kazakhstan's units), loaded into the test database."""
    from webapp.extensions import db
    from webapp.regions.services import all_regions, load_regions

    with app.app_context():
        load_regions()
        db.session.commit()
        regions = all_regions()
        db.session.expunge_all()
    return regions


@pytest.fixture
def make_user(app: Flask):
    """Factory: ``make_user("analyst")`` creates an account whose password is TEST_PASSWORD."""
    from webapp.auth.services import create_user
    from webapp.extensions import db

    counter = {"n": 0}

    def make(role: str = "analyst", email: str | None = None):
        """Returns the account detached from the session, its columns loaded."""
        counter["n"] += 1
        with app.app_context():
            user, _ = create_user(email or f"{role}{counter['n']}@example.org", role, TEST_PASSWORD)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


@pytest.fixture
def sign_in(client: FlaskClient):
    """Sign a user in through the real sign-in form."""

    def do_sign_in(user) -> None:
        response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    return do_sign_in
