"""Anything that no flow expects: a kind pointer to the way in."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from dialogs.render.texts import _
from dialogs.replies import Replies


async def anything(message: Message, replies: Replies) -> None:
    replies.send(
        message.answer(
            _(
                "Dat begrijp ik niet helemaal.\n"
                "Een conferentie aanvragen? Typ /apply.\n"
                "Zien wat ik kan? Typ /start.\n"
                "Uitleg nodig? Typ /help."
            )
        )
    )


async def old_button(callback: CallbackQuery, replies: Replies) -> None:
    replies.send(
        callback.answer(
            _("Deze knop werkt niet meer. Typ /start om verder te gaan."), show_alert=True
        )
    )


def router() -> Router:
    r = Router(name="fallback")
    r.message.register(anything)
    r.callback_query.register(old_button)
    return r
