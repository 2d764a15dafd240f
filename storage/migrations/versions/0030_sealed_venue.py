"""The venue sealed (it may be a family's home): its name and address become TEXT like the
other sealed columns, and its coordinates TEXT too (sealed as their decimal form). SQLite keeps
its columns: it enforces no width, and a REAL column keeps ciphertext, which is no number, as
text. The values are sealed by the first start after this (storage/sealing.py), which has the
key; a migration has none.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

TEXTS = (("venue_name", 100), ("venue_address", 200))
NUMBERS = ("venue_latitude", "venue_longitude")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for column, width in TEXTS:
        op.alter_column("conference", column, type_=sa.Text(), existing_type=sa.String(width))
    for column in NUMBERS:
        op.alter_column(
            "conference",
            column,
            type_=sa.Text(),
            existing_type=sa.Float(),
            postgresql_using=f"{column}::text",
        )


def downgrade() -> None:
    # for a database whose values are plain (the tests' stairway), not one kring has sealed
    if op.get_bind().dialect.name == "sqlite":
        return
    for column in NUMBERS:
        op.alter_column(
            "conference",
            column,
            type_=sa.Float(),
            existing_type=sa.Text(),
            postgresql_using=f"{column}::double precision",
        )
    for column, width in TEXTS:
        op.alter_column("conference", column, type_=sa.String(width), existing_type=sa.Text())
