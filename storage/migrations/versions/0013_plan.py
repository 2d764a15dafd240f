"""the plan: agreements, who keeps an eye, next get-together, acceptance; follow-up answers and
anonymous check-ins

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("conference_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("agreements", sa.Text(), nullable=False),
        sa.Column("monitor", sa.String(200), nullable=True),
        sa.Column("next_meeting_at", TS, nullable=True),
        sa.Column("acceptor_id", sa.Integer(), nullable=True),
        sa.Column("acceptance", sa.String(10), nullable=True),
        sa.Column("acceptance_reason", sa.Text(), nullable=True),
        sa.Column("follow_up", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["conference_id"], ["conference.id"], name=op.f("fk_plan_conference_id_conference")
        ),
        sa.ForeignKeyConstraint(
            ["acceptor_id"], ["invitee.id"], name=op.f("fk_plan_acceptor_id_invitee")
        ),
        sa.PrimaryKeyConstraint("conference_id", name=op.f("pk_plan")),
    )
    op.create_table(
        "follow_up",
        sa.Column("conference_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("agreement_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("invitee_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("answer", sa.String(10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conference.id"],
            name=op.f("fk_follow_up_conference_id_conference"),
        ),
        sa.ForeignKeyConstraint(
            ["invitee_id"], ["invitee.id"], name=op.f("fk_follow_up_invitee_id_invitee")
        ),
        sa.PrimaryKeyConstraint(
            "conference_id", "agreement_id", "invitee_id", name=op.f("pk_follow_up")
        ),
    )
    op.create_table(
        "check_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=False),
        sa.Column("still_used", sa.String(8), nullable=False),
        sa.Column("wellbeing", sa.Integer(), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["conference_id"], ["conference.id"], name=op.f("fk_check_in_conference_id_conference")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in")),
    )
    op.create_index(op.f("ix_check_in_conference_id"), "check_in", ["conference_id"])


def downgrade() -> None:
    op.drop_table("check_in")
    op.drop_table("follow_up")
    op.drop_table("plan")
