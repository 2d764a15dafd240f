"""The command menu in each shipped language (Telegram picks by the app's language)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _


def command_menu() -> list[BotCommand]:
    return [
        BotCommand(command="start", description=_("Begin of opnieuw beginnen")),
        BotCommand(command="apply", description=_("Een conferentie aanvragen")),
        BotCommand(command="help", description=_("Uitleg: waar ben ik en wat kan ik doen")),
        BotCommand(
            command="me", description=_("Mijn conferentie: mijn antwoord bekijken of veranderen")
        ),
        BotCommand(command="language", description=_("Taal kiezen")),
        BotCommand(command="cancel", description=_("Stoppen met wat je nu doet")),
        BotCommand(command="mydata", description=_("Wat kring over mij bewaart")),
        BotCommand(command="forget", description=_("Mijn gegevens wissen")),
    ]


async def publish_commands(bot: Bot, i18n: I18n) -> None:
    with i18n.context():
        for locale in i18n.available_locales:
            with i18n.use_locale(locale):
                await bot.set_my_commands(command_menu(), language_code=locale)
        with i18n.use_locale(i18n.default_locale):
            await bot.set_my_commands(command_menu())
