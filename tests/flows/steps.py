"""What the flow tests share: the running kring, the steps of a scenario (apply, assign,
invite ...) and pickers that find a message by what it says. Plain functions and classes;
the fixtures (`emu`, `kring`) are in conftest.py."""

from __future__ import annotations

import asyncio
import gettext
import re
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.app import Kring
from bot.config import LOCALES_DIR, Settings
from bot.i18n import compile_po
from conference.model.ids import PersonId
from conference.model.people import Gender, StaffMember, StaffRole
from emulator import BotApiEmulator, Person
from emulator.view import BotMessage
from storage.db import create_engine, session_factory
from storage.uow import SqlUnitOfWork

TOKEN = "123456:kring-test-token"
INVITATION_LINK = re.compile(r"https://t\.me/kring_test_bot\?start=([A-Za-z0-9_-]+)")

# --- the running kring -------------------------------------------------------------------


@dataclass
class Running:
    """One `kring run` in this event loop; restart() builds everything anew on the same DB."""

    settings: Settings
    emu: BotApiEmulator
    app: Kring | None = None
    task: asyncio.Task[None] | None = None
    runs: int = field(default=0)
    serve: bool = False  # `kring serve` (webhook) instead of `kring run`

    async def start(self) -> None:
        self.app = await Kring.create(self.settings)
        self.task = asyncio.create_task(
            self.app.run_webhook() if self.serve else self.app.run_polling()
        )
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


def running_kring(emu: BotApiEmulator, url: str, **settings: Any) -> Running:
    """A kring on this emulator and database, with settings as `kring run` would read them
    (listening, with a public URL, on a free port: tests run side by side)."""
    settings.setdefault("listen", f"127.0.0.1:{free_port()}")
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


WEBHOOK_SECRET = "kring-test-secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serving_kring(emu: BotApiEmulator, url: str, **settings: Any) -> Running:
    """A `kring serve` on this emulator and database, its webhook on a free local port."""
    port = free_port()
    running = running_kring(
        emu,
        url,
        listen=f"127.0.0.1:{port}",
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_secret=WEBHOOK_SECRET,
        **settings,
    )
    running.serve = True
    return running


@asynccontextmanager
async def started(running: Running) -> AsyncIterator[Running]:
    await running.start()
    try:
        yield running
    finally:
        if running.task is not None and not running.task.done():
            await running.stop()


def unreadable_message(person: Person, text: str) -> dict[str, object]:
    """A message from `person` that aiogram cannot read (its date is no date), with `text` in
    it: what an update Telegram sends in a form kring does not know looks like to it."""
    return {
        "message_id": 1,
        "date": "gisteren",
        "chat": person.info.chat_dict(),
        "from": person.info.to_dict(),
        "text": text,
    }


# --- texts and people --------------------------------------------------------------------

_catalogs: dict[str, gettext.GNUTranslations] = {}


