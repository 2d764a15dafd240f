"""Shared fixtures: a fresh, migrated database per test on SQLite, and on PostgreSQL too when
KRING_TEST_POSTGRES_URL points at a server (each test gets its own database there)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.engine import make_url

from emulator import BotApiEmulator
from storage.crypto import new_key
from storage.migrate import upgrade
from tests.flows.steps import TOKEN
from tests.postgres import POSTGRES_URL, admin_execute


def _backends() -> list[object]:
    reason = "KRING_TEST_POSTGRES_URL is not set"
    return [
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.skipif(not POSTGRES_URL, reason=reason)),
    ]


@pytest.fixture(params=_backends())
async def database_url(
    request: pytest.FixtureRequest, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """An empty database; the URL is what KRING_DATABASE_URL would say. SQLite keeps its data
    key in the file beside the database (made at first use, as on a single host); PostgreSQL
    has none, so it gets one in KRING_DATA_KEY, as an operator sets it."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'kring.sqlite3'}"
        return
    monkeypatch.setenv("KRING_DATA_KEY", new_key())
    name = f"kring_test_{uuid.uuid4().hex[:12]}"
    await admin_execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        await admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def migrated_url(database_url: str) -> str:
    await upgrade(database_url)
    return database_url


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """The Telegram the bot talks to (flows, web): tests/emulator has its own."""
    emulator = BotApiEmulator(timeout=15)
    emulator.add_bot(token=TOKEN, username="kring_test_bot", first_name="kring")
    async with emulator:
        yield emulator
    assert emulator.internal_errors == [], "the emulator met a request it could not handle"
