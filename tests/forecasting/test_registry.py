"""Registry semantics on the directory, SQLite and PostgreSQL back ends.

What matters: runs are immutable, exactly one run is active once any was promoted, failed or
unknown runs are refused, rollback returns to the previous run, and a crash in the middle
of a promotion leaves the previous run active.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from forecasting import registry as registry_module
from forecasting.registry import (
    FORECASTS,
    REGISTRY_METADATA,
    DirectoryRegistry,
    NothingToRollBackError,
    RegistryError,
    RunNotPromotableError,
    SqlRegistry,
    UnknownRunError,
    frame_from_bytes,
    frame_to_bytes,
)

POSTGRES_URL = os.environ.get(
    "FORECASTING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
POSTGRES_DATABASE = "fc_registry_test"


@pytest.fixture(scope="module")
def postgres_database_url() -> Iterator[str]:
    """A scratch database of its own (created if missing); skipped if PostgreSQL is down."""
    base = sa.make_url(POSTGRES_URL)
    try:
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": POSTGRES_DATABASE},
            ).scalar()
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{POSTGRES_DATABASE}"'))
        admin.dispose()
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}: {error.orig}")
    yield base.set(database=POSTGRES_DATABASE).render_as_string(hide_password=False)


def _postgres_engine(url: str) -> Iterator[sa.Engine]:
    """An engine confined to a fresh schema, so parallel test workers never collide."""
    schema = f"registry_{secrets.token_hex(4)}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["directory", "sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "directory":
        yield DirectoryRegistry(tmp_path / "registry")
        return
    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'registry.sqlite3'}")
        REGISTRY_METADATA.create_all(engine)
        yield SqlRegistry(engine)
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_database_url")
    for engine in _postgres_engine(url):
        REGISTRY_METADATA.create_all(engine)
        yield SqlRegistry(engine)


def _forecasts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["KZ-10", "KZ-10"],
            "indicator": ["unemployment_rate"] * 2,
            "period": [pd.Period("2025-01", "M"), pd.Period("2025-02", "M")],
            "mean": [4.5, 4.6],
        }
    )


def _store(registry, status: str = "succeeded", label: str = "a"):
    return registry.store(
        {FORECASTS: frame_to_bytes(_forecasts()), "note.txt": label.encode()},
        status=status,
        data_hash="0" * 64,
        parameters={"horizon": 8, "label": label},
    )


def test_store_and_read_back(registry) -> None:
    record = _store(registry)
    loaded = registry.get(record.id)
    assert loaded.status == "succeeded"
    assert loaded.parameters == {"horizon": 8, "label": "a"}
    assert loaded.artifacts == (FORECASTS, "note.txt")
    assert loaded.active is False
    assert registry.artifact(record.id, "note.txt") == b"a"
    pd.testing.assert_frame_equal(registry.load_forecasts(record.id), _forecasts())
    assert [run.id for run in registry.list_runs()] == [record.id]


def test_exactly_one_active_and_rollback(registry) -> None:
    assert registry.active() is None
    first, second, third = (
        _store(registry, label="1"),
        _store(registry, label="2"),
        _store(registry, label="3"),
    )
    registry.promote(first.id)
    registry.promote(second.id)
    registry.promote(third.id)
    assert registry.active().id == third.id
    assert [run.id for run in registry.list_runs() if run.active] == [third.id]
    assert registry.rollback().id == second.id
    assert registry.active().id == second.id
    assert registry.rollback().id == first.id
    with pytest.raises(NothingToRollBackError):
        registry.rollback()
    assert registry.active().id == first.id
    assert registry.load_forecasts().shape == (2, 4)  # the active run by default


def test_failed_and_unknown_runs_are_refused(registry) -> None:
    good = _store(registry)
    registry.promote(good.id)
    failed = _store(registry, status="failed")
    with pytest.raises(RunNotPromotableError, match="failed"):
        registry.promote(failed.id)
    with pytest.raises(UnknownRunError):
        registry.promote("20990101T000000Z-deadbeef")
    with pytest.raises(UnknownRunError):
        registry.get("no-such-run")
    with pytest.raises(RegistryError, match="no artifact"):
        registry.artifact(good.id, "missing.csv")
    assert registry.active().id == good.id


def test_crash_during_promotion_keeps_previous_active(registry, monkeypatch) -> None:
    first, second = _store(registry, label="1"), _store(registry, label="2")
    registry.promote(first.id)

    def crash(*args, **kwargs):
        raise OSError("simulated crash in the middle of a promotion")

    if isinstance(registry, DirectoryRegistry):
        monkeypatch.setattr(registry_module.os, "replace", crash)
    else:
        # The current run has already been deactivated when the new one would be inserted.
        monkeypatch.setattr(registry, "_activate", crash)
    with pytest.raises(OSError, match="simulated crash"):
        registry.promote(second.id)
    monkeypatch.undo()
    assert registry.active().id == first.id
    assert registry.history() == [first.id]
    registry.promote(second.id)
    assert registry.active().id == second.id


def test_stored_runs_are_immutable(registry) -> None:
    record = _store(registry)
    if isinstance(registry, DirectoryRegistry):
        path = registry.runs_path / record.id / "artifacts" / "note.txt"
        assert not os.access(path, os.W_OK) or os.geteuid() == 0
        assert not any(p.name.startswith(".") for p in registry.runs_path.iterdir())
    assert not any(
        name in type(registry).__dict__ for name in ("update", "delete", "replace_artifact")
    )
    with pytest.raises(RegistryError, match="must be bytes"):
        registry.store({"x.txt": "text"})


def test_database_refuses_two_active_rows(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    REGISTRY_METADATA.create_all(engine)
    registry = SqlRegistry(engine)
    first, second = _store(registry), _store(registry)
    table = registry_module.model_run_activations
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        for run in (first, second):
            connection.execute(
                table.insert().values(run_id=run.id, activated_at=run.created_at, is_active=True)
            )


def test_frame_bytes_are_deterministic() -> None:
    assert frame_to_bytes(_forecasts()) == frame_to_bytes(_forecasts())
    pd.testing.assert_frame_equal(frame_from_bytes(frame_to_bytes(_forecasts())), _forecasts())
