"""Sealed columns (encryption at rest): the typed texts that were VARCHAR(n) become TEXT, since
their ciphertext is longer than the text (PostgreSQL enforces the width). SQLite enforces no
width and gives VARCHAR(n) and TEXT the same (text) affinity, so there nothing changes: a batch
rebuild of `conference` would have to drop a table other tables refer to, which SQLite refuses
with foreign keys on. The values themselves are sealed by the first start after this
(storage/sealing.py), which has the key; a migration has none.

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
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in WIDENED.items():
        for column, width in columns:
            op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(width))


def downgrade() -> None:
    # PostgreSQL refuses sealed values longer than the old widths: going back is for a database
    # whose values are plain (the tests' stairway), not one kring has sealed
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in WIDENED.items():
        for column, width in columns:
            op.alter_column(table, column, type_=sa.String(width), existing_type=sa.Text())
