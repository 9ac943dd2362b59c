"""Registry of training runs: every run stored for good, exactly one of them in force.

A run is stored once, with its artifacts (forecast and score frames, backtest metrics, model
card, optionally the fitted models) and metadata (id, creation time, status, data hash,
parameters), and never changed afterwards. Promotion makes a run the active one; rollback
returns to the run that was active before. Both are atomic: a crash half-way leaves the
previous run in force.

Two implementations share one interface:

* :class:`DirectoryRegistry` keeps each run in its own directory (written under a temporary
  name, then renamed into place) and the active run in a pointer file replaced atomically;
  an ``fcntl`` lock serialises promotions from concurrent processes.
* :class:`SqlRegistry` keeps runs in the tables of :data:`REGISTRY_METADATA` through plain
  SQLAlchemy Core, so the web application can include them in its migrations and pass its
  own engine. Activation happens in one transaction; a partial unique index guarantees that
  at most one activation row is active.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import io
import json
import os
import secrets
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

STATUS_SUCCEEDED = "succeeded"
STATUS_FAILED = "failed"
STATUSES = (STATUS_SUCCEEDED, STATUS_FAILED)

FORECASTS = "forecasts.csv.gz"
SCORES = "scores.csv.gz"
SCORE_FORECASTS = "score_forecasts.csv.gz"
BACKTEST = "backtest.csv.gz"
CARD_MARKDOWN = "card.md"
CARD_JSON = "card.json"


class RegistryError(Exception):
    """A registry operation that cannot be carried out, with the reason."""


class UnknownRunError(RegistryError, LookupError):
    """No run has the given id."""


class RunNotPromotableError(RegistryError):
    """The run exists but may not become active (it failed)."""


class NothingToRollBackError(RegistryError):
    """No earlier active run to return to."""


@dataclass(frozen=True)
class RunRecord:
    """Metadata of one stored run (artifacts are loaded separately, on demand)."""

    id: str
    created_at: datetime
    status: str
    data_hash: str
    parameters: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    artifacts: tuple[str, ...] = ()
    active: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "status": self.status,
            "data_hash": self.data_hash,
            "parameters": self.parameters,
            "message": self.message,
            "artifacts": list(self.artifacts),
            "active": self.active,
        }


def new_run_id(created_at: datetime) -> str:
    """Sortable by time, unique by a random suffix."""
    return f"{created_at:%Y%m%dT%H%M%S}Z-{secrets.token_hex(4)}"


def frame_to_bytes(frame: pd.DataFrame) -> bytes:
    """Gzipped CSV (periods as text), byte-identical for identical frames."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed:
        compressed.write(frame.to_csv(index=False).encode("utf-8"))
    return buffer.getvalue()


def frame_from_bytes(content: bytes) -> pd.DataFrame:
    """Inverse of :func:`frame_to_bytes`; a ``period`` column comes back as pandas Periods."""
    frame = pd.read_csv(io.BytesIO(gzip.decompress(content)), dtype={"region": str})
    for column in ("period", "cutoff"):
        if column in frame.columns:
            frame[column] = [
                pd.Period(str(value)) if pd.notna(value) else None for value in frame[column]
            ]
    return frame


