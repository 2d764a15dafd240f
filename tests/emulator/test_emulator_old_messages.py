"""A button under an old or deleted message: Telegram hands the bot an InaccessibleMessage
(chat, message_id, date 0), which the bot can still answer and edit by chat and message id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import CommandStart
from aiogram.methods import EditMessageText
from aiogram.types import (
    CallbackQuery,
    InaccessibleMessage,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from emulator import BotApiEmulator

DAY = 24 * 3600


def build_dispatcher(seen: list[str]) -> Dispatcher:
    router = Router()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Ja", callback_data="ja")]]
    )

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Kom je?", reply_markup=markup)

    @router.message(F.text == "weg")
    async def delete_last(message: Message, bot: Bot) -> None:
        await bot.delete_message(message.chat.id, message.message_id - 1)

    @router.callback_query(F.data == "ja")
    async def pressed(query: CallbackQuery, bot: Bot) -> None:
        message = query.message
        assert message is not None
        seen.append(type(message).__name__)
        await query.answer("Genoteerd")
        if isinstance(message, InaccessibleMessage):
            assert message.date == 0  # all Telegram tells of it
            await message.answer("Dat bericht is oud, maar genoteerd.")
        edit = EditMessageText(chat_id=message.chat.id, message_id=message.message_id, text="Ja ✓")
        try:
            await bot(edit)
        except TelegramBadRequest as error:  # a deleted message is gone for the bot too
            seen.append(error.message)

    dp = Dispatcher()
    dp.include_router(router)
    return dp


@pytest.fixture
async def seen(emu: BotApiEmulator, bot: Bot, run_polling: Callable[..., Any]) -> Any:
    types: list[str] = []
    async with run_polling(build_dispatcher(types), bot):
        yield types


async def test_a_button_under_a_fresh_message_brings_the_message(
    emu: BotApiEmulator, seen: list[str]
) -> None:
    wim = emu.user("Wim")
    await wim.send_command("start")
    emu.advance_clock(47 * 3600)
    await wim.press("Ja")
    assert seen == ["Message"] and wim.texts == ["Ja ✓"]


async def test_a_button_under_a_message_older_than_48_hours_brings_an_inaccessible_message(
    emu: BotApiEmulator, seen: list[str]
) -> None:
    wim = emu.user("Wim")
    await wim.send_command("start")
    question = wim.last
    emu.advance_clock(3 * DAY)
    assert emu.now() - question.date >= 3 * DAY
    await wim.press("Ja")
    assert seen == ["InaccessibleMessage"]
    assert wim.callback_answers == ["Genoteerd"]
    # the old message is edited in place by its id; the new one is dated by the moved clock
    assert wim.texts == ["Ja ✓", "Dat bericht is oud, maar genoteerd."]
    assert wim.last.date >= emu.now() - 5


async def test_a_button_under_a_deleted_message_brings_an_inaccessible_message(
    emu: BotApiEmulator, seen: list[str]
) -> None:
    wim = emu.user("Wim")
    await wim.send_command("start")
    still_on_screen = wim.last
    await wim.send_text("weg")
    assert wim.texts == []
    await wim.press("Ja", message=still_on_screen)
    assert seen[0] == "InaccessibleMessage" and "message to edit not found" in seen[1]
    assert wim.callback_answers == ["Genoteerd"]
    assert wim.texts == ["Dat bericht is oud, maar genoteerd."]
