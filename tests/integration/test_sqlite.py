"""SQLite as storage/db.py sets it up (SQLAlchemy's aiosqlite dialect, tuned in its connect
hook): many writers at once, in one process and in two, all get through."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from storage.db import create_engine


async def test_settings_are_applied_to_every_connection(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'k.sqlite3'}")
    try:
        async with engine.connect() as connection:
            async def pragma(name: str) -> object:
                return (await connection.execute(text(f"PRAGMA {name}"))).scalar()

            assert await pragma("journal_mode") == "wal"
            assert await pragma("synchronous") == 2  # FULL
            assert await pragma("foreign_keys") == 1
            assert await pragma("busy_timeout") == 30000
    finally:
        await engine.dispose()


async def test_concurrent_writers_wait_for_each_other_instead_of_failing(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'k.sqlite3'}"
    # two engines: two processes, as far as SQLite can tell
    engines = [create_engine(url), create_engine(url)]
    try:
        async with engines[0].begin() as connection:
            await connection.execute(text("CREATE TABLE tally (n INTEGER NOT NULL)"))
            await connection.execute(text("INSERT INTO tally VALUES (0)"))

        async def add_one(engine_index: int) -> None:
            async with engines[engine_index].connect() as connection:
                # a read first, then a write in the same session, as an update does
                n = (await connection.execute(text("SELECT n FROM tally"))).scalar_one()
                assert n >= 0
                await asyncio.sleep(0)
                await connection.execute(text("UPDATE tally SET n = n + 1"))
                await asyncio.sleep(0.01)  # hold the write lock while others queue for it
                await connection.commit()

        await asyncio.gather(*(add_one(i % 2) for i in range(40)))
        async with engines[1].connect() as connection:
            assert (await connection.execute(text("SELECT n FROM tally"))).scalar_one() == 40
    finally:
        for engine in engines:
            await engine.dispose()
