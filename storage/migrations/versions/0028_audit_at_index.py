"""An index on the audit log by time: how many invitation links all accounts together had
refused in the last hour (the total limit, and /metrics) is a look-up, however long the log
grows.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_at", "audit", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_at", table_name="audit")
