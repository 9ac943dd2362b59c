"""`flask db upgrade` builds exactly the schema the models describe, on each backend."""

from __future__ import annotations

import pytest
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


def test_the_countries_table_goes_up_and_down_with_its_constraints(app):
    """The loaded unit file's country: one row at most, an ISO 3166-1 code, a name."""
    from sqlalchemy.exc import IntegrityError

    insert = sa.text(
        "INSERT INTO countries (id, code, name_kk, name_ru, name_en, aliases) "
        "VALUES (:id, :code, '', '', :name, '[]')"
    )
    with app.app_context():
        drop_everything()
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(insert, {"id": 1, "code": "KG", "name": "Kyrgyz Republic"})
        for row in (
            {"id": 2, "code": "KZ", "name": "Kazakhstan"},  # a second country
            {"id": 1, "code": "KG", "name": "Kyrgyz Republic"},  # the same again
        ):
            with pytest.raises(IntegrityError), db.engine.begin() as connection:
                connection.execute(insert, row)
        with db.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM countries"))
        for row in ({"id": 1, "code": "kg", "name": "x"}, {"id": 1, "code": "KG", "name": ""}):
            with pytest.raises(IntegrityError), db.engine.begin() as connection:
                connection.execute(insert, row)
        downgrade(revision="a7d3e9f1c2b5")  # the revision before the countries table
        assert "countries" not in sa.inspect(db.engine).get_table_names()
        assert "regions" in sa.inspect(db.engine).get_table_names()
        upgrade()
        assert "countries" in sa.inspect(db.engine).get_table_names()
