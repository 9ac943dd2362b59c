"""Helpers shared by the fuzz and security tests: row counts, hostile values, page parsing."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import Flask

#: Text that a healthy error page never contains.
TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "psycopg.")


def table_counts(app: Flask) -> dict[str, int]:
    """Rows per table of every model's metadata: compared before and after refused input."""
    from webapp.database import all_metadata
    from webapp.extensions import db

    with app.app_context():
        existing = set(sa.inspect(db.engine).get_table_names())
        counts = {}
        for metadata in all_metadata():
            for table in metadata.sorted_tables:
                if table.name in existing:
                    counts[table.name] = db.session.scalar(
                        sa.select(sa.func.count()).select_from(table)
                    )
        db.session.remove()
    return counts


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {
        name: (before.get(name, 0), count)
        for name, count in after.items()
        if count != before.get(name, 0)
    }


def assert_no_server_error(response: Any, where: Any) -> None:
    """No 500, and no stack trace or driver message leaked into the body."""
    assert response.status_code < 500, (where, response.status_code)
    body = response.get_data(as_text=True)
    for marker in TRACE_MARKERS:
        assert marker not in body, (where, marker)


HIDDEN_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """Hidden inputs of a page (CSRF token, submission id, page number...)."""
    fields = {}
    for tag in HIDDEN_INPUT.findall(html):
        attributes = dict(ATTRIBUTE.findall(tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields[attributes["name"]] = attributes.get("value", "")
    return fields
