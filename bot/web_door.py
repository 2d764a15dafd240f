"""The web door wired to the rest of kring: its units of work, the catalogs, the clock, and
the coordinator's messages, rendered as the chat renders them and queued in the request's unit
of work (the outbox sends them once it commits)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from html import escape
from zoneinfo import ZoneInfo

from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import CatalogI18n
from conference.erasure import Forgotten
from conference.errors import InvalidAnswer, SlotError
from conference.model.circle import Invitee, Rsvp, Suggestion
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Meeting, Proposal
from conference.model.outbox import Batch, Outbound, Text
from conference.model.plan import Agreement, FollowUp
from conference.model.request import ConferenceRequest
from conference.ports import UnitOfWork
from dialogs.clock import reset_clock, use_clock
from dialogs.flows.availability import tell_of_proposal
from dialogs.flows.followup import tell_follow_up
from dialogs.flows.intake import problem_text
from dialogs.flows.minimum import tell_minimum
from dialogs.flows.plan import plan_text
from dialogs.flows.privacy import tell_coordinators
from dialogs.flows.who_else import tell_of_suggestion
from dialogs.render.announce import buttons_of, place_text
from dialogs.render.buttons import plan_button
from dialogs.render.labels import slot_problem_text
from dialogs.render.long_text import split_message
from dialogs.render.rsvp_news import tell_coordinator
from dialogs.render.texts import _
from dialogs.replies import Replies
from dialogs.to_others import coordinator_language, notify
from storage.uow import SqlUnitOfWork
from web.door import Door


class ChatNotices:
    """web.door.Notices: what the page tells the coordinator, in chat."""

    def __init__(self, i18n: CatalogI18n, zone: ZoneInfo, clock: Clock, default_locale: str):
        self.i18n = i18n
        self.zone = zone
        self.clock = clock
        self.default_locale = default_locale

    @contextmanager
    def _chat(self) -> Iterator[None]:
        """What the chat's renderers expect around them: the catalogs and the app's clock."""
        token = use_clock(self.clock)
        try:
            with self.i18n.context():
                yield
        finally:
            reset_clock(token)

    async def second_browser(self, uow: UnitOfWork, invitee: Invitee) -> None:
        replies = Replies()
        with self._chat():
            async with coordinator_language(uow, self.i18n, invitee.conference_id) as request:
                if request is None or request.coordinator_id is None:
                    return
                notify(
                    replies,
                    request.coordinator_id,
                    _(
                        "Let op: de uitnodiging van {name} ({reference}) is op de webpagina "
                        "geopend in een tweede browser (of al op Telegram) en geweigerd. "
                        "Geef {name} zo nodig een nieuwe link."
                    ).format(name=escape(invitee.name), reference=request.reference),
                )
        await self._queue(uow, replies, invitee)

    async def suggested(self, uow: UnitOfWork, invitee: Invitee, made: Suggestion) -> None:
        replies = Replies()
        with self._chat():
            await tell_of_suggestion(replies, uow, self.i18n, self.default_locale, made)
        await self._queue(uow, replies, invitee)

    async def answered(self, uow: UnitOfWork, invitee: Invitee, before: Rsvp | None) -> None:
        replies = Replies()
        with self._chat():
            await tell_coordinator(replies, uow, self.i18n, self.zone, invitee, before)
        await self._queue(uow, replies, invitee)

    async def proposed(self, uow: UnitOfWork, invitee: Invitee, proposal: Proposal) -> None:
        replies = Replies()
        with self._chat():
            await tell_of_proposal(replies, uow, self.i18n, self.zone, proposal)
        await self._queue(uow, replies, invitee)

    async def followed_up(
        self,
        uow: UnitOfWork,
        invitee: Invitee,
        agreement: Agreement,
        answer: FollowUp | None,
        comment: str | None,
    ) -> None:
        # one message each, as from the chat (a batch holds one message per person)
        if answer is not None:
            replies = Replies()
            with self._chat():
                await tell_follow_up(replies, uow, self.i18n, invitee, agreement, answer=answer)
            await self._queue(uow, replies, invitee)
        if comment:
            replies = Replies()
            with self._chat():
                await tell_follow_up(replies, uow, self.i18n, invitee, agreement, comment=comment)
            await self._queue(uow, replies, invitee)

    async def forgotten(self, uow: UnitOfWork, forgotten: Forgotten) -> None:
        with self._chat():
            await tell_coordinators(uow, self.i18n, forgotten)

    def slot_problem(self, error: SlotError, locale: str) -> str:
        with self.i18n.context(), self.i18n.use_locale(locale):
            return slot_problem_text(error, self.zone, locale)

    def text_problem(self, error: InvalidAnswer, locale: str) -> str:
        with self.i18n.context(), self.i18n.use_locale(locale):
            return problem_text(error)

    async def minimum_set(
        self,
        uow: UnitOfWork,
        invitee: Invitee,
        request: ConferenceRequest,
        told: Sequence[Invitee],
    ) -> None:
        assert invitee.person_id is not None
        with self._chat():
            await tell_minimum(uow, self.i18n, invitee.person_id, request, list(told))

    async def plan_changed(
        self, uow: UnitOfWork, coordinator: PersonId, conference: ConferenceId
    ) -> None:
        """The plan as the chat shows it, with the way to its menu: what the cockpit changed
        is in chat too."""
        with self._chat():
            async with coordinator_language(uow, self.i18n, conference) as request:
                if request is None or request.coordinator_id != coordinator:
                    return
                plan = await uow.plans.get(conference)
                if plan is None:
                    return
                people = {p.id: p for p in await uow.invitees.of_conference(conference)}
                text = (
                    _("🗂 Bijgewerkt in de cockpit ✓")
                    + "\n\n"
                    + plan_text(plan, people, self.zone, self.i18n.current_locale)
                )
                buttons = buttons_of(
                    InlineKeyboardMarkup(inline_keyboard=[plan_button(conference)])
                )
        await uow.outbox.enqueue(
            Batch(kind="note", created_by=coordinator, conference_id=conference),
            [Outbound(coordinator, None, _parts(text, buttons))],
            self.clock.now(),
        )

    async def _queue(self, uow: UnitOfWork, replies: Replies, invitee: Invitee) -> None:
        messages = [
            Outbound(PersonId(int(m.chat_id)), None, (Text(m.text, _buttons(m.reply_markup)),))
            for m in replies
            if isinstance(m, SendMessage)
        ]
        if messages:
            await uow.outbox.enqueue(
                Batch(
                    kind="note", created_by=invitee.person_id, conference_id=invitee.conference_id
                ),
                messages,
                self.clock.now(),
            )


def _parts(text: str, buttons: tuple[tuple[tuple[str, str], ...], ...]) -> tuple[Text, ...]:
    """A long text in messages Telegram takes, the buttons under the last; protected, as the
    chat's plan (a plan is not for forwarding)."""
    *before, last = split_message(text)
    return (
        *(Text(part, protect_content=True) for part in before),
        Text(last, buttons, protect_content=True),
    )


