"""DOMAIN.md's worked example, played through the real bot on the playground's phones: Edith
asks for a conference for Johan (8) in the intake chat, the manager assigns Ayse, Ayse
invites Johan's mother, father, brother Wim and uncle Herman, each opens their own link and
(but the mother) answers, Ayse proposes three dates, they vote, and Ayse looks at who can
when. The phones keep that history; the mother's answer and fixing the date are left to
whoever tries the playground."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import Kring
from emulator import BotMessage, Person

QUESTION = "Waar kan Johan (8) veilig opgroeien en wat is daarvoor nodig?"
CONCERNS = (
    "Moeder is psychiatrisch patiënt; vader blowt te veel; geldzorgen; ondertoezichtstelling. "
    "Wim (18) woont bij tante Edith."
)
REFERENCE = re.compile(r"EK-\d{4}-\d{4}")


@dataclass(frozen=True)
class Relative:
    phone: str  # the playground's key for their phone
    name: str
    relation: str  # as the coordinator types it (Dutch)
    language: str  # on the coordinator's language button, in its own script
    must_attend: bool
    answer: str | None  # the Dutch msgid of the button they press, None: left open
    votes: tuple[int, ...] = ()  # taps on each proposed date (1 yes, 2 if need be, 3 no)


RELATIVES = (
    Relative("mother", "Sandra", "moeder", "العربية", True, None),
    Relative("father", "Frank", "vader", "Türkçe", True, "✅ Ja, ik kom", (3, 1, 1)),
    Relative("brother", "Wim", "broer", "Polski", False, "🤔 Misschien", (1, 2, 3)),
    Relative("uncle", "Herman", "oom", "English", False, "✅ Ja, ik kom", (1, 1, 2)),
)
DATES_AHEAD = (20, 27, 34)  # days from today: the dates Ayse proposes


def proposed_dates(zone: ZoneInfo) -> str:
    """Three dates a few weeks ahead, as a Dutch coordinator types them (3-7 10:00)."""
    today = datetime.now(zone)
    moments = [today + timedelta(days=days) for days in DATES_AHEAD]
    return "\n".join(
        f"{m.day}-{m.month} {10 if i % 2 == 0 else 14}:00" for i, m in enumerate(moments)
    )


class Example:
    """The "Load the example" button: plays the story once; a second press says so."""

    def __init__(self, app: Kring, people: dict[str, Person], bot_username: str) -> None:
        self.app = app
        self.people = people
        self.link = re.compile(rf"https://t\.me/{re.escape(bot_username)}\?start=([A-Za-z0-9_-]+)")
        self.reference: str | None = None
        self._lock = asyncio.Lock()

    async def load(self) -> str:
        async with self._lock:
            if self.reference is not None:
                return f"The example is loaded already: {self.reference}."
            self.reference = await self._play()
        return (
            f"Loaded: {self.reference}. Sandra (the mother) has not answered her invitation "
            "yet: answer it on her phone. Ayse can fix a date (📌) and send a map pin (📍)."
        )

    async def _play(self) -> str:
        edith, manager = self.people["applicant"], self.people["manager"]
        await self._apply(edith)
        notice = await manager.wait_for(lambda m: bool(REFERENCE.search(m.text or "")))
        found = REFERENCE.search(notice.text or "")
        assert found is not None
        reference = found.group(0)
        await manager.send_text("/requests")
        await manager.press(reference, contains=True)
        await manager.press("Toewijzen aan Ayse Demir")
        ayse = self.people["coordinator"]
        await ayse.wait_for(reference)
        for relative in RELATIVES:
            token = await self._invite(ayse, reference, relative)
            person = self.people[relative.phone]
            await person.send_text(f"/start {token}")
            if relative.answer is not None:
                await person.press(self._in(person, relative.answer))
        await self._dates(ayse, reference)
        return reference

    async def _dates(self, ayse: Person, reference: str) -> None:
        """Ayse proposes three dates, those who answered vote, and Ayse looks at who can
        when (the bot's picture); fixing the date is left to whoever tries it."""
        await ayse.send_text("/conferences")
        await ayse.press(reference, contains=True)
        await ayse.press("📅 Datum en plaats")
        await ayse.press("➕ Datums voorstellen")
        await ayse.send_text(proposed_dates(self.app.settings.zone))
        for relative in RELATIVES:
            if relative.votes:
                await self._vote(self.people[relative.phone], relative.votes)
        await ayse.press("📅 Datum en plaats")

    @staticmethod
    async def _vote(person: Person, taps: tuple[int, ...]) -> None:
        """Each date's button tapped `taps[i]` times on the ballot (it cycles yes, if need
        be, no): by place, so in any language."""
        ballot = await person.wait_for(lambda m: any("❔" in b for row in m.buttons for b in row))
        for row, count in enumerate(taps):
            for _ in range(count):
                await person.press_at(ballot.message_id, row, 0)

    def _in(self, person: Person, msgid: str) -> str:
        """A label as `person` reads it on their phone."""
        return self.app.i18n.gettext(msgid, locale=person.language_code or "nl")

    async def _apply(self, edith: Person) -> None:
        """Edith, Johan's aunt, goes through the intake in Dutch and sends it."""
        await edith.send_text("/start")
        await edith.press("Een conferentie aanvragen")
        await edith.press("Familie of vriend(in)")
        await edith.send_text("Johan")
        await edith.send_text("8")
        await edith.send_text(QUESTION)
        await edith.send_text(CONCERNS)
        await edith.press("👪 Familie of persoon")
        await edith.press("Nederlands")
        await edith.press("Turks")
        await edith.press("Klaar ✓")
        await edith.press("Geen voorkeur")
        await edith.send_text("Utrecht")
        await edith.press("📱 Deel mijn telefoonnummer")
        await edith.press("✅ Ja, ik ga akkoord")
        await edith.press("✅ Versturen")

    async def _invite(self, ayse: Person, reference: str, relative: Relative) -> str:
        """Ayse adds a relative to the circle: returns their personal link's token."""
        await ayse.send_text("/conferences")
        await ayse.press(reference, contains=True)
        await ayse.press("➕ Persoon toevoegen")
        await ayse.send_text(relative.name)
        await ayse.send_text(relative.relation)
        await ayse.press("familie")
        await ayse.press(relative.language, contains=True)
        mark = ayse.version
        await ayse.press("Ja, zeker erbij" if relative.must_attend else "Nee")
        return self._token([m for m in ayse.messages if m.version > mark])

    def _token(self, messages: Sequence[BotMessage]) -> str:
        for message in reversed(messages):
            if "De persoonlijke link" in (message.text or ""):
                found = self.link.search(message.text or "")
                if found:
                    return found.group(1)
        raise RuntimeError("the coordinator was handed no personal link")
