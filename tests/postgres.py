"""The PostgreSQL server the tests may use (KRING_TEST_POSTGRES_URL), and statements run on it
outside any test database: creating and dropping the databases the tests get."""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url

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
