"""outbox_delivery.acknowledged_at: the coordinator has seen that this silent message may not
have arrived (UNKNOWN), so it leaves the conference's view

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_delivery") as batch:
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_delivery") as batch:
        batch.drop_column("acknowledged_at")
