"""When the coordinator was last told that a second phone tried an invitation: at most once a
day per invitation, however often it is tried.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitee") as table:
        table.add_column(
            sa.Column("second_phone_told_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("invitee") as table:
        table.drop_column("second_phone_told_at")
