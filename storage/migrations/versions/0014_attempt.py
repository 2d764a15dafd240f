"""outbox_delivery.attempted_at: the request for part `parts_done` may have left (the durable
mark the sender commits just before each request; NULL while a delivery is only in hand)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_delivery") as batch:
        batch.add_column(sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_delivery") as batch:
        batch.drop_column("attempted_at")
