"""The `kring serve` instances sharing a database, each with how many messages a second it sent
of late, so the leader keeps the bot's send rate (KRING_SEND_RATE) across all of them.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instance",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("seen_at", sa.Float, nullable=False),
        sa.Column("send_rate", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("instance")
