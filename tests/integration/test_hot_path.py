"""What the hot path relies on (docs/decisions.md, decisions 5 and 6): SQLite that waits for
another process's lock without blocking the loop, and units of work that are each
all-or-nothing."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime

import pytest

from conference.model.ids import PersonId
from conference.requests import identify
from storage.db import create_engine, session_factory
from storage.tables import ProcessedUpdateRow
from storage.uow import SqlUnitOfWork


async def test_units_of_work_that_commit_together_are_each_all_or_nothing(migrated_url):
    engine = create_engine(migrated_url)
    sessions = session_factory(engine)
    try:
        async with SqlUnitOfWork(sessions) as uow:
            assert await uow.updates.claim(1)
            for person in (1, 2, 3):
                await uow.conversations.get(f"c{person}")
            await uow.commit()

        async def step(update_id: int, person: int) -> None:
            async with SqlUnitOfWork(sessions) as uow:
                await uow.conversations.set_state(f"c{person}", f"state{update_id}")
                # written at the commit, with the state: a duplicate fails there, whole
                uow.session.add(
                    ProcessedUpdateRow(update_id=update_id, processed_at=datetime.now(UTC))
                )
                await uow.commit()

        # 1 was recorded before: that one fails (primary key), the others not
        results = await asyncio.gather(
            *(step(u, p) for u, p in ((2, 2), (1, 1), (3, 3))), return_exceptions=True
        )
        assert [isinstance(r, Exception) for r in results] == [False, True, False]
        fresh = create_engine(migrated_url)  # another process, as far as we know
        try:
            async with SqlUnitOfWork(session_factory(fresh)) as uow:
                assert await uow.conversations.get("c2") == ("state2", {})
                assert await uow.conversations.get("c3") == ("state3", {})
                assert await uow.conversations.get("c1") == (None, {})
                assert await uow.updates.seen(2) and await uow.updates.seen(3)
        finally:
            await fresh.dispose()
    finally:
        await engine.dispose()


async def test_a_lock_held_by_another_process_is_waited_for_without_blocking_the_loop(
    migrated_url,
):
    if not migrated_url.startswith("sqlite"):
        pytest.skip("SQLite's own lock")
    path = migrated_url.split("///", 1)[1]
    other = sqlite3.connect(path, isolation_level=None)  # another process, as far as we know
    other.execute("BEGIN IMMEDIATE")
    engine = create_engine(migrated_url)
    try:

        async def write() -> None:
            async with SqlUnitOfWork(session_factory(engine)) as uow:
                await identify(uow, PersonId(7), "Edith", "nl", ("nl",), "nl")
                await uow.commit()

        writing = asyncio.create_task(write())
        ticks = 0
        began = time.monotonic()
        while time.monotonic() - began < 0.3:  # the loop keeps running meanwhile
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks > 10 and not writing.done()
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 5)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            person = await uow.persons.get(PersonId(7))
            assert person is not None and person.first_name == "Edith"
    finally:
        other.close()
        await engine.dispose()
