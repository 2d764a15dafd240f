"""PostgreSQL: outbox batch ids from a sequence, so several kring serve instances enqueueing at
the same moment never pick the same id (SQLite keeps its rising ids: one writer at a time).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SEQUENCE outbox_batch_id AS bigint")
    # on from the highest id so far: ids keep rising in the order of enqueueing
    op.execute(
        "SELECT setval('outbox_batch_id', (SELECT coalesce(max(id), 0) + 1 FROM outbox_batch), "
        "false)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE outbox_batch_id")
