"""survey_versions: import_notes, what the import of the version's file left out

Revision ID: a7d3e5f1c9b2
Revises: b3f9a1c6d2e8
Create Date: 2026-11-29 18:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7d3e5f1c9b2"
down_revision = "b3f9a1c6d2e8"
branch_labels = None
depends_on = None


def upgrade():
    # Versions stored before have no notes kept (NULL): the page shows none for them.
    op.add_column("survey_versions", sa.Column("import_notes", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("survey_versions") as batch:
        batch.drop_column("import_notes")
