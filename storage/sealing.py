"""Bringing stored values under the newest data key, in small batches of their own, while kring
runs: values from before sealing began (the first start after the upgrade does this) and values
under older keys (`kring keys rotate`). Each value is rewritten only if it is still what was
read, so a change the bot makes meanwhile is never undone."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, Text, and_, column, func, literal, select, tuple_, update
from sqlalchemy import table as sql_table
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.crypto import PREFIX, KeyRing, UnknownKey, sealed_key_id
from storage.sealed import Sealed
from storage.tables import Base

BATCH = 200


def sealed_columns() -> list[tuple[str, str]]:
    """(table, column) of every sealed column, in the tables' order."""
    return [
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Sealed)
    ]


@dataclass
class Resealed:
    column: str
    values: int


async def reseal(engine: AsyncEngine, keys: KeyRing, *, legacy_only: bool) -> list[Resealed]:
    """Seal under the newest key every value that is not: with `legacy_only`, only values not
    sealed at all (cheap to look for at every start). UnknownKey if a value is under a key
    the ring does not hold (it is left as it is)."""
    prefix = PREFIX if legacy_only else f"{PREFIX}{keys.newest_id}:"
    done: list[Resealed] = []
    for table_name, column_name in sealed_columns():
        table = Base.metadata.tables[table_name]
        count = await _reseal_column(engine, keys, table, column_name, prefix)
        if count:
            done.append(Resealed(f"{table_name}.{column_name}", count))
    return done


async def _reseal_column(
    engine: AsyncEngine, keys: KeyRing, table: Table, column_name: str, prefix: str
) -> int:
    # the same table with the stored text as it is, past the sealing type
    keys_ = [column(c.name, c.type) for c in table.primary_key.columns]
    raw = column(column_name, Text())
    plain = sql_table(table.name, *keys_, raw)
    name = f"{table.name}.{column_name}"
    stale = and_(raw.is_not(None), raw != "", func.substr(raw, 1, len(prefix)) != prefix)
    count = 0
    after: tuple[object, ...] | None = None
    while True:
        query = select(*keys_, raw).select_from(plain).where(stale).order_by(*keys_).limit(BATCH)
        if after is not None:
            query = query.where(tuple_(*keys_) > tuple_(*(literal(v) for v in after)))
        async with engine.begin() as connection:
            rows = (await connection.execute(query)).all()
            for row in rows:
                *key, stored = row
                # a number from before sealing began, in SQLite's REAL column: as SealedNumber
                # writes numbers (its shortest decimal form)
                text = stored if isinstance(stored, str) else repr(float(stored))
                found = sealed_key_id(text)
                if found is not None and found not in keys.ids:
                    raise UnknownKey(found)
                result = await connection.execute(
                    update(plain)
                    .where(*(k == v for k, v in zip(keys_, key, strict=True)), raw == stored)
                    .values({raw: keys.seal(keys.open(text, name), name)})
                )
                count += int(getattr(result, "rowcount", 0) or 0)
        if len(rows) < BATCH:
            return count
        after = tuple(rows[-1][: len(keys_)])


async def scrub(engine: AsyncEngine) -> None:
    """After sealing values that were plain: on SQLite, rewrite the file without its free pages
    and empty the log, so the plain copies of what was sealed go with them (PostgreSQL keeps
    old row versions until VACUUM FULL; docs/operations.md)."""
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as connection:
        await connection.exec_driver_sql("VACUUM")
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
