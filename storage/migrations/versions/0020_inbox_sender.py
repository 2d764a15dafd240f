"""The inbox knows whose update each row is, so several instances handle a person's updates in
order.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("sender", sa.BigInteger(), nullable=True))
        batch.create_index("ix_inbox_sender_update_id", ["sender", "update_id"])


def downgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.drop_index("ix_inbox_sender_update_id")
        batch.drop_column("sender")
