"""users: must_change_password, set while a handed-over one-time password is in use

Revision ID: b3f9a1c6d2e8
Revises: d8e2f4a6b1c3
Create Date: 2026-11-29 15:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3f9a1c6d2e8"
down_revision = "d8e2f4a6b1c3"
branch_labels = None
depends_on = None


def upgrade():
    # Existing accounts are not flagged: which of their passwords were handed over and which
    # were typed by their holder is not recorded anywhere. Reset a password to flag it.
    op.add_column(
        "users",
        sa.Column(
            "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
