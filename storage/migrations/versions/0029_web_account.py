"""web_account: relatives without Telegram answer on a web page, as an account kring makes for
them (its id above every Telegram user id), bound to one browser by a cookie whose secret only
hashes here; their e-mail address, if given, is sealed.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_account",
        sa.Column("person_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("invitee_id", sa.Integer(), sa.ForeignKey("invitee.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("browser_hash", sa.String(64), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.UniqueConstraint("invitee_id", name="uq_web_account_invitee_id"),
    )


def downgrade() -> None:
    op.drop_table("web_account")
