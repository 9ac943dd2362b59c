"""survey result watermarks: counting_since, when a count started from zero

A process that did not count the latest responses moves its cached tallies forward by
counting the responses in between, instead of reading every tally row again; it may only do
so within one count (a rebuild starts another, with another ``counting_since``).

Revision ID: b7d4e2f1c0a9
Revises: a3e1c7d2b9f4
Create Date: 2026-11-28 02:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

from webapp.database import UTCDateTime

# revision identifiers, used by Alembic.
revision = "b7d4e2f1c0a9"
down_revision = "a3e1c7d2b9f4"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: counts made before this column have no known start (NULL), which still tells
    # them apart from any count a rebuild starts later.
    op.add_column(
        "survey_result_watermarks",
        sa.Column("counting_since", UTCDateTime(timezone=True), nullable=True),
    )


def downgrade():
    with op.batch_alter_table("survey_result_watermarks") as batch:
        batch.drop_column("counting_since")
