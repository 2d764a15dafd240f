"""Buttons that several flows show (kept apart so the flows need not import each other)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton

from dialogs.callbacks import BroadcastStep, Dates, FamilyPropose, PlanStep, VoteAnswer
from dialogs.render.button_text import button_text
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


def plan_button(conference: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=_("📝 Het plan"),
            callback_data=PlanStep(conference=conference, action="menu").pack(),
        )
    ]
