"""invitee: the circle, with personal invitation tokens (hashes only)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "invitee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("relation", sa.String(64), nullable=False),
        sa.Column("grp", sa.String(16), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("must_attend", sa.Boolean(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("token_expires_at", TS, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("opened_at", TS, nullable=True),
        sa.Column("rsvp", sa.String(8), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["conference_id"], ["conference.id"], name=op.f("fk_invitee_conference_id_conference")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitee")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitee_token_hash")),
    )
    op.create_index(op.f("ix_invitee_conference_id"), "invitee", ["conference_id"])
    op.create_index(op.f("ix_invitee_person_id"), "invitee", ["person_id"])


def downgrade() -> None:
    op.drop_table("invitee")