class Registry(ABC):
    """Interface shared by the directory and the SQL registries."""

    # -- storing -----------------------------------------------------------------------

    def store(
        self,
        artifacts: Mapping[str, bytes],
        *,
        status: str = STATUS_SUCCEEDED,
        data_hash: str = "",
        parameters: Mapping[str, Any] | None = None,
        message: str = "",
    ) -> RunRecord:
        """Store a new run; returns its record. Stored runs are never modified."""
        if status not in STATUSES:
            raise RegistryError(f"status must be one of {STATUSES}, got {status!r}")
        for name, content in artifacts.items():
            if not isinstance(content, bytes):
                raise RegistryError(
                    f"artifact {name!r} must be bytes, got {type(content).__name__}"
                )
            if not name or "/" in name or name.startswith("."):
                raise RegistryError(f"artifact name {name!r} is not a plain file name")
        created_at = datetime.now(UTC).replace(microsecond=0)
        record = RunRecord(
            id=new_run_id(created_at),
            created_at=created_at,
            status=status,
            data_hash=data_hash,
            parameters=json.loads(json.dumps(dict(parameters or {}), default=str)),
            message=message,
            artifacts=tuple(sorted(artifacts)),
        )
        self._store(record, dict(artifacts))
        return record

    def store_training_run(self, run: Any) -> RunRecord:
        """Store a :class:`forecasting.pipeline.TrainingRun` (anything with ``artifacts()``)."""
        return self.store(
            run.artifacts(),
            status=STATUS_SUCCEEDED,
            data_hash=run.data_hash,
            parameters=run.parameters,
            message=run.message(),
        )

    # -- reading -----------------------------------------------------------------------

    def load_forecasts(self, run_id: str | None = None) -> pd.DataFrame:
        return frame_from_bytes(self.artifact(self._resolve(run_id), FORECASTS))

    def load_scores(self, run_id: str | None = None) -> pd.DataFrame:
        return frame_from_bytes(self.artifact(self._resolve(run_id), SCORES))

    def load_score_forecasts(self, run_id: str | None = None) -> pd.DataFrame:
        return frame_from_bytes(self.artifact(self._resolve(run_id), SCORE_FORECASTS))

    def load_backtest(self, run_id: str | None = None) -> pd.DataFrame:
        return frame_from_bytes(self.artifact(self._resolve(run_id), BACKTEST))

    def load_card(self, run_id: str | None = None, format: str = "md") -> str:
        name = {"md": CARD_MARKDOWN, "json": CARD_JSON}.get(format)
        if name is None:
            raise RegistryError(f"card format must be 'md' or 'json', got {format!r}")
        return self.artifact(self._resolve(run_id), name).decode("utf-8")

    def _resolve(self, run_id: str | None) -> str:
        if run_id is not None:
            return run_id
        active = self.active()
        if active is None:
            raise RegistryError("no run is active; pass a run id or promote a run first")
        return active.id

    def _check_promotable(self, record: RunRecord) -> None:
        if record.status != STATUS_SUCCEEDED:
            raise RunNotPromotableError(
                f"run {record.id} has status {record.status!r}; only succeeded runs can be promoted"
            )

    @abstractmethod
    def _store(self, record: RunRecord, artifacts: dict[str, bytes]) -> None: ...

    @abstractmethod
    def get(self, run_id: str) -> RunRecord:
        """The run's record; :class:`UnknownRunError` if there is none."""

    @abstractmethod
    def list_runs(self) -> list[RunRecord]:
        """All runs, newest first."""

    @abstractmethod
    def artifact(self, run_id: str, name: str) -> bytes:
        """Raw bytes of one artifact of a run."""

    @abstractmethod
    def active(self) -> RunRecord | None:
        """The run in force, or None before the first promotion."""

    @abstractmethod
    def promote(self, run_id: str) -> RunRecord:
        """Make ``run_id`` the active run (atomically); returns its record."""

    @abstractmethod
    def rollback(self) -> RunRecord:
        """Return to the run that was active before the current one; returns it."""

    @abstractmethod
    def history(self) -> list[str]:
        """Run ids of the activation stack, oldest first; the last one is active."""


# ---------------------------------------------------------------------------------------
# Directory registry
# ---------------------------------------------------------------------------------------


