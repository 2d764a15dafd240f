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
    # plain ADD COLUMN, SQLite included: a batch would copy the conference table, and SQLite
    # refuses to drop a table other tables refer to (foreign keys on)
    op.add_column("conference", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("conference", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("conference", "erased_at")  # SQLite 3.35 and later drop a column in place
    op.drop_column("conference", "closed_at")
