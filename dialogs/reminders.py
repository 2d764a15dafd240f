"""What a reminder says, in the reader's language: the meeting's moment in the conference's
time zone, the place, and buttons to answer right there."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from conference import outbox
from conference.circle import Group, Invitee
from conference.meeting import Meeting
from conference.reminders import Kind, kind_of
from conference.slots import Slot, Vote
from dialogs.announce import buttons_of, place_text
from dialogs.availability import ballot
from dialogs.callbacks import MeetingAnswer
from dialogs.invitation import rsvp_buttons
from dialogs.outbound import when


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
            [InlineKeyboardButton(text=_("✅ Ik kom"), callback_data=MeetingAnswer(
                invitee=person.id, coming=True).pack())],
            [InlineKeyboardButton(text=_("Ik kan niet komen"), callback_data=MeetingAnswer(
                invitee=person.id, coming=False).pack())]])
        return (outbox.Text(text, buttons_of(markup)),)