class DirectoryRegistry(Registry):
    """Runs in ``PATH/runs/<id>/``, the activation stack in ``PATH/active.json``.

    A run directory is assembled under a temporary name and renamed into place, so a reader
    sees either the whole run or none of it. ``active.json`` is rewritten to a temporary file,
    flushed to disk and swapped in with ``os.replace``: a crash leaves the old pointer.
    """

    POINTER = "active.json"
    LOCK = ".lock"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.runs_path = self.path / "runs"
        self.runs_path.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"DirectoryRegistry({str(self.path)!r})"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.path / self.LOCK, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _run_path(self, run_id: str) -> Path:
        if not run_id or "/" in run_id or run_id.startswith("."):
            raise UnknownRunError(f"no run with id {run_id!r}")
        return self.runs_path / run_id

    def _store(self, record: RunRecord, artifacts: dict[str, bytes]) -> None:
        final = self._run_path(record.id)
        staging = Path(tempfile.mkdtemp(prefix=f".{record.id}-", dir=self.runs_path))
        try:
            (staging / "artifacts").mkdir()
            for name, content in artifacts.items():
                _write_durably(staging / "artifacts" / name, content)
            metadata = record.to_dict()
            metadata.pop("active")
            _write_durably(
                staging / "metadata.json",
                json.dumps(metadata, indent=2, sort_keys=True).encode("utf-8"),
            )
            for file in [*(staging / "artifacts").iterdir(), staging / "metadata.json"]:
                file.chmod(0o444)
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _fsync_directory(self.runs_path)

    def _read_record(self, run_id: str, stack: list[str]) -> RunRecord:
        path = self._run_path(run_id) / "metadata.json"
        try:
            metadata = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UnknownRunError(f"no run with id {run_id!r} in {self.path}") from None
        return RunRecord(
            id=metadata["id"],
            created_at=datetime.fromisoformat(metadata["created_at"]),
            status=metadata["status"],
            data_hash=metadata["data_hash"],
            parameters=metadata["parameters"],
            message=metadata.get("message", ""),
            artifacts=tuple(metadata.get("artifacts", ())),
            active=bool(stack) and stack[-1] == metadata["id"],
        )

    def get(self, run_id: str) -> RunRecord:
        return self._read_record(run_id, self.history())

    def list_runs(self) -> list[RunRecord]:
        stack = self.history()
        records = [
            self._read_record(path.name, stack)
            for path in self.runs_path.iterdir()
            if path.is_dir() and not path.name.startswith(".")
        ]
        return sorted(records, key=lambda record: (record.created_at, record.id), reverse=True)

    def artifact(self, run_id: str, name: str) -> bytes:
        record = self.get(run_id)
        if name not in record.artifacts:
            raise RegistryError(
                f"run {run_id} has no artifact {name!r} (it has: {', '.join(record.artifacts)})"
            )
        return (self._run_path(run_id) / "artifacts" / name).read_bytes()

    def history(self) -> list[str]:
        try:
            content = (self.path / self.POINTER).read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return list(json.loads(content)["stack"])

    def active(self) -> RunRecord | None:
        stack = self.history()
        return self._read_record(stack[-1], stack) if stack else None

    def promote(self, run_id: str) -> RunRecord:
        with self._locked():
            record = self.get(run_id)
            self._check_promotable(record)
            stack = self.history()
            if not stack or stack[-1] != run_id:
                self._write_pointer([*stack, run_id])
        return self.get(run_id)

    def rollback(self) -> RunRecord:
        with self._locked():
            stack = self.history()
            if len(stack) < 2:
                raise NothingToRollBackError(
                    "no earlier active run to roll back to"
                    if stack
                    else "no run has been promoted yet"
                )
            self._write_pointer(stack[:-1])
            return self.get(stack[-2])

    def _write_pointer(self, stack: list[str]) -> None:
        content = json.dumps(
            {"stack": stack, "updated_at": datetime.now(UTC).isoformat()}, indent=2
        ).encode("utf-8")
        temporary = self.path / f".{self.POINTER}.{secrets.token_hex(4)}.tmp"
        try:
            _write_durably(temporary, content)
            os.replace(temporary, self.path / self.POINTER)
        finally:
            temporary.unlink(missing_ok=True)
        _fsync_directory(self.path)