def _buttons(markup: object) -> tuple[tuple[tuple[str, str], ...], ...]:
    return buttons_of(markup if isinstance(markup, InlineKeyboardMarkup) else None)


class CalendarFiles:
    """web.door.Calendar: the meeting's .ics as the chat sends it (same UID and SEQUENCE, so
    the entry a calendar has is updated, whichever door it came through)."""

    def __init__(self, i18n: CatalogI18n, zone: ZoneInfo, clock: Clock, organisation: str):
        self.i18n = i18n
        self.zone = zone
        self.clock = clock
        self.organisation = organisation

    def __call__(
        self, request: ConferenceRequest, meeting: Meeting, locale: str
    ) -> tuple[str, bytes]:
        from dialogs.render.ics import meeting_ics  # icalendar is loaded when needed

        assert meeting.starts_at is not None and meeting.ends_at is not None
        with self.i18n.context(), self.i18n.use_locale(locale):
            data = meeting_ics(
                uid=f"{request.reference}@kring",
                sequence=meeting.sequence,
                start=meeting.starts_at,
                end=meeting.ends_at,
                zone=self.zone,
                summary=_("Eigen Kracht-conferentie"),
                location=place_text(meeting) if meeting.venue else None,
                description=None,
                stamp=self.clock.now(),
                organisation=self.organisation,
                cancelled=meeting.cancelled,
            )
            return _("conferentie") + ".ics", data


def web_door(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    i18n: CatalogI18n,
    clock: Clock,
) -> Door:
    public = settings.public_url or ""
    return Door(
        units=lambda: SqlUnitOfWork(sessions),
        catalogs=i18n.locales,
        default_locale=settings.default_locale,
        zone=settings.zone,
        policy=settings.policy,
        now=clock.now,
        notices=ChatNotices(i18n, settings.zone, clock, settings.default_locale),
        calendar=CalendarFiles(i18n, settings.zone, clock, settings.organisation),
        secure_cookie=public.startswith("https://"),
        refusals_per_hour=settings.invitation_refusals_per_hour,
        # Telegram opens Mini Apps over https only: the cockpit needs a public https address
        mini_app_token=settings.bot_token if public.startswith("https://") else None,
    )
