"""conference.flagged_at: when managers were reminded of an unassigned request

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conference") as batch:
        batch.add_column(sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conference") as batch:
        batch.drop_column("flagged_at")
