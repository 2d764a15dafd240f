"""Buttons that several flows show (kept apart so the flows need not import each other)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from conference.model.circle import Invitee, NoReason, Rsvp
from conference.model.meeting import Slot, Vote
from conference.model.plan import FollowUp
from dialogs.callbacks import (
    BroadcastStep,
    CheckInAnswer,
    Dates,
    FamilyPropose,
    FollowUpAnswer,
    FoodStep,
    MinimumStart,
    NeedsStep,
    NewDatesVote,
    NoReasonAnswer,
    PlanStep,
    RsvpAnswer,
    SuggestStart,
    VoteAnswer,
    WebLink,
)
from dialogs.render.button_text import button_text
from dialogs.render.labels import follow_up_label, no_reason_label, used_label, vote_button_text
from dialogs.render.texts import _


def dates_button(conference: int) -> list[InlineKeyboardButton]:
    """The coordinator's way to dates, venue, nudges."""
    return [
        InlineKeyboardButton(
            text=_("📅 Datum en plaats"),
            callback_data=Dates(conference=conference, action="menu").pack(),
        )
    ]


def nudge_button(conference: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=_("🔔 Herinner wie nog niet antwoordde"),
            callback_data=Dates(conference=conference, action="nudge").pack(),
        )
    ]


def broadcast_button(conference: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=_("📣 Bericht aan de kring"),
            callback_data=BroadcastStep(conference=conference, audience="start").pack(),
        )
    ]


def vote_button(invitee: int) -> list[InlineKeyboardButton]:
    """The invited person's way to the proposed dates."""
    return [
        InlineKeyboardButton(
            text=button_text("📅 Wanneer kan ik?"),
            callback_data=VoteAnswer(invitee=invitee, slot=0).pack(),
        )
    ]


def propose_button(invitee: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=button_text("💡 Datum of plek voorstellen"),
            callback_data=FamilyPropose(invitee=invitee).pack(),
        )
    ]


def cockpit_button(public_url: str, conference: int) -> list[InlineKeyboardButton]:
    """The coordinator's cockpit, a Mini App: the conference on a bigger screen."""
    return [
        InlineKeyboardButton(
            text=_("🗂 Cockpit openen"), web_app=WebAppInfo(url=f"{public_url}/c/{conference}")
        )
    ]


def plan_button(conference: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=_("📝 Het plan"),
            callback_data=PlanStep(conference=conference, action="menu").pack(),
        )
    ]


def food_button(invitee: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=button_text("🍽 Eten en drinken"),
            callback_data=FoodStep(invitee=invitee, action="start", value="").pack(),
        )
    ]


def needs_button(invitee: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=button_text("🧭 Wat heb je nodig om te komen?"),
            callback_data=NeedsStep(invitee=invitee, action="menu", value="").pack(),
        )
    ]


def minimum_button(invitee: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=button_text("⚖️ Minimumeis"), callback_data=MinimumStart(invitee=invitee).pack()
        )
    ]


def suggest_button(invitee: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=button_text("➕ Wie moeten we nog vragen?"),
            callback_data=SuggestStart(invitee=invitee).pack(),
        )
    ]


def follow_up_markup(invitee: int, agreement: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=follow_up_label(a),
                    callback_data=FollowUpAnswer(
                        invitee=invitee, agreement=agreement, answer=a.value
                    ).pack(),
                )
            ]
            for a in FollowUp
        ]
    )


def check_in_markup(invitee: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=used_label(used),
                    callback_data=CheckInAnswer(invitee=invitee, used=used).pack(),
                )
                for used in ("yes", "partly", "no")
            ]
        ]
    )


def rsvp_buttons(
    invitee_id: int,
    ask_reason: bool = False,
    food: bool = False,
    dates: bool = False,
    propose: bool = False,
    minimum: bool = False,
) -> InlineKeyboardMarkup:
    labels = (
        (Rsvp.YES, button_text("✅ Ja, ik kom")),
        (Rsvp.MAYBE, button_text("🤔 Misschien")),
        (Rsvp.NO, button_text("Nee, ik kan niet")),
    )
    rows = [
        [
            InlineKeyboardButton(
                text=text,
                callback_data=RsvpAnswer(invitee=invitee_id, answer=rsvp.value).pack(),
            )
        ]
        for rsvp, text in labels
    ]
    if dates:
        rows.append(vote_button(invitee_id))
    if food:
        rows.append(food_button(invitee_id))
        rows.append(needs_button(invitee_id))
    if propose:
        rows.append(propose_button(invitee_id))
    if minimum:
        rows.append(minimum_button(invitee_id))
    rows.append(suggest_button(invitee_id))
    if ask_reason:  # saying why is optional, and never needed
        rows += [
            [
                InlineKeyboardButton(
                    text=no_reason_label(reason),
                    callback_data=NoReasonAnswer(invitee=invitee_id, reason=reason.value).pack(),
                )
            ]
            for reason in NoReason
        ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def ballot(
    invitee: Invitee,
    slots: Sequence[Slot],
    votes: dict[int, Vote],
    zone: ZoneInfo,
    locale: str,
    saved: bool = False,
    since: int = 0,
) -> tuple[str, InlineKeyboardMarkup]:
    """The whole vote in one message: the text says how and what the symbols mean, each
    button shows the current choice (a symbol) and a date, and a tap moves it on. With
    `since`, only the dates added from that one on (for those who voted on the earlier ones
    already)."""
    text = (
        _(
            "Wanneer kun je? Tik op een datum om te kiezen: ✅ kan, 🟡 als het moet, ❌ kan "
            "niet. Tik nog eens om te veranderen."
        )
        + "\n"
        + _("❔ nog niet gekozen")
    )
    if saved:
        text = _("Opgeslagen ✓") + "\n\n" + text
    rows = [
        [
            InlineKeyboardButton(
                text=vote_button_text(votes.get(s.id), s.starts_at, zone, locale),
                callback_data=(
                    NewDatesVote(invitee=invitee.id, slot=s.id, since=since)
                    if since
                    else VoteAnswer(invitee=invitee.id, slot=s.id)
                ).pack(),
            )
        ]
        for s in slots
        if s.id >= since
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def web_link_button(invitee_id: int, name: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("✉️ Link per e-mail naar {name}").format(name=name[:20]),
                    callback_data=WebLink(invitee=invitee_id).pack(),
                )
            ]
        ]
    )
