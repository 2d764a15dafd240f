"""What a reminder says, in the reader's language: the meeting's moment in the conference's
time zone, the place, and buttons to answer right there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from babel.dates import format_time

from conference.model import outbox
from conference.model.circle import Group, Invitee
from conference.model.meeting import Meeting, Slot, Vote
from conference.model.plan import Plan
from conference.model.reminders import Kind
from conference.model.request import ConferenceRequest
from conference.reminders import days_until, kind_of
from dialogs.callbacks import MeetingAnswer
from dialogs.render.announce import buttons_of, place_text
from dialogs.render.button_text import button_text
from dialogs.render.buttons import ballot, check_in_markup, follow_up_markup, rsvp_buttons
from dialogs.render.texts import _, ngettext
from dialogs.to_others import when


def relative_when(start: datetime, now: datetime, zone: ZoneInfo, locale: str) -> str:
    """ "vandaag om 14:00", "morgen om 10:00", "over 3 dagen (12 mrt 2027, 10:00)": by the
    conference's calendar as it is when the message leaves."""
    days = days_until(start, now, zone)
    time = format_time(start.astimezone(zone), "short", tzinfo=zone, locale=locale)
    if days <= 0:
        # Translators: {when} in a reminder ("the conference is {when}"); {time} like 14:00
        return _("vandaag om {time}").format(time=time)
    if days == 1:
        # Translators: {when} in a reminder ("the conference is {when}"); {time} like 10:00
        return _("morgen om {time}").format(time=time)
    # Translators: {when} in a reminder ("the conference is {when}"); {moment} date and time
    return ngettext("over {days} dag ({moment})", "over {days} dagen ({moment})", days).format(
        days=days, moment=when(start, zone, locale)
    )


def reminder_parts(
    kind: str,
    person: Invitee,
    meeting: Meeting,
    zone: ZoneInfo,
    i18n: I18n,
    now: datetime,
    slots: Sequence[Slot] = (),
    votes: dict[int, Vote] | None = None,
) -> tuple[outbox.Part, ...]:
    """Rendered when it leaves (`now`): "in 3 days", "tomorrow", "today at 14:00". A
    professional is asked for part 1 only (information), not for the family's private time."""
    with i18n.use_locale(person.locale):
        locale = person.locale
        name = escape(person.name)
        professional = person.group is Group.PROFESSIONAL
        if kind_of(kind) is Kind.VOTE:
            text, markup = ballot(person, slots, votes or {}, zone, locale)
            return (
                outbox.Text(
                    _(
                        "Hallo {name}, wil je nog laten weten wanneer je kunt? Dan "
                        "kan de datum vast."
                    ).format(name=name)
                    + "\n\n"
                    + text,
                    buttons_of(markup),
                ),
            )
        assert meeting.starts_at is not None
        moment = when(meeting.starts_at, zone, locale)
        if kind_of(kind) is Kind.NO_ANSWER:
            text = (
                _(
                    "Goedendag {name}, over een week is de Eigen Kracht-conferentie "
                    "({moment}). U bent gevraagd voor deel 1: daar geeft u informatie. "
                    "Daarna maakt de familie alleen het plan. Komt u?"
                )
                if professional
                else _(
                    "Hallo {name}, over een week is de Eigen "
                    "Kracht-conferentie ({moment}). Kom je? Nee zeggen mag "
                    "ook."
                )
            )
            return (
                outbox.Text(
                    text.format(name=name, moment=moment), buttons_of(rsvp_buttons(person.id))
                ),
            )
        if kind_of(kind) is Kind.DECIDE:
            text = (
                _(
                    "Goedendag {name}, u zei misschien voor deel 1 van de Eigen "
                    "Kracht-conferentie van {moment}. Weet u het al?"
                )
                if professional
                else _(
                    "Hallo {name}, je zei misschien voor de Eigen Kracht-conferentie van "
                    "{moment}. Weet je het al?"
                )
            )
            return (
                outbox.Text(
                    text.format(name=name, moment=moment), buttons_of(rsvp_buttons(person.id))
                ),
            )
        coming = relative_when(meeting.starts_at, now, zone, locale)
        if professional:  # they take part in part 1 only
            text = _(
                "Herinnering: deel 1 van de Eigen Kracht-conferentie begint {when}, in "
                "{place}. In deel 1 geeft u informatie. Daarna maakt de familie alleen "
                "het plan, zonder coördinator en hulpverleners. Dat heet het besloten "
                "deel."
            ).format(when=coming, place=place_text(meeting))
        else:
            # Translators: {when} is "vandaag om 14:00", "morgen om 10:00" or "over 3 dagen
            # (...)", translated on its own
            text = _(
                "Herinnering: de Eigen Kracht-conferentie is {when}, in {place}. Tot dan!"
            ).format(when=coming, place=place_text(meeting))
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=button_text("✅ Ik kom"),
                        callback_data=MeetingAnswer(invitee=person.id, coming=True).pack(),
                    )
                ],
                [
                    InlineKeyboardButton(
                        text=button_text("Ik kan niet komen"),
                        callback_data=MeetingAnswer(invitee=person.id, coming=False).pack(),
                    )
                ],
            ]
        )
        return (outbox.Text(text, buttons_of(markup)),)


def plan_reminder_parts(
    kind: str,
    person: Invitee,
    plan: Plan,
    zone: ZoneInfo,
    i18n: I18n,
    now: datetime,
    request: ConferenceRequest | None = None,
) -> tuple[outbox.Part, ...]:
    """After the meeting: 4 weeks (per agreement, with buttons), 3 months (two questions),
    and the evening before a dated agreement ("Tomorrow, from the plan for Johan: ...", in the
    family's words)."""
    with i18n.use_locale(person.locale):
        name = escape(person.name)
        if kind == "followup":
            parts: list[outbox.Part] = [
                outbox.Text(
                    _(
                        "Hallo {name}, de conferentie is nu 4 weken geleden. Hoe gaat het met de "
                        "afspraken? Tik per afspraak wat past."
                    ).format(name=name)
                )
            ]
            parts += [
                outbox.Text(escape(a.what), buttons_of(follow_up_markup(person.id, a.id)))
                for a in plan.agreements[:15]
            ]
            return tuple(parts)
        if kind == "checkin":
            return (
                outbox.Text(
                    _(
                        "Hallo {name}, de conferentie is nu 3 maanden geleden. Gebruiken jullie "
                        "het plan nog?"
                    ).format(name=name),
                    buttons_of(check_in_markup(person.id)),
                ),
            )
        if kind.startswith("next_") and plan.next_meeting is not None:
            return (
                outbox.Text(
                    _("Herinnering: de volgende bijeenkomst over het plan is {when}.").format(
                        when=relative_when(plan.next_meeting, now, zone, person.locale)
                    )
                ),
            )
        number = kind.split("_", 1)[1]
        what = escape(next((a.what for a in plan.agreements if str(a.id) == number), ""))
        reference = request.reference if request is not None else ""
        if request is not None and request.subject_name:
            # Translators: {name} is the main person the plan is for; {what} the agreement
            return (
                outbox.Text(
                    _("Morgen, uit het plan voor {name} ({reference}): {what}").format(
                        name=escape(request.subject_name), reference=reference, what=what
                    )
                ),
            )
        return (
            outbox.Text(
                _("Morgen, uit het plan {reference}: {what}").format(
                    reference=reference, what=what
                )
            ),
        )
