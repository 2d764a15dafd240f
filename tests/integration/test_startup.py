"""What `kring run` does at start, and what it leaves for later."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import Kring
from bot.cli import main
from bot.config import Settings
from storage.migrate import current_revision, declared_head, upgrade

# Libraries only some updates need: loaded when the first one does, not at start.
LOADED_LATER = ("alembic", "PIL", "icalendar", "segno")

BUILD = """
import asyncio, sys
from bot.app import Kring
from bot.config import load_settings

async def build():
    app = await Kring.create(load_settings())
    await app.close()

asyncio.run(build())
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def build_kring(database: Path) -> set[str]:
    """Kring built as `kring run` builds it, in a fresh process: the top-level modules loaded."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KRING_")}
    result = subprocess.run(
        [sys.executable, "-c", BUILD],
        env={
            **clean,
            "KRING_BOT_TOKEN": "123456:kring-test-token",
            "KRING_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        },
        cwd=database.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


async def test_a_database_at_head_starts_without_alembic_or_rendering_libraries(tmp_path):
    database = tmp_path / "kring.sqlite3"
    await upgrade(f"sqlite+aiosqlite:///{database}")
    loaded = build_kring(database)
    assert "aiogram" in loaded and "sqlalchemy" in loaded  # it did build the bot
    assert not loaded & set(LOADED_LATER)


async def test_a_database_behind_head_is_migrated_at_start(tmp_path):
    database = tmp_path / "kring.sqlite3"
    url = f"sqlite+aiosqlite:///{database}"
    await upgrade(url, "0002")
    loaded = build_kring(database)
    assert "alembic" in loaded
    assert await current_revision(url) == declared_head()


@pytest.fixture
def collector_off():
    gc.disable()  # as bot/__main__.py leaves it
    try:
        yield
    finally:
        gc.enable()


def test_commands_other_than_run_turn_the_garbage_collector_on(
    tmp_path, monkeypatch, collector_off
):
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("KRING_")]:
        monkeypatch.delenv(name)
    assert main(["db", "upgrade"]) == 0
    assert gc.isenabled()


async def test_a_database_away_at_start_is_waited_for(tmp_path, caplog):
    """A database that cannot be reached at the start (here: its folder is not there yet, as
    when a volume is mounted late) is tried again until it answers, with a line in the log
    each try, not a traceback and an exit."""
    folder = tmp_path / "volume"
    settings = Settings(
        bot_token="123456:kring-test-token",
        database_url=f"sqlite+aiosqlite:///{folder / 'kring.sqlite3'}",
        _env_file=None,  # type: ignore[call-arg]
    )
    creating = asyncio.create_task(Kring.create(settings))
    await asyncio.sleep(1.2)
    assert not creating.done()
    folder.mkdir()
    app = await asyncio.wait_for(creating, 20)
    await app.close()
    assert await current_revision(settings.database_url) == declared_head()
    tries = [r for r in caplog.records if "cannot be reached" in r.getMessage()]
    assert tries and all(r.exc_info is None for r in tries)
    assert not any(str(tmp_path) in r.getMessage() for r in caplog.records)
