"""survey responses: drop the (survey, region) index, a prefix of (survey, region, time)

Every lookup by survey and region is served by the three-column index added in a3e1c7d2b9f4;
the two-column one only cost a write per stored response.

Revision ID: c2a8f5e3d1b6
Revises: b7d4e2f1c0a9
Create Date: 2026-11-28 02:45:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c2a8f5e3d1b6"
down_revision = "b7d4e2f1c0a9"
branch_labels = None
depends_on = None

NAME = "ix_survey_responses_survey_id_region_code"


def upgrade():
    context = op.get_context()
    if context.dialect.name == "postgresql":
        # Without blocking respondents' inserts.
        with context.autocommit_block():
            op.drop_index(NAME, table_name="survey_responses", postgresql_concurrently=True)
    else:
        op.drop_index(NAME, table_name="survey_responses")


def downgrade():
    context = op.get_context()
    if context.dialect.name == "postgresql":
        with context.autocommit_block():
            op.create_index(
                NAME, "survey_responses", ["survey_id", "region_code"], postgresql_concurrently=True
            )
    else:
        op.create_index(NAME, "survey_responses", ["survey_id", "region_code"])
