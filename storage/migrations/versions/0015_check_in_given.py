"""check_in_given: who answered the three-month question (not what, not when), so that each
person answers it once; check_in.at keeps only the day from now on

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_in_given",
        sa.Column(
            "invitee_id",
            sa.Integer(),
            sa.ForeignKey("invitee.id"),
            primary_key=True,
            autoincrement=False,
        ),
    )


def downgrade() -> None:
    op.drop_table("check_in_given")
