"""survey versions: at most one unpublished version (the designer's working copy) per survey

A partial unique index on survey_versions(survey_id) WHERE published_at IS NULL. The code
never kept two unpublished versions of a survey (an edit of an unpublished version replaced
it in place), but a database could hold them from hand edits or imports: all but the newest
unpublished version of a survey are marked published at their creation time first (they
are older than a version that replaced them, so they are history, never to be edited), and
the index is then created.

Revision ID: a7d3e9f1c2b5
Revises: f5c1d8e2b7a4
Create Date: 2026-11-29 05:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7d3e9f1c2b5"
down_revision = "f5c1d8e2b7a4"
branch_labels = None
depends_on = None

INDEX = "uq_survey_versions_one_working_copy"

#: Unpublished versions that a newer unpublished version of the same survey supersedes.
SUPERSEDED = """
UPDATE survey_versions SET published_at = created_at
WHERE published_at IS NULL
  AND number < (
    SELECT MAX(newer.number) FROM survey_versions AS newer
    WHERE newer.survey_id = survey_versions.survey_id AND newer.published_at IS NULL
  )
"""


def upgrade():
    op.execute(SUPERSEDED)
    with op.batch_alter_table("survey_versions", schema=None) as batch_op:
        batch_op.create_index(
            INDEX,
            ["survey_id"],
            unique=True,
            sqlite_where=sa.text("published_at IS NULL"),
            postgresql_where=sa.text("published_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("survey_versions", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
