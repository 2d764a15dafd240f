"""`kring playground`: kring to try without a token or a Telegram account. The emulator
(emulator/, on loopback) stands in for Telegram, the real bot polls it as `kring run` polls
Telegram, and a local page shows several phones side by side (emulator/client.py): an
applicant, the regional manager, the coordinator and relatives, each in their own language."""

from __future__ import annotations

import asyncio
import logging
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.app import Kring
from bot.config import Settings
from bot.playground.example import Example
from conference.model.ids import PersonId
from conference.model.people import Gender, StaffMember, StaffRole
from conference.requests import add_staff
from emulator import BotApiEmulator, Person
from emulator.client import ChatClient
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

TOKEN = "123456:kring-playground"  # the emulator's; never Telegram's
BOT_USERNAME = "kring_playground_bot"
DEFAULT_PORT = 8765


@dataclass(frozen=True)
class Phone:
    key: str
    title: str
    name: str
    language: str
    user_id: int
    note: str = ""
    role: StaffRole | None = None
    staff_name: str = ""


# Fixed ids: with --database the same people come back on the next start.
PHONES = (
    Phone("applicant", "Applicant", "Edith", "nl", 100_000_101, "aunt of Johan (8)"),
    Phone("manager", "Regional manager", "Marieke", "nl", 9001, "", StaffRole.MANAGER, "Marieke"),
    Phone(
        "coordinator",
        "Coordinator",
        "Ayse",
        "nl",
        7001,
        "speaks Dutch and Turkish",
        StaffRole.COORDINATOR,
        "Ayse Demir",
    ),
    Phone("mother", "Relative", "Sandra", "ar", 100_000_102, "Johan's mother"),
    Phone("father", "Relative", "Frank", "tr", 100_000_103, "Johan's father"),
    Phone("brother", "Relative", "Wim", "pl", 100_000_104, "Johan's brother (18)"),
    Phone("uncle", "Relative", "Herman", "en", 100_000_105, "Johan's uncle"),
)


def playground_settings(emulator_url: str, database: str | None, folder: Path) -> Settings:
    """As `kring run` reads them, but against the emulator: a fake token, no proxy, and a
    throwaway SQLite database in `folder` unless --database or KRING_DATABASE_URL names one
    (a .env file is not read: it may point at a real bot's database)."""
    overrides: dict[str, object] = {
        "bot_token": TOKEN,
        "api_base": emulator_url,
        "proxy": None,
        "polling_timeout": 10,
        "webhook_url": None,
    }
    if database:
        overrides["database_url"] = database
    settings = Settings(_env_file=None, **overrides)  # type: ignore[arg-type,call-arg]
    if "database_url" not in settings.model_fields_set:
        url = f"sqlite+aiosqlite:///{folder / 'kring.sqlite3'}"
        settings = settings.model_copy(update={"database_url": url})
    return settings


async def make_staff(app: Kring) -> None:
    """The manager's and the coordinator's phones are staff, as `kring staff add` makes them."""
    async with SqlUnitOfWork(app.sessions) as uow:
        for phone in PHONES:
            if phone.role is None:
                continue
            await add_staff(
                uow,
                StaffMember(
                    PersonId(phone.user_id),
                    phone.role,
                    phone.staff_name,
                    ("nl", "tr") if phone.role == StaffRole.COORDINATOR else ("nl",),
                    "Utrecht",
                    gender=Gender.FEMALE,
                ),
            )
        await uow.commit()


class Playground:
    """The emulator, kring polling it, the staff, and the page; `run()` until stopped."""

    def __init__(self, port: int = DEFAULT_PORT, database: str | None = None) -> None:
        self.port = port
        self.database = database
        self.emu = BotApiEmulator(timeout=30)
        self.emu.add_bot(token=TOKEN, username=BOT_USERNAME, first_name="kring")
        self.client = ChatClient(self.emu, "kring playground")
        self.people: dict[str, Person] = {}
        self.app: Kring | None = None
        self.url = ""
        self.ready = asyncio.Event()  # set once the page is served (tests wait)
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        with tempfile.TemporaryDirectory(prefix="kring-playground-") as folder:
            await self.emu.start()
            try:
                settings = playground_settings(self.emu.base_url, self.database, Path(folder))
                self.app = await Kring.create(settings)
                try:
                    await self._run(self.app)
                finally:
                    await self.app.close()
            finally:
                await self.emu.stop()

    async def _run(self, app: Kring) -> None:
        await make_staff(app)
        polling = asyncio.create_task(app.run_polling(), name="kring-polling")
        # kring confirms an update once it is in its inbox: the example's steps wait until
        # kring has handled it (as the flow tests do)
        self.emu.settle_hook = app.poller.lanes.drain
        started = asyncio.create_task(app.ready.wait())
        await asyncio.wait({started, polling}, return_when=asyncio.FIRST_COMPLETED)
        if polling.done():
            started.cancel()
            polling.result()  # a failed start raises here
            return
        try:
            for phone in PHONES:
                person = self.emu.user(
                    phone.name, language_code=phone.language, user_id=phone.user_id
                )
                self.people[phone.key] = person
                self.client.add_pane(person, phone.title, note=phone.note, key=phone.key)
                if phone.role is not None:
                    await person.send_text("/start")  # staff open the bot once
            example = Example(app, self.people, BOT_USERNAME)
            self.client.add_action("example", "Load the example", example.load)
            port = await self.client.start("127.0.0.1", self.port)
            self.url = f"http://127.0.0.1:{port}/"
            log.info("kring playground: open %s", self.url)
            self.ready.set()
            stopping = asyncio.create_task(self._stopping.wait())
            await asyncio.wait({stopping, polling}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
        finally:
            await self.client.stop()
            app.stop()
            await asyncio.gather(polling, return_exceptions=True)


# what `kring run` logs at INFO that says nothing to someone trying kring out
CHATTY_LOGGERS = ("alembic", "apscheduler", "aiogram.event")


async def run_playground(port: int, database: str | None) -> int:
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    playground = Playground(port, database)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, playground.stop)
    await playground.run()
    return 0
