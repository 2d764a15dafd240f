"""What a reminder says, in the reader's language: the meeting's moment in the conference's
time zone, the place, and buttons to answer right there."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from conference import outbox
from conference.circle import Group, Invitee
from conference.meeting import Meeting
from conference.plan import Plan
from conference.reminders import Kind, kind_of
from conference.slots import Slot, Vote
from dialogs.announce import buttons_of, place_text
from dialogs.availability import ballot
from dialogs.button_text import button_text
from dialogs.callbacks import MeetingAnswer
from dialogs.followup import check_in_markup, follow_up_markup
from dialogs.invitation import rsvp_buttons
from dialogs.outbound import when
from dialogs.texts import _


def reminder_parts(kind: str, person: Invitee, meeting: Meeting, zone: ZoneInfo, i18n: I18n,
                   slots: Sequence[Slot] = (), votes: dict[int, Vote] | None = None
                   ) -> tuple[outbox.Part, ...]:
    with i18n.use_locale(person.locale):
        locale = person.locale
        name = escape(person.name)
        if kind_of(kind) is Kind.VOTE:
            text, markup = ballot(person, slots, votes or {}, zone, locale)
            return (outbox.Text(_("Hallo {name}, wil je nog laten weten wanneer je kunt? Dan "
                                  "kan de datum vast.").format(name=name) + "\n\n" + text,
                                buttons_of(markup)),)
        assert meeting.starts_at is not None
        moment = when(meeting.starts_at, zone, locale)
        if kind_of(kind) is Kind.NO_ANSWER:
            return (outbox.Text(_("Hallo {name}, over een week is de Eigen "
                                  "Kracht-conferentie ({moment}). Kom je? Nee zeggen mag "
                                  "ook.").format(name=name, moment=moment),
                                buttons_of(rsvp_buttons(person.id))),)
        if kind_of(kind) is Kind.DECIDE:
            return (outbox.Text(_("Hallo {name}, je zei misschien voor de Eigen "
                                  "Kracht-conferentie van {moment}. Weet je het al?").format(
                name=name, moment=moment), buttons_of(rsvp_buttons(person.id))),)
        if person.group is Group.PROFESSIONAL:  # they take part in part 1 only
            text = _("Herinnering: deel 1 van de Eigen Kracht-conferentie (de informatie) "
                     "begint {moment} in {place}. Daarna maakt de familie in besloten tijd "
                     "het plan.").format(moment=moment, place=place_text(meeting))
        else:
            text = _("Herinnering: de Eigen Kracht-conferentie is {moment} in {place}. Tot "
                     "dan!").format(moment=moment, place=place_text(meeting))
        markup = InlineKeyboardMarkup(inline_keyboard=[
            [InlineKeyboardButton(text=button_text("✅ Ik kom"), callback_data=MeetingAnswer(
                invitee=person.id, coming=True).pack())],
            [InlineKeyboardButton(text=button_text("Ik kan niet komen"),
                                  callback_data=MeetingAnswer(invitee=person.id,
                                                              coming=False).pack())]])
        return (outbox.Text(text, buttons_of(markup)),)


def plan_reminder_parts(kind: str, person: Invitee, plan: Plan, zone: ZoneInfo, i18n: I18n
                        ) -> tuple[outbox.Part, ...]:
    """After the meeting: 4 weeks (per agreement, with buttons), 3 months (two questions),
    and the evening before a dated agreement ("Tomorrow: ...", in the family's words)."""
    with i18n.use_locale(person.locale):
        name = escape(person.name)
        if kind == "followup":
            parts: list[outbox.Part] = [outbox.Text(_(
                "Hallo {name}, de conferentie is nu 4 weken geleden. Hoe gaat het met de "
                "afspraken? Tik per afspraak wat past.").format(name=name))]
            parts += [outbox.Text(escape(a.what), buttons_of(follow_up_markup(person.id, a.id)))
                      for a in plan.agreements[:15]]
            return tuple(parts)
        if kind == "checkin":
            return (outbox.Text(_(
                "Hallo {name}, de conferentie is nu 3 maanden geleden. Gebruiken jullie het "
                "plan nog?").format(name=name), buttons_of(check_in_markup(person.id))),)
        if kind.startswith("next_") and plan.next_meeting is not None:
            return (outbox.Text(_("Herinnering: de volgende bijeenkomst over het plan is "
                                  "{moment}.").format(moment=when(plan.next_meeting, zone,
                                                                  person.locale))),)
        number = kind.split("_", 1)[1]
        what = next((a.what for a in plan.agreements if str(a.id) == number), "")
        return (outbox.Text(_("Morgen: {what}").format(what=escape(what))),)
