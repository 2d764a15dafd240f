"""SQLite as storage/db.py sets it up (SQLAlchemy's aiosqlite dialect, tuned in its connect
hook): many writers at once, in one process and in two, all get through."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork


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


async def test_a_failed_upgrade_leaves_the_schema_as_it_was(tmp_path):
    """Migrations on SQLite run in one transaction (storage/migrations/env.py): when one fails,
    those before it in the same run are undone too, and kring can start again on the old
    schema instead of half a new one."""
    import pytest
    from sqlalchemy.exc import OperationalError

    from storage.migrate import current_revision, upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'k.sqlite3'}"
    await upgrade(url, "0016")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:  # 0019 creates this table: it will fail
            await connection.execute(text("CREATE TABLE staff_invite (id INTEGER)"))
    finally:
        await engine.dispose()
    with pytest.raises(OperationalError, match="staff_invite"):
        await upgrade(url)
    assert await current_revision(url) == "0016"
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            columns = {
                row[1] for row in await connection.execute(text("PRAGMA table_info(invitee)"))
            }
    finally:
        await engine.dispose()
    assert "no_reason_text" not in columns  # 0017 was undone with the rest


async def test_units_of_work_of_one_process_take_turns(tmp_path):
    """On SQLite a process's units of work take turns (storage/db.py): the second begins when
    the first has ended, without sleeping in SQLite's busy handler, and one opened inside
    another is refused at once instead of waiting for itself."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'k.sqlite3'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    events: list[str] = []
    try:

        async def unit(name: str, hold: float) -> None:
            async with SqlUnitOfWork(sessions) as uow:
                events.append(f"{name} in")
                assert await uow.updates.claim(len(events))
                await asyncio.sleep(hold)
                await uow.commit()
                events.append(f"{name} out")

        await asyncio.gather(unit("a", 0.05), unit("b", 0), unit("c", 0))
        assert events == ["a in", "a out", "b in", "b out", "c in", "c out"]

        async with SqlUnitOfWork(sessions):
            with pytest.raises(RuntimeError, match="inside another"):
                async with SqlUnitOfWork(sessions):
                    pass
        async with SqlUnitOfWork(sessions) as uow:  # and the turn was given back
            assert await uow.updates.seen(1)
    finally:
        await engine.dispose()
