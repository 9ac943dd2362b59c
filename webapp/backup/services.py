"""Write and read backup archives (zip): a manifest, one JSON-lines file per table, the registry.

Restore is all-or-nothing: it refuses a non-empty database (unless asked to replace), checks
that the archive was made at the same schema revision, and inserts every row in one
transaction, so a failure leaves the database as it was.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.migration import MigrationContext
from flask import current_app

from webapp.database import all_metadata
from webapp.extensions import db

FORMAT_VERSION = 1
BATCH_SIZE = 5000
REGISTRY_FOLDER = "model-registry/"


class BackupError(ValueError):
    """The archive cannot be written or restored; the message says why."""


def _tables() -> list[sa.Table]:
    return [table for metadata in all_metadata() for table in metadata.sorted_tables]


def _schema_revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((key, text),) = value.items()
        if key == "$bytes":
            return base64.b64decode(text)
        if key == "$datetime":
            return dt.datetime.fromisoformat(text)
        if key == "$date":
            return dt.date.fromisoformat(text)
        if key == "$decimal":
            return Decimal(text)
    return value


def _rows(connection: sa.Connection, table: sa.Table) -> Iterator[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execution_options(yield_per=BATCH_SIZE).execute(
        sa.select(table).order_by(*order)
    )
    for row in result.mappings():
        yield {key: _encode(value) for key, value in row.items()}


def create_backup(target: Path) -> dict[str, Any]:
    """Write the archive; returns the manifest (row counts per table)."""
    registry = Path(current_app.config["MODEL_REGISTRY_DIR"])
    counts: dict[str, int] = {}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    # Password hashes and respondents' answers: readable by the owner only, as the secret key
    # (a partial file left by a failed run is truncated and made private too).
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with (
        os.fdopen(descriptor, "wb") as file,
        db.engine.connect() as connection,
        zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        # One read transaction: the archive is a consistent snapshot on PostgreSQL.
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                )
            for table in _tables():
                with archive.open(f"tables/{table.name}.jsonl", "w") as handle:
                    count = 0
                    for row in _rows(connection, table):
                        handle.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
                        count += 1
                counts[table.name] = count
            revision = _schema_revision(connection)
        if registry.is_dir():
            for path in sorted(registry.rglob("*")):
                if path.is_file():
                    archive.write(path, REGISTRY_FOLDER + str(path.relative_to(registry)))
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "schema_revision": revision,
            "database_backend": db.engine.dialect.name,
            "tables": counts,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    partial.replace(target)
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(source) as archive:
            manifest = json.loads(archive.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise BackupError(f"{source} is not a Listening State backup: {error}") from error
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
        raise BackupError(f"{source} is not a Listening State backup: its manifest lists no tables")
    return manifest


#: What a damaged archive raises while its rows are read and inserted.
DAMAGED_ARCHIVE_ERRORS = (
    ValueError,  # JSON, base64, dates, text encoding
    TypeError,
    AttributeError,
    ArithmeticError,  # decimals
    RecursionError,  # absurdly nested JSON
    zipfile.BadZipFile,
    sa.exc.SQLAlchemyError,  # wrong columns, types, constraints
)


def restore_backup(source: Path, replace: bool = False) -> dict[str, int]:
    """Load the archive into this database (and registry folder); all or nothing."""
    manifest = read_manifest(source)
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unsupported backup format {manifest.get('format')!r}.")
    tables = _tables()
    known = {table.name for table in tables}
    unknown = sorted(set(manifest["tables"]) - known)
    if unknown:
        raise BackupError(f"The backup has tables this version does not know: {', '.join(unknown)}")
    _check_registry_paths(source)  # before the database changes: all or nothing
    try:
        return _restore_tables(source, tables, manifest, replace)
    except BackupError:
        raise
    except DAMAGED_ARCHIVE_ERRORS as error:
        detail = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
        raise BackupError(f"The archive is damaged ({detail}); nothing was restored.") from error


def _restore_tables(
    source: Path, tables: list[sa.Table], manifest: dict[str, Any], replace: bool
) -> dict[str, int]:
    restored: dict[str, int] = {}
    with zipfile.ZipFile(source) as archive, db.engine.begin() as connection:
        revision = _schema_revision(connection)
        if manifest.get("schema_revision") != revision:
            raise BackupError(
                f"The backup was made at schema revision {manifest.get('schema_revision')}, "
                f"this database is at {revision}. Run 'flask db upgrade' to the same "
                "revision first."
            )
        non_empty = [
            table.name
            for table in tables
            if connection.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        ]
        if non_empty and not replace:
            raise BackupError(
                "The database is not empty (tables with rows: "
                + ", ".join(non_empty)
                + "). Restore into an empty database, or pass --replace to overwrite."
            )
        for table in reversed(tables):
            connection.execute(table.delete())
        deferred = _deferred_columns(tables)
        pending: list[tuple[sa.Table, list[dict[str, Any]]]] = []
        for table in tables:
            restored[table.name], later = _insert_table(
                connection, archive, table, deferred.get(table.name, [])
            )
            pending.append((table, later))
        for table, later in pending:
            _fill_deferred(connection, table, later)
        _reset_sequences(connection, tables)
    _restore_registry(source)
    return restored


def _deferred_columns(tables: list[sa.Table]) -> dict[str, list[sa.Column]]:
    """Foreign-key columns that point at their own table or at one restored later.

    Such rows cannot be inserted with the reference set (a survey points at its current
    version, which points back at the survey): the column is inserted empty and filled in
    once every row exists.
    """
    position = {table.name: index for index, table in enumerate(tables)}
    deferred: dict[str, list[sa.Column]] = {}
    for table in tables:
        for key in table.foreign_keys:
            target = position.get(key.column.table.name, -1)
            if target >= position[table.name] and key.parent.nullable:
                deferred.setdefault(table.name, []).append(key.parent)
    return deferred


def _insert_table(
    connection: sa.Connection,
    archive: zipfile.ZipFile,
    table: sa.Table,
    deferred: list[sa.Column],
) -> tuple[int, list[dict[str, Any]]]:
    """Insert the table's rows; returns the count and the deferred references to fill in."""
    name = f"tables/{table.name}.jsonl"
    if name not in archive.namelist():
        return 0, []
    count = 0
    batch: list[dict[str, Any]] = []
    later: list[dict[str, Any]] = []
    keys = [column.name for column in table.primary_key.columns]
    with archive.open(name) as handle:
        for line in handle:
            row = {key: _decode(value) for key, value in json.loads(line).items()}
            references = {column.name: row.get(column.name) for column in deferred}
            if any(value is not None for value in references.values()):
                later.append(
                    {f"key_{key}": row.get(key) for key in keys}
                    | {f"set_{name}": value for name, value in references.items()}
                )
                row.update(dict.fromkeys(references))
            batch.append(row)
            if len(batch) >= BATCH_SIZE:
                connection.execute(table.insert(), batch)
                count += len(batch)
                batch = []
    if batch:
        connection.execute(table.insert(), batch)
        count += len(batch)
    return count, later