def t(locale: str, msgid: str) -> str:
    """A message as the person reads it in `locale` (labels to press, texts to expect)."""
    if locale not in _catalogs:
        _catalogs[locale] = compile_po(LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po")
    return _catalogs[locale].gettext(msgid)


async def add_staff(
    kring: Running, telegram_id: int, name: str, role: StaffRole = StaffRole.MANAGER
) -> None:
    engine = create_engine(kring.settings.database_url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.staff.add(StaffMember(PersonId(telegram_id), role, name, ("nl",), "Utrecht"))
        await uow.commit()
    await engine.dispose()


async def ready_manager(
    emu: BotApiEmulator, kring: Running, telegram_id: int = 9001, name: str = "Marieke"
) -> Person:
    """A regional manager on staff who has opened the bot once (Telegram requires that)."""
    await add_staff(kring, telegram_id, name)
    manager = emu.user(name, language_code="nl", user_id=telegram_id)
    await manager.send_text("/start")
    return manager


async def add_coordinators(kring: Running) -> None:
    """Ayse Demir (7001: Dutch and Turkish, Utrecht) and Kees (7002: Dutch, Amersfoort)."""
    engine = create_engine(kring.settings.database_url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.staff.add(
            StaffMember(
                PersonId(7001),
                StaffRole.COORDINATOR,
                "Ayse Demir",
                ("nl", "tr"),
                "Utrecht",
                gender=Gender.FEMALE,
            )
        )
        await uow.staff.add(
            StaffMember(
                PersonId(7002),
                StaffRole.COORDINATOR,
                "Kees",
                ("nl",),
                "Amersfoort",
                gender=Gender.MALE,
            )
        )
        await uow.commit()
    await engine.dispose()


async def press_forged(user: Person, data: str) -> None:
    """A callback with any data the client likes, from the user's last message: what a
    tampered Telegram client can send."""
    message = user.last
    assert message is not None
    stored = user.chat.get(message.message_id)
    assert stored is not None
    stored.data["reply_markup"] = {
        "inline_keyboard": [[{"text": "forged", "callback_data": data}]]
    }
    await user.press("forged", message=message)


# --- a request: the intake ---------------------------------------------------------------

QUESTION_NL = "Waar kan Johan (8) veilig opgroeien en wat is daarvoor nodig?"
QUESTION_EN = "Where can Johan (8) grow up safely, and what is needed for that?"
MINIMUMEIS = "Johan gaat niet terug naar het huis van de vriend van moeder."


async def fill_in_info_talk(user: Person, region: str = "Zeist") -> None:
    """From /start to the summary of a request for an information talk (Dutch)."""
    await user.send_text("/start")
    await user.press("Ik wil eerst meer weten")
    await user.press("Informatiegesprek aanvragen")
    await user.send_text(region)
    await user.press("Alleen via Telegram")
    await user.press("✅ Ja, ik ga akkoord")


async def walk_intake(
    user: Person, locale: str, question: str, role: str = "Familie of vriend(in)"
) -> None:
    """Every step of the intake, by pressing what the person sees and typing answers."""
    await user.send_text("/start")
    await user.press(t(locale, "Een conferentie aanvragen"))
    assert t(locale, "Wie doet de aanvraag?") in last_text(user)
    await user.press(t(locale, role))
    await user.send_text("Johan")
    assert "Johan" in last_text(user)  # "How old is Johan?"
    await user.send_text("8")
    await user.send_text(question)
    await user.send_text("Moeder is psychiatrisch patiënt; vader blowt te veel; geldzorgen.")
    await user.press(t(locale, "👪 Familie of persoon"))
    await user.press("Nederlands" if locale == "nl" else "Dutch")
    await user.press("Turks" if locale == "nl" else "Turkish")
    assert user.last is not None and user.last.buttons[0][0].startswith("✓ ")  # toggled at once
    await user.press(t(locale, "Klaar ✓"))
    await user.press(t(locale, "Geen voorkeur"))
    await user.send_text("Utrecht")
    assert user.reply_keyboard is not None
    await user.press(t(locale, "📱 Deel mijn telefoonnummer"))
    await user.press(t(locale, "✅ Ja, ik ga akkoord"))


async def walk_professional_intake(guardian: Person) -> None:
    """A family guardian applies, with a minimum requirement, up to the summary (Dutch)."""
    await guardian.send_text("/apply")
    await guardian.press("Professional")
    for answer in ("Johan", "8", QUESTION_NL):
        await guardian.send_text(answer)
    await guardian.press("Overslaan")  # no concerns typed
    assert "minimumeis" in last_text(guardian)
    await guardian.send_text(MINIMUMEIS)
    await guardian.press("👪 Familie of persoon")
    await guardian.send_text("Tigrinya")  # a typed language is added to the list
    await guardian.press("Klaar ✓")
    await guardian.send_text("Een vrouw die Tigrinya spreekt")
    await guardian.send_text("Amersfoort")
    await guardian.press("Alleen via Telegram")
    await guardian.press("✅ Ja, ik ga akkoord")


# --- assignment and the circle -----------------------------------------------------------


async def request_on_the_managers_screen(
    emu: BotApiEmulator, kring: Running, coordinator_id: int, name: str
) -> tuple[Person, Person, Person]:
    """Edith asked for an information talk; the manager has it open; the coordinator has
    opened the bot. Returns (manager, coordinator, edith)."""
    manager = await ready_manager(emu, kring)
    await add_coordinators(kring)
    coordinator = emu.user(name, language_code="nl", user_id=coordinator_id)
    await coordinator.send_text("/start")
    edith = emu.user("Edith", language_code="nl")
    await fill_in_info_talk(edith)
    await edith.press("✅ Versturen")
    await manager.send_text("/requests")
    await manager.press("EK-", contains=True)
    return manager, coordinator, edith


async def assigned_conference(emu: BotApiEmulator, kring: Running) -> Person:
    """Edith's request, assigned to Ayse Demir (7001): returns Ayse's phone."""
    manager, ayse, _ = await request_on_the_managers_screen(emu, kring, 7001, "Ayse")
    await manager.press("Toewijzen aan Ayse Demir")
    return ayse


async def with_two_dates(emu: BotApiEmulator, kring: Running) -> Person:
    """An assigned conference whose coordinator proposed two dates a month from now (10:00
    and 14:00 on one day): returns Ayse's phone."""
    ayse = await assigned_conference(emu, kring)
    assert kring.app is not None
    soon = kring.app.clock.now() + timedelta(days=30)
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📅 Datum en plaats")
    await ayse.press("➕ Datums voorstellen")
    await ayse.send_text(f"{soon.day}-{soon.month} 10:00\n{soon.day}-{soon.month} 14:00")
    return ayse


async def invite(
    ayse: Person, name: str, relation: str, group: str, language: str, must: bool
) -> str:
    """The coordinator adds a person to the circle in chat: returns the link's token."""
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("➕ Persoon toevoegen")
    await ayse.send_text(name)
    await ayse.send_text(relation)
    await ayse.press(group)
    await ayse.press(language, contains=True)  # "Engels · English"
    mark = ayse.version
    await ayse.press("Ja, zeker erbij" if must else "Nee")
    return invitation_token(messages_since(ayse, mark))


async def invite_wim(ayse: Person) -> str:
    """Ayse invites Wim (son, family, English, must attend), checking each screen on the way;
    returns the link's token."""
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Nog niemand" in last_text(ayse)
    await ayse.press("➕ Persoon toevoegen")
    await ayse.send_text("Wim")
    await ayse.send_text("zoon")
    await ayse.press("familie")
    # named in Ayse's language, the own name beside it; hers first, then English, then A-Z
    assert ayse.last is not None and [row[0] for row in ayse.last.buttons] == [
        "Nederlands",
        "Engels · English",
        "Arabisch · العربية",
        "Oekraïens · Українська",
        "Perzisch · فارسی",
        "Pools · Polski",
        "Tigrinya · ትግርኛ",
        "Turks · Türkçe",
    ]
    await ayse.press("Engels · English")
    mark = ayse.version
    await ayse.press("Ja, zeker erbij")
    handed_out = messages_since(ayse, mark)
    assert any_message_containing(handed_out, "Wim staat in de kring ✓")
    token = invitation_token(handed_out)
    forward = last_message_containing(handed_out, "Om door te sturen")
    assert "Hello Wim!" in (forward.text or "")  # the text to forward is in Wim's language
    qr = last_message_containing(handed_out, "QR-code")  # for a paper letter
    assert qr.kind == "photo" and (qr.photo or b"").startswith(b"\x89PNG")
    return token


def invitation_token(messages: Sequence[BotMessage]) -> str:
    """The token in the newest personal link the coordinator was handed to copy."""
    handed_out = last_message_containing(messages, "De persoonlijke link")
    link = INVITATION_LINK.search(handed_out.text or "")
    assert link is not None, handed_out
    return link.group(1)


# --- pickers: a message by what it says, not by where it stands ---------------------------


def messages_since(person: Person, version: int) -> list[BotMessage]:
    """The bot messages `person` got, or saw change in place, since their chat was at
    `version` (take `person.version` before the action)."""
    return [message for message in person.messages if message.version > version]


async def replies_to_text(person: Person, text: str) -> list[BotMessage]:
    """`person` types `text`: the bot messages that came, or changed in place, in reply."""
    mark = person.version
    await person.send_text(text)
    return messages_since(person, mark)


def last_message_containing(messages: Sequence[BotMessage], text: str) -> BotMessage:
    """The newest of `messages` whose text (or caption) holds `text`; the test fails if
    none does."""
    for message in reversed(messages):
        if text in (message.text or ""):
            return message
    raise AssertionError(f"no message holds {text!r}; texts: {[m.text for m in messages]}")


def any_message_containing(messages: Sequence[BotMessage], text: str) -> bool:
    return any(text in (message.text or "") for message in messages)


def last_text(person: Person) -> str:
    """The text of the newest message `person` got (their screen after the last action)."""
    assert person.last is not None, f"{person} got no message"
    return person.last.text or ""
