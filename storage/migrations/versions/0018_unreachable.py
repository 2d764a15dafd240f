"""outbox_batch.unreachable: people a batch left out because they blocked the bot, counted
apart from those who never opened it (`skipped`), so the report can say which

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_batch") as batch:
        batch.add_column(
            sa.Column("unreachable", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_batch") as batch:
        batch.drop_column("unreachable")
