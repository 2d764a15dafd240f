"""reminder: planned pings, one per person, kind and meeting version

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["conference_id"], ["conference.id"], name=op.f("fk_reminder_conference_id_conference")
        ),
        sa.ForeignKeyConstraint(
            ["invitee_id"], ["invitee.id"], name=op.f("fk_reminder_invitee_id_invitee")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint(
            "invitee_id", "kind", "version", name="uq_reminder_invitee_kind_version"
        ),
    )
    op.create_index(op.f("ix_reminder_conference_id"), "reminder", ["conference_id"])
    op.create_index("ix_reminder_status_due_at", "reminder", ["status", "due_at"])


def downgrade() -> None:
    op.drop_table("reminder")