def _fill_deferred(connection: sa.Connection, table: sa.Table, later: list[dict[str, Any]]) -> None:
    """Set the references ``_insert_table`` left empty, now that their targets exist."""
    if not later:
        return
    names = [key[len("set_") :] for key in later[0] if key.startswith("set_")]
    statement = (
        table.update()
        .where(*(key == sa.bindparam(f"key_{key.name}") for key in table.primary_key.columns))
        .values({name: sa.bindparam(f"set_{name}") for name in names})
    )
    connection.execute(statement, later)


def _reset_sequences(connection: sa.Connection, tables: list[sa.Table]) -> None:
    """PostgreSQL's identity counters must move past the restored ids."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and isinstance(column.type, sa.Integer)
            ):
                sequence = connection.execute(
                    sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": table.name, "column": column.name},
                ).scalar()
                if sequence:
                    highest = sa.select(sa.func.max(column)).scalar_subquery()
                    connection.execute(
                        sa.select(sa.func.setval(sequence, sa.func.coalesce(highest, 0) + 1, False))
                    )


def _check_registry_paths(source: Path) -> None:
    with zipfile.ZipFile(source) as archive:
        for member in archive.namelist():
            relative = Path(member[len(REGISTRY_FOLDER) :])
            if member.startswith(REGISTRY_FOLDER) and (
                relative.is_absolute() or ".." in relative.parts
            ):
                raise BackupError(f"Unsafe path in backup: {member}")


def _restore_registry(source: Path) -> None:
    registry = Path(current_app.config["MODEL_REGISTRY_DIR"])
    with zipfile.ZipFile(source) as archive:
        members = [name for name in archive.namelist() if name.startswith(REGISTRY_FOLDER)]
        if not members:
            return
        with tempfile.TemporaryDirectory(
            dir=registry.parent if registry.parent.exists() else None
        ) as staging:
            for member in members:
                relative = Path(member[len(REGISTRY_FOLDER) :])
                if relative.is_absolute() or ".." in relative.parts:
                    raise BackupError(f"Unsafe path in backup: {member}")
                destination = Path(staging) / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as reader, open(destination, "wb") as writer:
                    shutil.copyfileobj(reader, writer)
            if registry.exists():
                shutil.rmtree(registry)
            shutil.copytree(staging, registry)