def _write_durably(path: Path, content: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# ---------------------------------------------------------------------------------------
# SQL registry
# ---------------------------------------------------------------------------------------

REGISTRY_METADATA = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

model_runs = sa.Table(
    "model_runs",
    REGISTRY_METADATA,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("data_hash", sa.String(64), nullable=False),
    sa.Column("parameters", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.CheckConstraint("status IN ('succeeded', 'failed')", name="status"),
)

model_run_artifacts = sa.Table(
    "model_run_artifacts",
    REGISTRY_METADATA,
    sa.Column(
        "run_id",
        sa.String(64),
        sa.ForeignKey("model_runs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
)

model_run_activations = sa.Table(
    "model_run_activations",
    REGISTRY_METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("model_runs.id"), nullable=False),
    sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("is_active", sa.Boolean(create_constraint=False), nullable=False),
    sa.Column("rolled_back_at", sa.DateTime(timezone=True), nullable=True),
)

#: At most one activation row may be active; promote/rollback keep it at exactly one.
sa.Index(
    "uq_model_run_activations_single_active",
    model_run_activations.c.is_active,
    unique=True,
    sqlite_where=model_run_activations.c.is_active == sa.true(),
    postgresql_where=model_run_activations.c.is_active == sa.true(),
)

_PROMOTION_LOCK_KEY = 0x4C53_4D52  # arbitrary constant for pg_advisory_xact_lock


class SqlRegistry(Registry):
    """Runs in the tables of :data:`REGISTRY_METADATA`, reached through ``engine``.

    The tables must exist (the web app creates them with its migrations; ``create_tables``
    does it for stand-alone use). An activation stack is kept as rows of
    ``model_run_activations``: promotion inserts one, rollback marks the top one rolled
    back; the active row is the newest one not rolled back.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def __repr__(self) -> str:
        return f"SqlRegistry({self.engine.url.render_as_string(hide_password=True)!r})"

    def create_tables(self) -> None:
        REGISTRY_METADATA.create_all(self.engine)

    def _store(self, record: RunRecord, artifacts: dict[str, bytes]) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                model_runs.insert().values(
                    id=record.id,
                    created_at=record.created_at,
                    status=record.status,
                    data_hash=record.data_hash,
                    parameters=json.dumps(record.parameters, sort_keys=True),
                    message=record.message,
                )
            )
            if artifacts:
                connection.execute(
                    model_run_artifacts.insert(),
                    [
                        {
                            "run_id": record.id,
                            "name": name,
                            "content": content,
                            "sha256": hashlib.sha256(content).hexdigest(),
                        }
                        for name, content in artifacts.items()
                    ],
                )

    def _records(self, connection: sa.Connection, where=None) -> list[RunRecord]:
        query = sa.select(model_runs).order_by(
            model_runs.c.created_at.desc(), model_runs.c.id.desc()
        )
        if where is not None:
            query = query.where(where)
        runs = connection.execute(query).mappings().all()
        if not runs:
            return []
        ids = [row["id"] for row in runs]
        names: dict[str, list[str]] = {}
        for run_id, name in connection.execute(
            sa.select(model_run_artifacts.c.run_id, model_run_artifacts.c.name).where(
                model_run_artifacts.c.run_id.in_(ids)
            )
        ):
            names.setdefault(run_id, []).append(name)
        active_id = self._active_id(connection)
        return [
            RunRecord(
                id=row["id"],
                created_at=_aware(row["created_at"]),
                status=row["status"],
                data_hash=row["data_hash"],
                parameters=json.loads(row["parameters"]),
                message=row["message"],
                artifacts=tuple(sorted(names.get(row["id"], []))),
                active=row["id"] == active_id,
            )
            for row in runs
        ]

    def get(self, run_id: str) -> RunRecord:
        with self.engine.connect() as connection:
            return self._get(connection, run_id)

    def _get(self, connection: sa.Connection, run_id: str) -> RunRecord:
        records = self._records(connection, model_runs.c.id == run_id)
        if not records:
            raise UnknownRunError(f"no run with id {run_id!r}")
        return records[0]

    def list_runs(self) -> list[RunRecord]:
        with self.engine.connect() as connection:
            return self._records(connection)

    def artifact(self, run_id: str, name: str) -> bytes:
        with self.engine.connect() as connection:
            content = connection.execute(
                sa.select(model_run_artifacts.c.content).where(
                    model_run_artifacts.c.run_id == run_id, model_run_artifacts.c.name == name
                )
            ).scalar_one_or_none()
            if content is None:
                record = self._get(connection, run_id)
                raise RegistryError(
                    f"run {run_id} has no artifact {name!r} (it has: {', '.join(record.artifacts)})"
                )
        return bytes(content)

    def _active_id(self, connection: sa.Connection) -> str | None:
        return connection.execute(
            sa.select(model_run_activations.c.run_id).where(
                model_run_activations.c.is_active == sa.true()
            )
        ).scalar_one_or_none()

    def active(self) -> RunRecord | None:
        with self.engine.connect() as connection:
            active_id = self._active_id(connection)
            return None if active_id is None else self._get(connection, active_id)

    def history(self) -> list[str]:
        with self.engine.connect() as connection:
            return list(
                connection.execute(
                    sa.select(model_run_activations.c.run_id)
                    .where(model_run_activations.c.rolled_back_at.is_(None))
                    .order_by(model_run_activations.c.id)
                ).scalars()
            )

    def _serialise(self, connection: sa.Connection) -> None:
        """Make concurrent promotions wait for each other (PostgreSQL advisory lock)."""
        if connection.dialect.name == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_PROMOTION_LOCK_KEY)))

    def promote(self, run_id: str) -> RunRecord:
        try:
            with self.engine.begin() as connection:
                self._serialise(connection)
                record = self._get(connection, run_id)
                self._check_promotable(record)
                if self._active_id(connection) != run_id:
                    self._deactivate_current(connection)
                    self._activate(connection, run_id)
        except sa.exc.IntegrityError as error:
            raise RegistryError(
                f"promotion of {run_id} collided with another promotion; nothing changed, try again"
            ) from error
        return self.get(run_id)

    def rollback(self) -> RunRecord:
        with self.engine.begin() as connection:
            self._serialise(connection)
            rows = connection.execute(
                sa.select(model_run_activations.c.id, model_run_activations.c.run_id)
                .where(model_run_activations.c.rolled_back_at.is_(None))
                .order_by(model_run_activations.c.id.desc())
                .limit(2)
            ).all()
            if len(rows) < 2:
                raise NothingToRollBackError(
                    "no earlier active run to roll back to"
                    if rows
                    else "no run has been promoted yet"
                )
            (current_id, _), (previous_id, previous_run) = rows
            now = datetime.now(UTC)
            connection.execute(
                model_run_activations.update()
                .where(model_run_activations.c.id == current_id)
                .values(is_active=False, rolled_back_at=now)
            )
            connection.execute(
                model_run_activations.update()
                .where(model_run_activations.c.id == previous_id)
                .values(is_active=True)
            )
            return self._get(connection, previous_run)

    def _deactivate_current(self, connection: sa.Connection) -> None:
        connection.execute(
            model_run_activations.update()
            .where(model_run_activations.c.is_active == sa.true())
            .values(is_active=False)
        )

    def _activate(self, connection: sa.Connection, run_id: str) -> None:
        connection.execute(
            model_run_activations.insert().values(
                run_id=run_id, activated_at=datetime.now(UTC), is_active=True
            )
        )


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything here is stored in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def open_registry(location: str | os.PathLike[str]) -> Registry:
    """A registry from a directory path or a SQLAlchemy URL (``sqlite:///...``, ``postgresql+psycopg://...``)."""
    text = str(location)
    if "://" in text:
        return SqlRegistry(sa.create_engine(text))
    return DirectoryRegistry(text)
