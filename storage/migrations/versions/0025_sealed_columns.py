"""Sealed columns (encryption at rest): the typed texts that were VARCHAR(n) become TEXT, since
their ciphertext is longer than the text (PostgreSQL enforces the width). The values themselves
are sealed by the first start after this (storage/sealing.py), which has the key; a migration
has none.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# table -> (column, width before)
WIDENED = {
    "conference": (("contact_phone", 32),),
    "invitee": (("no_reason_text", 200), ("diet", 16), ("allergens", 200), ("interpreter", 64)),
    "suggestion": (("reach", 200),),
    "proposal": (("place", 200),),
}


def upgrade() -> None:
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, width in columns:
                batch.alter_column(column, type_=sa.Text(), existing_type=sa.String(width))


def downgrade() -> None:
    # sealed values are longer than the old widths: open them first (KRING_DATA_KEY unset
    # is not enough, the values stay sealed); a downgrade of a database in use is not offered
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for column, width in columns:
                batch.alter_column(column, type_=sa.String(width), existing_type=sa.Text())
