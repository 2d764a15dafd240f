"""When a conference closed (its last follow-up done) and when its personal data was erased:
the retention job (KRING_RETENTION_DAYS) erases closed conferences once, counted from then.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conference") as table:
        table.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conference") as table:
        table.drop_column("erased_at")
        table.drop_column("closed_at")
