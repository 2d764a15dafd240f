"""invitee.no_reason_text: why someone can't come, in their own words (for the coordinator);
invitee.interpreter holds a typed language name too, not only a code

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitee") as batch:
        batch.add_column(sa.Column("no_reason_text", sa.String(200), nullable=True))
        batch.alter_column(
            "interpreter", type_=sa.String(64), existing_type=sa.String(8), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("invitee") as batch:
        batch.alter_column(
            "interpreter", type_=sa.String(8), existing_type=sa.String(64), existing_nullable=True
        )
        batch.drop_column("no_reason_text")
