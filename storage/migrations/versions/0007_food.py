"""invitee food: consent, one fixed diet choice, EU allergens

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitee") as batch:
        batch.add_column(
            sa.Column("food_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("diet", sa.String(16), nullable=True))
        batch.add_column(sa.Column("allergens", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("invitee") as batch:
        batch.drop_column("allergens")
        batch.drop_column("diet")
        batch.drop_column("food_consent")
