"""The real bot, built by the same factory as `kring run`, talking HTTP to the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from bot.app import Kring
from bot.config import LOCALES_DIR, Settings
from bot.i18n import compile_po
from conference.model.ids import PersonId
from conference.model.people import StaffMember, StaffRole
from emulator import BotApiEmulator, Person
from storage.db import create_engine, session_factory
from storage.uow import SqlUnitOfWork

TOKEN = "123456:kring-test-token"


@dataclass
class Running:
    """One `kring run` in this event loop; restart() builds everything anew on the same DB."""

    settings: Settings
    emu: BotApiEmulator
    app: Kring | None = None
    task: asyncio.Task[None] | None = None
    runs: int = field(default=0)

    async def start(self) -> None:
        self.app = await Kring.create(self.settings)
        self.task = asyncio.create_task(self.app.run_polling())
        # kring confirms an update once it is safe in the inbox, before handling it: a test
        # action returns when kring has handled everything it took in
        self.emu.settle_hook = self.app.poller.lanes.drain
        ready = asyncio.create_task(self.app.ready.wait())
        await asyncio.wait({ready, self.task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if self.task.done():
            self.task.result()  # a failed start raises here, with its own error
        assert self.app.ready.is_set(), "kring did not start polling within 10 s"
        self.runs += 1

    async def stop(self) -> None:
        assert self.app is not None and self.task is not None
        self.app.stop()
        await asyncio.wait_for(self.task, 10)
        await self.app.close()

    async def kill(self) -> None:
        """As close to a crash as one process allows: cancel mid-work, no clean shutdown."""
        assert self.app is not None and self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.app.close()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def uow(self) -> SqlUnitOfWork:
        assert self.app is not None
        return SqlUnitOfWork(self.app.sessions)


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(timeout=15)
    emulator.add_bot(token=TOKEN, username="kring_test_bot", first_name="kring")
    async with emulator:
        yield emulator
    assert emulator.internal_errors == [], "the emulator met a request it could not handle"


def running_kring(emu: BotApiEmulator, url: str, **settings: object) -> Running:
    """A kring on this emulator and database, with settings as `kring run` would read them."""
    return Running(
        Settings(
            bot_token=TOKEN,
            api_base=emu.base_url,  # type: ignore[call-arg]
            database_url=url,
            polling_timeout=5,
            _env_file=None,
            **settings,
        ),
        emu,
    )


@asynccontextmanager
async def started(running: Running) -> AsyncIterator[Running]:
    await running.start()
    try:
        yield running
    finally:
        if running.task is not None and not running.task.done():
            await running.stop()


@pytest.fixture
async def kring(emu: BotApiEmulator, migrated_url: str) -> AsyncIterator[Running]:
    async with started(running_kring(emu, migrated_url)) as running:
        yield running


async def add_staff(
    kring: Running, telegram_id: int, name: str, role: StaffRole = StaffRole.MANAGER
) -> None:
    engine = create_engine(kring.settings.database_url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.staff.add(StaffMember(PersonId(telegram_id), role, name, ("nl",), "Utrecht"))
        await uow.commit()
    await engine.dispose()


_catalogs: dict[str, object] = {}


def t(locale: str, msgid: str) -> str:
    """A message as the person reads it in `locale` (labels to press, texts to expect)."""
    if locale not in _catalogs:
        _catalogs[locale] = compile_po(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po")
    return _catalogs[locale].gettext(msgid)  # type: ignore[attr-defined]


async def ready_manager(
    emu: BotApiEmulator, kring: Running, telegram_id: int = 9001, name: str = "Marieke"
) -> Person:
    """A regional manager on staff who has opened the bot once (Telegram requires that)."""
    await add_staff(kring, telegram_id, name)
    manager = emu.user(name, language_code="nl", user_id=telegram_id)
    await manager.send_text("/start")
    return manager


async def fill_in_info_talk(user: Person, region: str = "Zeist") -> None:
    """From /start to the summary of a request for an information talk (Dutch)."""
    await user.send_text("/start")
    await user.press("Ik wil eerst meer weten")
    await user.press("Informatiegesprek aanvragen")
    await user.send_text(region)
    await user.press("Alleen via Telegram")
    await user.press("✅ Ja, ik ga akkoord")


async def press_forged(user: Person, data: str) -> None:
    """A callback with any data the client likes, from the user's last message: what a
    tampered Telegram client can send."""
    message = user.last
    assert message is not None
    stored = user.chat.get(message.message_id)
    stored.data["reply_markup"] = {
        "inline_keyboard": [[{"text": "forged", "callback_data": data}]]
    }
    await user.press("forged", message=message)
