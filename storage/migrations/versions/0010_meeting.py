"""the meeting: proposed slots, votes, the family's proposals, the fixed date and venue, nudges

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conference_id"], ["conference.id"], name=op.f("fk_slot_conference_id_conference")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot")),
    )
    op.create_index(op.f("ix_slot_conference_id"), "slot", ["conference_id"])
    op.create_table(
        "vote",
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("vote", sa.String(8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitee_id"], ["invitee.id"], name=op.f("fk_vote_invitee_id_invitee")
        ),
        sa.ForeignKeyConstraint(["slot_id"], ["slot.id"], name=op.f("fk_vote_slot_id_slot")),
        sa.PrimaryKeyConstraint("invitee_id", "slot_id", name=op.f("pk_vote")),
    )
    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("invitee_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conference_id"], ["conference.id"], name=op.f("fk_proposal_conference_id_conference")
        ),
        sa.ForeignKeyConstraint(
            ["invitee_id"], ["invitee.id"], name=op.f("fk_proposal_invitee_id_invitee")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal")),
    )
    op.create_index(op.f("ix_proposal_conference_id"), "proposal", ["conference_id"])
    with op.batch_alter_table("conference") as batch:
        batch.add_column(sa.Column("meeting_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("venue_name", sa.String(100), nullable=True))
        batch.add_column(sa.Column("venue_address", sa.String(200), nullable=True))
        batch.add_column(sa.Column("venue_latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("venue_longitude", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column("meeting_sequence", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("meeting_cancelled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("invitee") as batch:
        batch.add_column(sa.Column("nudges", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("invitee") as batch:
        batch.drop_column("nudges")
    with op.batch_alter_table("conference") as batch:
        for column in (
            "meeting_cancelled",
            "meeting_sequence",
            "venue_longitude",
            "venue_latitude",
            "venue_address",
            "venue_name",
            "meeting_at",
        ):
            batch.drop_column(column)
    op.drop_table("proposal")
    op.drop_table("vote")
    op.drop_table("slot")
