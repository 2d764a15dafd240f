"""What is left of a person in the database: every value of every table (kring's own metadata,
so a new table is searched too), read raw and through the ORM, and every outbox text decoded."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import column as raw_column
from sqlalchemy import select
from sqlalchemy import table as raw_table

from storage.db import create_engine
from storage.repositories.outbox_payloads import FORGOTTEN, decode_parts
from storage.tables import Base, OutboxPayloadRow


def holds(text: str, needle: str) -> bool:
    """Whether `text` holds `needle`; a number only as a whole number, so that the id 7001 is
    not found in the timestamp 13:19:09.870014."""
    if needle.isdigit():
        return re.search(rf"(?<!\d){needle}(?!\d)", text) is not None
    return needle in text


async def traces(url: str, needles: Iterable[str]) -> list[str]:
    """`table.column: needle` for every value that holds one of `needles`."""
    needles = [n for n in needles if n]
    found: list[str] = []
    engine = create_engine(url)  # the data keys as kring finds them
    try:
        async with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                # as stored (sealed columns sealed): untyped columns of the same names
                raw = raw_table(table.name, *(raw_column(c.name) for c in table.columns))
                for row in (await connection.execute(select(raw))).mappings():
                    for column, value in row.items():
                        text = "" if value is None else str(value)
                        found += [f"{table.name}.{column}: {n}" for n in needles if holds(text, n)]
            for mapper in Base.registry.mappers:  # decrypted, where a column is encrypted
                model = mapper.class_
                for obj in (await connection.execute(select(model))).all():
                    for value in obj:
                        text = "" if value is None else str(value)
                        found += [f"{model.__name__}: {n}" for n in needles if holds(text, n)]
            bodies = await connection.scalars(select(OutboxPayloadRow.body))
            for body in bodies:
                if body == FORGOTTEN:
                    continue
                for part in decode_parts(body):
                    text = repr(part)
                    found += [f"outbox text: {n}" for n in needles if holds(text, n)]
    finally:
        await engine.dispose()
    return sorted(set(found))
