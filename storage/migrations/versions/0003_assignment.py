"""assignment: a coordinator per conference, staff gender for matching

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("gender", sa.String(1), nullable=True))
    with op.batch_alter_table("conference") as batch:
        batch.add_column(sa.Column("coordinator_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_conference_coordinator_id"), ["coordinator_id"])


def downgrade() -> None:
    with op.batch_alter_table("conference") as batch:
        batch.drop_index(batch.f("ix_conference_coordinator_id"))
        batch.drop_column("assigned_at")
        batch.drop_column("coordinator_id")
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("gender")
