"""Shared fixtures: a fresh, migrated database per test on SQLite, and on PostgreSQL too when
KRING_TEST_POSTGRES_URL points at a server (each test gets its own database there)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from storage.migrate import upgrade

POSTGRES_URL = os.environ.get("KRING_TEST_POSTGRES_URL", "")


def _backends() -> list[object]:
    reason = "KRING_TEST_POSTGRES_URL is not set"
    return [
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.skipif(not POSTGRES_URL, reason=reason)),
    ]


async def _admin_execute(sql: str) -> None:
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


@pytest.fixture(params=_backends())
async def database_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    """An empty database; the URL is what KRING_DATABASE_URL would say."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'kring.sqlite3'}"
        return
    name = f"kring_test_{uuid.uuid4().hex[:12]}"
    await _admin_execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def migrated_url(database_url: str) -> str:
    await upgrade(database_url)
    return database_url
