"""A small real aiogram bot, long-polling the emulator, driven by several people at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.exceptions import TelegramServerError
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from emulator import BotApiEmulator, BotMessage


def choices() -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=t, callback_data=f"cb:{t}")] for t in ("Ja", "Nee")]
    rows.append([InlineKeyboardButton(text="Website", url="https://example.org")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def build_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        assert message.from_user
        name = message.from_user.first_name
        await message.answer(f"Hallo <b>{name}</b> ({command.args})", reply_markup=choices())

    @router.callback_query(F.data.startswith("cb:"))
    async def pressed(query: CallbackQuery) -> None:
        label = (query.data or "")[3:]
        await query.answer(f"Gekozen: {label}")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"Je koos {label}")

    @router.message(F.text == "Deel")
    async def ask_contact(message: Message) -> None:
        button = KeyboardButton(text="Deel mijn nummer", request_contact=True)
        markup = ReplyKeyboardMarkup(keyboard=[[button], [KeyboardButton(text="Liever niet")]])
        await message.answer("Mag ik je nummer?", reply_markup=markup)

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact
        await message.answer(
            f"Nummer {message.contact.phone_number} van {message.contact.user_id}"
        )

    @router.message(F.photo)
    async def photo(message: Message) -> None:
        await message.answer(f"foto in {len(message.photo or [])} maten: {message.caption}")

    @router.message(F.sticker)
    async def sticker(message: Message) -> None:
        await message.answer(f"sticker {message.sticker and message.sticker.emoji}")

    @router.message(F.location)
    async def location(message: Message) -> None:
        await message.answer(f"locatie {message.location and message.location.latitude}")

    @router.message(F.text == "flaky")
    async def flaky(message: Message) -> None:
        try:
            await message.answer("eindelijk")
        except TelegramServerError:
            await message.answer("eindelijk")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


@pytest.fixture
async def live(emu: BotApiEmulator, bot: Bot, run_polling: Callable[..., Any]) -> Any:
    async with run_polling(build_dispatcher(), bot):
        yield emu


async def test_two_people_press_buttons_at_once(live: BotApiEmulator) -> None:
    wim, ans = live.user(first_name="Wim"), live.user(first_name="Ans", language_code="nl")
    await asyncio.gather(wim.send_command("start", "x"), ans.send_command("start", "y"))
    assert wim.texts == ["Hallo Wim (x)"] and ans.texts == ["Hallo Ans (y)"]
    assert wim.last.buttons == [["Ja"], ["Nee"], ["Website"]]

    await asyncio.gather(wim.press("Ja"), ans.press("Ne", contains=True))
    assert wim.callback_answers == ["Gekozen: Ja"] and not wim.callback_answers[0].show_alert
    assert wim.texts == ["Je koos Ja"] and ans.texts == ["Je koos Nee"]
    assert wim.last.edited and wim.last.buttons == []
    assert [c.status for c in live.calls_to("answerCallbackQuery")] == [200, 200]

    with pytest.raises(AssertionError, match="no button 'Misschien'"):
        await wim.press("Misschien")
    await wim.send_command("start")
    with pytest.raises(AssertionError, match="not a callback button"):
        await wim.press("Website")


async def test_reply_keyboard_contact_and_media(live: BotApiEmulator) -> None:
    wim = live.user(first_name="Wim")
    await wim.send_text("Deel")
    assert wim.reply_keyboard == [["Deel mijn nummer"], ["Liever niet"]]
    await wim.press("Deel mijn nummer")
    assert wim.last.text == f"Nummer +31600000000 van {wim.id}"
    await wim.send_contact("+31611111111", first_name="Oma", user_id=None)
    assert wim.last.text == "Nummer +31611111111 van None"
    await wim.press("Liever niet")
    assert wim.last.text == "echo: Liever niet"
    await wim.send_photo(caption="kijk")
    assert wim.last.text == "foto in 3 maten: kijk"
    await wim.send_sticker()
    assert wim.last.text == "sticker 👍"
    await wim.send_location(52.37, 4.9)
    assert wim.last.text == "locatie 52.37"


async def test_wait_for_and_hooks(live: BotApiEmulator) -> None:
    seen: list[tuple[int, str | None]] = []
    live.on_bot_message.append(lambda chat_id, msg: seen.append((chat_id, msg.text)))
    wim = live.user(first_name="Wim")
    update_id = await wim.send_text("hallo", wait=False)
    message = await wim.wait_for("echo: hallo")
    assert isinstance(message, BotMessage) and message.kind == "text"
    await live.wait_confirmed(update_id)
    await wim.send_text("nog eens", wait=False)
    again = await wim.wait_for(lambda m: m.text == "echo: nog eens", new_only=True)
    assert again.message_id > message.message_id
    assert seen == [(wim.id, "echo: hallo"), (wim.id, "echo: nog eens")]
    with pytest.raises(TimeoutError, match="no bot message matching"):
        await wim.wait_for("nooit", timeout=0.05)


async def test_server_error_then_retry(live: BotApiEmulator) -> None:
    wim = live.user(first_name="Wim")
    live.fail_next(1, error_code=502, chat_id=wim.id)
    await wim.send_text("flaky")
    assert wim.texts == ["eindelijk"]
    assert [c.status for c in live.calls_to("sendMessage")] == [502, 200]


async def test_settle_covers_bots_that_handle_updates_in_tasks(
    emu: BotApiEmulator, bot: Bot
) -> None:
    # With handle_as_tasks=True the next getUpdates (the confirmation) precedes the reply.
    emu.settle = 0.03
    dp = build_dispatcher()
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=5)
    )
    try:
        wim = emu.user(first_name="Wim")
        await wim.send_text("snel")
        assert wim.texts == ["echo: snel"]
    finally:
        await dp.stop_polling()
        await task
