"""Anything that no flow expects: a kind pointer to the way in."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from dialogs.texts import _


def router() -> Router:
    r = Router(name="fallback")

    @r.message()
    async def anything(message: Message) -> None:
        await message.answer(
            _(
                "Dat begrijp ik niet helemaal.\n"
                "Een conferentie aanvragen? Typ /apply.\n"
                "Zien wat ik kan? Typ /start.\n"
                "Uitleg nodig? Typ /help."
            )
        )

    @r.callback_query()
    async def old_button(callback: CallbackQuery) -> None:
        await callback.answer(
            _("Deze knop werkt niet meer. Typ /start om verder te gaan."), show_alert=True
        )

    return r
