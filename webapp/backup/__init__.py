"""Backup and restore of a whole installation: every table and the model registry folder.

The archive is portable between SQLite and PostgreSQL: rows are written as JSON lines per
table, not as a database-specific dump.
"""

from flask import Flask


def register(app: Flask) -> None:
    from webapp.backup.cli import backup_cli

    app.cli.add_command(backup_cli)
