"""What the circle hears from the coordinator, each person in their own language: the question
which dates suit them, a nudge, the fixed date and venue (with a map pin and a calendar file),
a change, a cancellation. Rendered here, handed to the outbox, sent by the one sender in bot/
at Telegram's pace after this update commits."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import NamedTuple
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from conference.meeting import coming, left_out, reachable, unvoted
from conference.model import outbox
from conference.model.circle import Invitee
from conference.model.ids import ConferenceId
from conference.model.meeting import Meeting, Slot
from conference.model.outbox import Outbound, Part
from conference.model.people import Person
from conference.ports import UnitOfWork
from dialogs.callbacks import MeetingAnswer
from dialogs.clock import now
from dialogs.render.button_text import button_text
from dialogs.render.buttons import ballot, rsvp_buttons
from dialogs.render.labels import current_locale
from dialogs.render.texts import _, joined, labelled
from dialogs.render.web_reach import web_page_only
from dialogs.to_others import when


def buttons_of(markup: InlineKeyboardMarkup | None) -> tuple[tuple[tuple[str, str], ...], ...]:
    if markup is None:
        return ()
    return tuple(
        tuple((b.text, b.callback_data or "") for b in row) for row in markup.inline_keyboard
    )


class Announced(NamedTuple):
    """Whom a meeting notice reaches: by Telegram or e-mail; only on their web page (no
    Telegram, no e-mail address: the coordinator should call them); not at all through kring
    (never opened their link, or blocked the bot)."""

    told: int
    web_page_only: int
    unreachable: int


async def _queue(
    uow: UnitOfWork,
    kind: str,
    by: Person,
    conference: ConferenceId,
    messages: Sequence[Outbound],
    cannot: Sequence[Invitee],
    report: bool,
    key: str | None = None,
) -> int:
    skipped, unreachable = left_out(cannot)
    if not messages and not cannot:
        return 0
    await uow.outbox.enqueue(
        outbox.Batch(
            kind=kind,
            created_by=by.id,
            conference_id=conference,
            report_chat=by.id if report else None,
            report_locale=current_locale(),
            skipped=skipped,
            key=key,
            unreachable=unreachable,
        ),
        messages,
        now(),
    )
    return len(messages)


async def ask_votes(
    uow: UnitOfWork,
    i18n: I18n,
    zone: ZoneInfo,
    by: Person,
    conference: ConferenceId,
    people: Sequence[Invitee],
    added: Sequence[Slot] = (),
) -> int:
    """Everyone in `people` who has not voted on every date gets the dates to tap; who voted
    before gets just the `added` dates, asked about as new ones."""
    slots = await uow.meetings.slots(conference)
    ballots = await uow.meetings.ballots(conference)
    can, _cannot = reachable(unvoted(slots, people, ballots))
    since = min((s.id for s in added), default=0)
    messages = []
    for person in can:
        votes = ballots.get(person.id, {})
        again = bool(since) and any(slot < since for slot in votes)
        with i18n.use_locale(person.locale):
            text, markup = ballot(
                person, slots, votes, zone, person.locale, since=since if again else 0
            )
            hello = (
                _(
                    "Hallo {name}! Er zijn nieuwe datums bij voor de Eigen "
                    "Kracht-conferentie. Kun je op deze?"
                ).format(name=escape(person.name))
                if again
                else _(
                    "Hallo {name}! Er zijn datums voorgesteld voor de Eigen Kracht-conferentie."
                ).format(name=escape(person.name))
            )
        assert person.person_id is not None
        messages.append(
            Outbound(
                person.person_id,
                person.id,
                (outbox.Text(hello + "\n\n" + text, buttons_of(markup)),),
            )
        )
    return await _queue(uow, "vote", by, conference, messages, (), report=False)


async def nudge_people(
    uow: UnitOfWork, i18n: I18n, by: Person, conference: ConferenceId, people: Sequence[Invitee]
) -> int:
    messages = []
    for person in people:
        with i18n.use_locale(person.locale):
            text = _(
                "Hallo {name}, we horen graag of je naar de Eigen Kracht-conferentie "
                "komt. Nee zeggen mag ook, dat is helemaal goed."
            ).format(name=escape(person.name))
            markup = rsvp_buttons(person.id)
        assert person.person_id is not None
        messages.append(
            Outbound(person.person_id, person.id, (outbox.Text(text, buttons_of(markup)),))
        )
    return await _queue(uow, "nudge", by, conference, messages, (), report=False)


async def tell_person(
    uow: UnitOfWork, by: Person, conference: ConferenceId, invitee: Invitee, text: str
) -> None:
    """One short message to one person of the circle (already in their language)."""
    if invitee.person_id is None or not invitee.reachable:
        return
    await _queue(
        uow,
        "note",
        by,
        conference,
        [Outbound(invitee.person_id, invitee.id, (outbox.Text(text),))],
        (),
        report=False,
    )


def place_text(meeting: Meeting) -> str:
    if meeting.venue is None:
        return "-"
    return joined([escape(meeting.venue.name), escape(meeting.venue.address or "")], ", ")


def notice(
    person: Invitee, before: Meeting, after: Meeting, zone: ZoneInfo, locale: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    assert after.starts_at is not None
    moment = when(after.starts_at, zone, locale)
    if after.cancelled:
        return _(
            "Hallo {name}. De Eigen Kracht-conferentie van {moment} gaat niet door. De "
            "coördinator laat je weten hoe het verder gaat."
        ).format(name=escape(person.name), moment=moment), None
    if not before.fixed:
        return _(
            "Hallo {name}! De datum staat vast.\n📅 {moment}\n📍 {place}\n\nIn het "
            "bestand hieronder staat het voor je agenda. Tot dan!"
        ).format(name=escape(person.name), moment=moment, place=place_text(after)), None
    changes = []
    if before.starts_at is not None and before.starts_at != after.starts_at:
        old, new = before.starts_at.astimezone(zone), after.starts_at.astimezone(zone)
        # in words, not "old → new": an arrow points the wrong way right to left
        if old.date() != new.date() and old.time() != new.time():
            line = _("De datum en tijd zijn veranderd: eerst {old}, nu {new}.")
        elif old.date() != new.date():
            line = _("De datum is veranderd: eerst {old}, nu {new}.")
        else:
            line = _("De tijd is veranderd: eerst {old}, nu {new}.")
        changes.append(line.format(old=when(before.starts_at, zone, locale), new=moment))
    if place_text(before) != place_text(after):
        changes.append(
            _("De plaats is veranderd: eerst {old}, nu {new}.").format(
                old=place_text(before), new=place_text(after)
            )
        )
    unchanged = joined([labelled("📅", moment), labelled("📍", place_text(after))])
    text = (
        _("Hallo {name}, er is iets veranderd voor de Eigen Kracht-conferentie.").format(
            name=escape(person.name)
        )
        + "\n"
        + "\n".join(changes or [unchanged])
        + "\n\n"
        + _("Kun je nog komen?")
    )
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [_answer(button_text("✅ Ik kan nog steeds komen"), person.id, True)],
            [_answer(button_text("Ik kan niet meer komen"), person.id, False)],
        ]
    )
    return text, markup


def _answer(text: str, invitee: int, yes: bool) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=MeetingAnswer(invitee=invitee, coming=yes).pack()
    )


async def announce(
    uow: UnitOfWork,
    i18n: I18n,
    zone: ZoneInfo,
    by: Person,
    conference: ConferenceId,
    before: Meeting,
    after: Meeting,
    organisation: str,
) -> Announced:
    """The fixed, changed or cancelled meeting to everyone who said yes or maybe: a text, the
    venue as a map pin, and a calendar file that updates the same entry each time."""
    from dialogs.render.ics import meeting_ics  # icalendar is loaded when needed, not at start-up

    request = await uow.conferences.get(conference)
    assert request is not None and after.starts_at is not None and after.ends_at is not None
    can, cannot = reachable(coming(await uow.invitees.of_conference(conference)))
    messages = []
    for person in can:
        with i18n.use_locale(person.locale):
            text, markup = notice(person, before, after, zone, person.locale)
            calendar = meeting_ics(
                uid=f"{request.reference}@kring",
                sequence=after.sequence,
                start=after.starts_at,
                end=after.ends_at,
                zone=zone,
                summary=_("Eigen Kracht-conferentie"),
                location=place_text(after) if after.venue else None,
                description=_("Samen een plan maken. Vragen? Stel ze in de chat met de bot."),
                stamp=now(),
                organisation=organisation,
                cancelled=after.cancelled,
            )
            filename = _("conferentie") + ".ics"
        parts: list[Part] = [outbox.Text(text, buttons_of(markup))]
        venue = after.venue
        if (
            not after.cancelled
            and venue is not None
            and venue.latitude is not None
            and venue.longitude is not None
        ):
            parts.append(
                outbox.Venue(
                    venue.latitude, venue.longitude, venue.name, venue.address or venue.name
                )
            )
        parts.append(outbox.Document(filename, calendar))
        assert person.person_id is not None
        messages.append(Outbound(person.person_id, person.id, tuple(parts)))
    kind = "cancel" if after.cancelled else "change" if before.fixed else "meeting"
    key = f"meeting:{conference}:v{after.sequence}"
    queued = await _queue(uow, kind, by, conference, messages, cannot, report=True, key=key)
    page_only = len(await web_page_only(uow, can))
    return Announced(queued - page_only, page_only, len(cannot))
