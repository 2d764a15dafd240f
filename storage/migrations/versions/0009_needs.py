"""invitee needs: interpreter, children and childcare, transport, accessibility

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitee") as batch:
        batch.add_column(sa.Column("interpreter", sa.String(8), nullable=True))
        batch.add_column(sa.Column("children", sa.Integer(), nullable=False, server_default="0"))
        for flag in ("childcare", "transport", "accessibility"):
            batch.add_column(
                sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false())
            )


def downgrade() -> None:
    with op.batch_alter_table("invitee") as batch:
        for column in ("accessibility", "transport", "childcare", "children", "interpreter"):
            batch.drop_column(column)
