"""`flask db upgrade` builds exactly the schema the models describe, on each backend."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from webapp.database import all_metadata
from webapp.extensions import db


def drop_everything() -> None:
    with db.engine.begin() as connection:
        for metadata in all_metadata():
            metadata.drop_all(connection)
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def test_migrations_match_models_and_downgrade_cleanly(app):
    with app.app_context():
        drop_everything()
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, all_metadata())
        assert differences == [], differences
        downgrade(revision="base")
        remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade()
