"""The database as a leaked copy would show it: the stored values of the sealed columns, past
kring's column types, and the bytes of a SQLite database's files."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.sealing import sealed_columns


async def raw_values(url: str) -> dict[str, list[str]]:
    """Every non-empty value of every sealed column, as the database holds it."""
    plain = create_async_engine(url)
    try:
        async with plain.connect() as connection:
            return {
                f"{table}.{column}": [
                    value
                    for (value,) in await connection.execute(
                        text(f'SELECT "{column}" FROM "{table}"')
                    )
                    if value
                ]
                for table, column in sealed_columns()
            }
    finally:
        await plain.dispose()


def sqlite_bytes(url: str) -> bytes:
    """A SQLite database's file and its log, as a copy of them would hold it (b"" otherwise)."""
    if make_url(url).get_backend_name() != "sqlite":
        return b""
    database = Path(make_url(url).database or "")
    files = [database, database.with_name(database.name + "-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists())
