"""outbox_batch.unreachable: people a batch left out because they blocked the bot, counted
apart from those who never opened it (`skipped`), so the report can say which

Revision ID: 0017_staffui
Revises: 0016
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_staffui"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_batch") as batch:
        batch.add_column(sa.Column("unreachable", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox_batch") as batch:
        batch.drop_column("unreachable")
