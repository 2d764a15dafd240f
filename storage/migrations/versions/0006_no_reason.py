"""invitee.no_reason: why someone can't come, if they chose to say

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitee") as batch:
        batch.add_column(sa.Column("no_reason", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invitee") as batch:
        batch.drop_column("no_reason")
