"""An empty database for one benchmark run. SQLite: a file in the run's directory. PostgreSQL:
`--database-url` names a server (and a database to connect to for the admin statements); the
run gets a database of its own there, dropped at the end, so an earlier run's update ids or
rows cannot change what is measured. Unless KRING_DATA_KEY is set, the run's database gets a
data key of its own (KRING_DATA_KEY for this process and the kring processes it starts), as
kring needs one with PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.crypto import new_key


@contextlib.asynccontextmanager
async def fresh_database(server_url: str | None, workdir: Path) -> AsyncIterator[str]:
    if server_url is None or make_url(server_url).get_backend_name() == "sqlite":
        yield server_url or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
        return
    os.environ.setdefault("KRING_DATA_KEY", new_key())
    name = f"kring_bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
