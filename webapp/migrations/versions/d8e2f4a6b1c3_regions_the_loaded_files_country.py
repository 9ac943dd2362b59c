"""regions: the country the loaded unit file names (its national-total names)

Revision ID: d8e2f4a6b1c3
Revises: a7d3e9f1c2b5
Create Date: 2026-11-29 13:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d8e2f4a6b1c3"
down_revision = "a7d3e9f1c2b5"
branch_labels = None
depends_on = None


def upgrade():
    # Empty until `flask regions load` runs again: until then the web application names
    # the country as before (NATIONAL_NAMES, or Kazakhstan's names for Kazakhstan's units).
    op.create_table(
        "countries",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name_kk", sa.String(length=200), nullable=False),
        sa.Column("name_ru", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_countries_only_one")),
        sa.CheckConstraint(
            "length(code) = 2 AND upper(code) = code",
            name=op.f("ck_countries_code_is_iso_3166_1"),
        ),
        sa.CheckConstraint("name_en <> ''", name=op.f("ck_countries_name_en_is_given")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_countries")),
    )


def downgrade():
    op.drop_table("countries")
