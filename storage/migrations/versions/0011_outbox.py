"""the outbox: batches of rendered messages, one delivery per person, payloads stored once

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_payload",
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_outbox_payload")),
    )
    op.create_table(
        "outbox_batch",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(100), nullable=True),
        sa.Column("conference_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("report_chat", sa.BigInteger(), nullable=True),
        sa.Column("report_locale", sa.String(16), nullable=True),
        sa.Column("skipped", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("progress_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conference.id"],
            name=op.f("fk_outbox_batch_conference_id_conference"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_batch")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_batch_key")),
    )
    op.create_index(op.f("ix_outbox_batch_conference_id"), "outbox_batch", ["conference_id"])
    op.create_index(op.f("ix_outbox_batch_finished_at"), "outbox_batch", ["finished_at"])
    op.create_table(
        "outbox_delivery",
        sa.Column("batch_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.String(64), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("parts_done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("message_ids", sa.String(200), nullable=False, server_default=""),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["outbox_batch.id"],
            name=op.f("fk_outbox_delivery_batch_id_outbox_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["invitee_id"], ["invitee.id"], name=op.f("fk_outbox_delivery_invitee_id_invitee")
        ),
        sa.ForeignKeyConstraint(
            ["payload"],
            ["outbox_payload.digest"],
            name=op.f("fk_outbox_delivery_payload_outbox_payload"),
        ),
        sa.PrimaryKeyConstraint("batch_id", "person_id", name=op.f("pk_outbox_delivery")),
    )
    op.create_index(op.f("ix_outbox_delivery_state"), "outbox_delivery", ["state"])
    op.create_index(op.f("ix_outbox_delivery_person_id"), "outbox_delivery", ["person_id"])


def downgrade() -> None:
    op.drop_table("outbox_delivery")
    op.drop_table("outbox_batch")
    op.drop_table("outbox_payload")
