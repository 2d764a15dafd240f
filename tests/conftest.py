"""Shared fixtures: a fresh, migrated database per test on SQLite, and on PostgreSQL too when
KRING_TEST_POSTGRES_URL points at a server (each test gets its own database there)."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.engine import make_url

from emulator import BotApiEmulator
from storage.crypto import new_key
from storage.migrate import upgrade
from tests.flows.steps import TOKEN
from tests.postgres import POSTGRES_URL, admin_execute

T = TypeVar("T")

# The suite runs in several processes (pytest-xdist, `-n 3` in the README's command). These take
# a minute or so each: started first, they run beside the rest instead of ending the run alone.
LONGEST = ("test_chaos.py", "test_three_instances.py", "test_reminders_crash.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.path.name not in LONGEST)  # stable: the rest keep order


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


def run_apart(work: Coroutine[object, object, T]) -> T:
    """`work` in an event loop of its own: session fixtures are first asked for from within a
    test's running loop, where asyncio.run() may not be called."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite database migrated to head for the whole run: each test gets a copy of the
    file (migrating ~30 revisions for every test would cost minutes)."""
    path = tmp_path_factory.mktemp("template") / "kring.sqlite3"
    run_apart(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The same on PostgreSQL: a database at head each test's is created from (TEMPLATE)."""
    name = f"kring_template_{uuid.uuid4().hex[:12]}"
    run_apart(admin_execute(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg", database=name)
    run_apart(upgrade(url.render_as_string(hide_password=False)))
    yield name
    run_apart(admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def migrated_url(database_url: str, request: pytest.FixtureRequest) -> str:
    """A fresh database at head: a copy of the run's migrated template (the migrations
    themselves are tested on empty databases: test_storage's stairway, test_startup)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, url.database or "")
        return database_url
    name = request.getfixturevalue("postgres_template")
    await admin_execute(f'DROP DATABASE "{url.database}"')
    await admin_execute(f'CREATE DATABASE "{url.database}" TEMPLATE "{name}"')
    return database_url


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """The Telegram the bot talks to (flows, web): tests/emulator has its own."""
    emulator = BotApiEmulator(timeout=15)
    emulator.add_bot(token=TOKEN, username="kring_test_bot", first_name="kring")
    async with emulator:
        yield emulator
    assert emulator.internal_errors == [], "the emulator met a request it could not handle"
