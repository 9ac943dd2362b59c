"""survey responses: index (survey, region, time) for the analysts' latest free texts

Revision ID: a3e1c7d2b9f4
Revises: 6f29d95821d9
Create Date: 2026-11-28 00:20:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "a3e1c7d2b9f4"
down_revision = "6f29d95821d9"
branch_labels = None
depends_on = None

NAME = "ix_survey_responses_survey_id_region_code_submitted_at"
COLUMNS = ["survey_id", "region_code", "submitted_at"]


def upgrade():
    context = op.get_context()
    if context.dialect.name == "postgresql":
        # Built without blocking respondents' inserts (a large table takes a while).
        with context.autocommit_block():
            op.create_index(NAME, "survey_responses", COLUMNS, postgresql_concurrently=True)
    else:
        op.create_index(NAME, "survey_responses", COLUMNS)


def downgrade():
    op.drop_index(NAME, table_name="survey_responses")
