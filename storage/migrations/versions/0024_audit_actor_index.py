"""An index on the audit log by actor and time: how often an account was refused of late is a
look-up, however long the log grows.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_actor_id_at", "audit", ["actor_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_actor_id_at", table_name="audit")
