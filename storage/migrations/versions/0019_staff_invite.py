"""staff_invite: `kring staff invite` makes a one-time link (only its hash is kept) that turns
whoever opens it into a regional manager or coordinator

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_invite",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("languages", sa.String(128), nullable=False, server_default=""),
        sa.Column("region", sa.String(100), nullable=True),
        sa.Column("gender", sa.String(1), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("staff_invite")
