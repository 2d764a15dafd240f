"""persons, staff, conference requests, conversations, processed updates, audit

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_name", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(16), nullable=True),
        sa.Column("reachable", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    op.create_table(
        "staff",
        sa.Column("person_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("languages", sa.String(128), nullable=False),
        sa.Column("region", sa.String(100), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_staff")),
    )
    op.create_index(op.f("ix_staff_role"), "staff", ["role"])
    op.create_table(
        "conference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("applicant_id", sa.BigInteger(), nullable=False),
        sa.Column("applicant_locale", sa.String(16), nullable=False),
        sa.Column("applicant_role", sa.String(16), nullable=True),
        sa.Column("subject_name", sa.String(64), nullable=True),
        sa.Column("subject_age", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("concerns", sa.Text(), nullable=True),
        sa.Column("minimum_requirement", sa.Text(), nullable=True),
        sa.Column("model", sa.String(16), nullable=True),
        sa.Column("family_languages", sa.String(400), nullable=False),
        sa.Column("coordinator_preference", sa.Text(), nullable=True),
        sa.Column("region", sa.String(100), nullable=False),
        sa.Column("contact_phone", sa.String(32), nullable=True),
        sa.Column("consent_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["person.id"], name=op.f("fk_conference_applicant_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference")),
        sa.UniqueConstraint("reference", name=op.f("uq_conference_reference")),
    )
    op.create_index(op.f("ix_conference_status"), "conference", ["status"])
    op.create_index(op.f("ix_conference_applicant_id"), "conference", ["applicant_id"])
    op.create_index(op.f("ix_conference_created_at"), "conference", ["created_at"])
    op.create_table(
        "reference_counter",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_reference_counter")),
    )
    op.create_table(
        "conversation",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("state", sa.String(100), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_conversation")),
    )
    op.create_table(
        "processed_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_update")),
    )
    op.create_index(op.f("ix_processed_update_processed_at"), "processed_update", ["processed_at"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conference_id"], ["conference.id"], name=op.f("fk_audit_conference_id_conference")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
    )
    op.create_index(op.f("ix_audit_conference_id"), "audit", ["conference_id"])


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("processed_update")
    op.drop_table("conversation")
    op.drop_table("reference_counter")
    op.drop_table("conference")
    op.drop_table("staff")
    op.drop_table("person")
