"""The PostgreSQL server the tests may use (KRING_TEST_POSTGRES_URL), and statements run on it
outside any test database: creating and dropping the databases the tests get, cutting a
connection kring waits on."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

POSTGRES_URL = os.environ.get("KRING_TEST_POSTGRES_URL", "")


async def admin_execute(sql: str) -> None:
    import asyncpg

    url = make_url(POSTGRES_URL)
    connection = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


WAITING_ON_A_LOCK = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
)


async def cut_the_waiting_connection(admin: AsyncConnection) -> None:
    """As if the network dropped: the connection of the transaction waiting on our lock."""
    for _ in range(200):
        pids = list(await admin.scalars(WAITING_ON_A_LOCK))
        if pids:
            # and wait until it is gone: a backend being terminated still shows as waiting for
            # a moment, and the next cut would take it for kring's next try
            await admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pids[0]})
            return
        await asyncio.sleep(0.02)
    raise AssertionError("kring never waited on the lock")
