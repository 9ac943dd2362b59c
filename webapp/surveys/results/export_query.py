"""Reading responses for an export as plain values, with the database doing what it does fast.

Reading through the ORM gives what its types make of a row: an aware datetime (through
``UTCDateTime``) and the answers parsed by the driver. For a million responses that
per-row Python work was most of an export's time, so this reader asks the database for
``submitted_at`` already formatted as the export writes it, the version number through a
constant ``CASE`` (no join), and the answers as their stored JSON text, which
``export.stored_csv_chunks`` parses with orjson.

Memory stays flat: on PostgreSQL the rows are streamed with psycopg's ``Cursor.stream`` (the
server keeps sending while Python writes, where a named cursor waits for every batch, and
SQLAlchemy's per-row result handling is skipped: about three times the rows per second);
SQLite's cursor steps through the result as it is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from webapp.extensions import db
from webapp.surveys.models import Survey, SurveyResponse, SurveyVersion
from webapp.surveys.results.export import StoredRow


def _moment_text(dialect: str) -> sa.ColumnElement[str]:
    """``submitted_at`` as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, seconds truncated as
    ``export.format_moment`` does."""
    column = SurveyResponse.__table__.c.submitted_at
    if dialect == "postgresql":
        utc = sa.func.timezone("UTC", column)
        return sa.func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS"Z"', type_=sa.String)
    if dialect == "sqlite":  # stored as naive UTC text (see ``UTCDateTime``)
        return sa.func.strftime("%Y-%m-%dT%H:%M:%SZ", column, type_=sa.String)
    raise RuntimeError(f"exports support SQLite and PostgreSQL, not the {dialect} database")


def stored_rows(survey: Survey, up_to_id: int, batch: int = 5_000) -> Iterator[StoredRow]:
    """Responses up to ``up_to_id`` in id order as ``StoredRow`` tuples."""
    numbers = dict(
        db.session.execute(
            sa.select(SurveyVersion.id, SurveyVersion.number).where(
                SurveyVersion.survey_id == survey.id
            )
        ).all()
    )
    table = SurveyResponse.__table__
    connection = db.session.connection()
    dialect = connection.dialect.name
    version = (
        sa.case(numbers, value=table.c.survey_version_id, else_=0) if numbers else sa.literal(0)
    )
    # SQLite would read the survey's rows through its (survey_id, submitted_at) index and
    # sort them all by id before the first row (a million responses: half the export's time);
    # ``survey_id + 0`` keeps it on the primary key, in id order. PostgreSQL walks the primary
    # key by itself and would misjudge ``+ 0``.
    survey_column = table.c.survey_id + 0 if dialect == "sqlite" else table.c.survey_id
    query = (
        sa.select(
            table.c.id,
            _moment_text(dialect),
            table.c.language,
            table.c.region_code,
            version,
            sa.cast(table.c.answers, sa.Text),
        )
        .where(survey_column == survey.id, table.c.id <= up_to_id)
        .order_by(table.c.id)
    )
    if dialect == "postgresql":
        yield from _postgresql_stream(connection, query, batch)
        return
    result = connection.execute(query.execution_options(yield_per=batch))
    try:
        yield from result
    finally:
        result.close()


def _postgresql_stream(
    connection: sa.Connection, query: sa.Select[Any], batch: int
) -> Iterator[StoredRow]:
    """Rows through psycopg's ``stream`` on the session's own connection and transaction.

    Closing the generator early (a download cut short) makes psycopg cancel the query; the
    transaction is then rolled back with the session at the end of the request.
    """
    import psycopg

    compiled = query.compile(dialect=connection.dialect)
    # Rows in chunks need libpq 17; older ones send them one at a time, which still streams.
    size = batch if psycopg.pq.version() >= 170000 else 1
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        yield from cursor.stream(str(compiled), compiled.params, size=size)
