from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    WebAppInfo,
)
from aiogram.utils.web_app import safe_parse_webapp_init_data

from emulator import BotApiEmulator

TOKEN = "123456:TEST"  # the token the conftest registers


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=label, callback_data=f"cb:{label}")] for label in labels]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def started(emu: BotApiEmulator, name: str = "Wim") -> object:
    person = emu.user(first_name=name, language_code="nl")
    await person.send_text("/start", wait=False)
    return person


async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (
        123456,
        "kring_test_bot",
        "kring",
        True,
    )


async def test_unknown_token_and_method(emu: BotApiEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.base_url}/bot999:NOPE/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{emu.base_url}/bot{TOKEN}/fooBar") as resp:
            assert resp.status == 404
            assert (await resp.json())["description"] == "Not Found"
        async with http.get(f"{emu.base_url}/bot{TOKEN}/GETME") as resp:  # case-insensitive
            assert (await resp.json())["result"]["username"] == "kring_test_bot"


async def test_send_message_html(emu: BotApiEmulator, bot: Bot) -> None:
    wim = await started(emu)
    sent = await bot.send_message(wim.id, "<b>Hallo</b> &amp; <i>welkom</i>")
    assert sent.text == "Hallo & welkom"
    assert sent.from_user and sent.from_user.is_bot
    assert [e.type for e in sent.entities or []] == ["bold", "italic"]
    assert wim.last.text == "Hallo & welkom"
    assert wim.last.kind == "text"

    for bad, reason in [("<b>open", "Can't find end tag"), ("<p>x</p>", 'start tag "p"')]:
        with pytest.raises(TelegramBadRequest, match="can't parse entities") as caught:
            await bot.send_message(wim.id, bad)
        assert reason in caught.value.message
    assert wim.texts == ["Hallo & welkom"]
    assert emu.calls[-1].status == 400 and emu.calls[-1].method == "sendMessage"


async def test_text_length_limits(emu: BotApiEmulator, bot: Bot) -> None:
    wim = await started(emu)
    await bot.send_message(wim.id, "x" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(wim.id, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(wim.id, "<b></b>")
    assert len(wim.messages) == 1


async def test_callback_data_limit(emu: BotApiEmulator, bot: Bot) -> None:
    wim = await started(emu)
    button = InlineKeyboardButton(text="Ja", callback_data="x" * 65)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            wim.id, "Vraag", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
        )
    await bot.send_message(wim.id, "Vraag", reply_markup=keyboard("Ja", "Nee"))
    assert wim.last.buttons == [["Ja"], ["Nee"]]
    assert wim.last.callback_data("Nee") == "cb:Nee"


async def test_a_mini_app_opens_over_https_with_init_data_signed_by_the_bot(
    emu: BotApiEmulator, bot: Bot
) -> None:
    wim = await started(emu)
    plain = InlineKeyboardButton(text="Open", web_app=WebAppInfo(url="http://kring.test/c"))
    with pytest.raises(TelegramBadRequest, match="BUTTON_TYPE_INVALID"):
        await bot.send_message(
            wim.id, "Cockpit", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[plain]])
        )
    button = InlineKeyboardButton(text="Open", web_app=WebAppInfo(url="https://kring.test/c/7"))
    await bot.send_message(
        wim.id, "Cockpit", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
    )
    opened = wim.open_web_app("Open")
    address, fragment = opened.split("#", 1)
    assert address == "https://kring.test/c/7"
    launch = dict(parse_qsl(fragment))
    data = safe_parse_webapp_init_data(TOKEN, launch["tgWebAppData"])
    assert data.user is not None and (data.user.id, data.user.first_name) == (wim.id, "Wim")
    assert data.auth_date.timestamp() == emu.now()
    with pytest.raises(ValueError):
        safe_parse_webapp_init_data("654321:OTHER", launch["tgWebAppData"])


async def test_edit_and_delete(emu: BotApiEmulator, bot: Bot) -> None:
    wim = await started(emu)
    sent = await bot.send_message(wim.id, "Eerst", reply_markup=keyboard("A"))
    edited = await bot.edit_message_text("Daarna", chat_id=wim.id, message_id=sent.message_id)
    assert edited.text == "Daarna" and edited.edit_date is not None
    assert wim.last.text == "Daarna" and wim.last.edited
    assert wim.last.buttons == []  # no reply_markup in the edit removes the keyboard
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Daarna", chat_id=wim.id, message_id=sent.message_id)
    await bot.edit_message_reply_markup(
        chat_id=wim.id, message_id=sent.message_id, reply_markup=keyboard("B")
    )
    assert wim.last.buttons == [["B"]]
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=wim.id, message_id=999)

    assert await bot.delete_message(wim.id, sent.message_id)
    assert wim.messages == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(wim.id, sent.message_id)


async def test_unreachable_users(emu: BotApiEmulator, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(42, "hoi")
    silent = emu.user(first_name="Stil")
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(silent.id, "hoi")
    wim = await started(emu)
    wim.block()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(wim.id, "hoi")
    wim.unblock()
    await bot.send_message(wim.id, "weer hier")
    assert wim.texts == ["weer hier"]
    assert emu.calls_to("sendMessage", ok=False)[-1].status == 403


async def test_rate_limits(emu: BotApiEmulator, bot: Bot) -> None:
    wim = await started(emu)
    emu.set_limits(per_chat_per_second=2, retry_after=3)
    await bot.send_message(wim.id, "1")
    await bot.send_message(wim.id, "2")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(wim.id, "3")
    assert caught.value.retry_after == 3
    assert wim.texts == ["1", "2"]  # the refused request had no effect
    await bot.send_chat_action(wim.id, "typing")  # not a send
    call = emu.calls_to("sendMessage")[-1]
    assert (call.status, call.retry_after) == (429, 3)
    assert call.description == "Too Many Requests: retry after 3"
    emu.set_limits()
    await bot.send_message(wim.id, "3")


async def test_fail_next(emu: BotApiEmulator, bot: Bot) -> None:
    wim = await started(emu)
    emu.fail_next(1, error_code=429, retry_after=7, chat_id=wim.id)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(wim.id, "a")
    assert caught.value.retry_after == 7
    emu.fail_next(1, error_code=500)
    with pytest.raises(TelegramServerError):
        await bot.send_message(wim.id, "a")
    await bot.send_message(wim.id, "a")
    assert wim.texts == ["a"]
    assert [c.status for c in emu.calls_to("sendMessage")] == [429, 500, 200]


async def test_send_document_multipart(emu: BotApiEmulator, bot: Bot) -> None:
    wim = await started(emu)
    upload = BufferedInputFile(b"%PDF-1.4 fake", filename="verslag.pdf")
    sent = await bot.send_document(wim.id, upload, caption="<b>Het</b> verslag")
    assert sent.document and sent.document.file_name == "verslag.pdf"
    assert sent.document.mime_type == "application/pdf"
    assert sent.caption == "Het verslag"
    doc = wim.last.document
    assert doc and (doc.filename, doc.data) == ("verslag.pdf", b"%PDF-1.4 fake")
    assert wim.last.kind == "document" and wim.last.text == "Het verslag"
    again = await bot.send_document(wim.id, sent.document.file_id)  # re-send by file_id
    assert again.document and again.document.file_name == "verslag.pdf"
    photo = await bot.send_photo(wim.id, BufferedInputFile(b"jpeg", filename="p.jpg"))
    assert photo.photo and wim.last.kind == "photo" and wim.last.photo == b"jpeg"
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path and (await bot.download_file(file.file_path)).read() == b"%PDF-1.4 fake"


async def test_location_and_venue(emu: BotApiEmulator, bot: Bot) -> None:
    wim = await started(emu)
    await bot.send_location(wim.id, 52.1, 5.1)
    assert wim.last.kind == "location" and wim.last.location == (52.1, 5.1)
    venue = await bot.send_venue(wim.id, 52.2, 5.2, "Buurthuis", "Dorpsstraat 1")
    assert venue.venue and venue.venue.title == "Buurthuis"
    assert wim.last.kind == "venue" and wim.last.venue["address"] == "Dorpsstraat 1"


async def test_reply_keyboard_is_remembered(emu: BotApiEmulator, bot: Bot) -> None:
    wim = await started(emu)
    markup = ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text="Deel nummer", request_contact=True)],
            [KeyboardButton(text="Nee")],
        ]
    )
    sent = await bot.send_message(wim.id, "Nummer?", reply_markup=markup)
    assert sent.reply_markup is None  # only inline keyboards come back on the Message
    assert wim.reply_keyboard == [["Deel nummer"], ["Nee"]]
    await bot.send_message(wim.id, "Dank", reply_markup=ReplyKeyboardRemove())
    assert wim.reply_keyboard is None


async def test_commands_per_scope_and_language(bot: Bot) -> None:
    await bot.set_my_commands(
        [BotCommand(command="start", description="Begin")], language_code="nl"
    )
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(
        [BotCommand(command="help", description="Hulp")], scope=private, language_code="nl"
    )
    assert [c.description for c in await bot.get_my_commands(language_code="nl")] == ["Begin"]
    assert [c.description for c in await bot.get_my_commands()] == ["Start"]
    assert [c.command for c in await bot.get_my_commands(scope=private, language_code="nl")] == [
        "help"
    ]
    assert await bot.get_my_commands(language_code="de") == []
    await bot.delete_my_commands(language_code="nl")
    assert await bot.get_my_commands(language_code="nl") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Not Valid", description="x")])


async def test_raw_json_form_and_query_parameters(emu: BotApiEmulator) -> None:
    wim = await started(emu)
    url = f"{emu.base_url}/bot{TOKEN}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "Ok", "callback_data": "ok"}]]}
    async with aiohttp.ClientSession() as http:
        body = {"chat_id": str(wim.id), "text": "json", "reply_markup": markup}
        async with http.post(url, json=body) as resp:
            assert (await resp.json())["result"]["reply_markup"] == markup
        form = {"chat_id": str(wim.id), "text": "form", "reply_markup": json.dumps(markup)}
        async with http.post(url, data=form) as resp:
            assert resp.status == 200
        async with http.get(url, params={"chat_id": wim.id, "text": "query"}) as resp:
            assert resp.status == 200
        async with http.post(
            url, data={"chat_id": wim.id, "text": "x", "reply_markup": "{"}
        ) as resp:
            assert resp.status == 400
            assert (
                "can't parse reply keyboard markup JSON object"
                in (await resp.json())["description"]
            )
        headers = {"Content-Type": "application/json"}
        async with http.post(url, data=b"{not json", headers=headers) as resp:
            assert resp.status == 400
        async with http.post(url, json={"chat_id": wim.id, "text": 5, "reply_markup": 7}) as resp:
            assert resp.status == 400
    assert wim.texts == ["json", "form", "query"]
    assert emu.calls_to("sendMessage")[0].params["chat_id"] == wim.id  # normalised to int


async def test_get_updates_offset_confirms_and_unblocks_sender(
    emu: BotApiEmulator, bot: Bot
) -> None:
    wim = emu.user(first_name="Wim")
    sending = asyncio.create_task(wim.send_text("Hallo"))
    updates = await bot.get_updates(timeout=1)
    assert [u.message.text for u in updates if u.message] == ["Hallo"]
    assert updates[0].message and updates[0].message.from_user
    assert updates[0].message.from_user.language_code == "en"
    await asyncio.sleep(0.05)
    assert not sending.done()  # delivered but not yet confirmed
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == []
    assert await asyncio.wait_for(sending, 1) == updates[0].update_id

    # a long poll returns as soon as an update arrives
    polling = asyncio.create_task(bot.get_updates(offset=updates[0].update_id + 1, timeout=5))
    await asyncio.sleep(0.05)
    update_id = await wim.send_command("start", args="abc", wait=False)
    fresh = await asyncio.wait_for(polling, 1)
    assert fresh[0].update_id == update_id and fresh[0].message
    assert fresh[0].message.text == "/start abc"
    assert fresh[0].message.entities and fresh[0].message.entities[0].type == "bot_command"
    with pytest.raises(TimeoutError, match="was not confirmed"):
        await emu.wait_confirmed(update_id, timeout=0.05)


async def test_callback_query_answers(emu: BotApiEmulator, bot: Bot) -> None:
    wim = await started(emu)
    await bot.send_message(wim.id, "Kies", reply_markup=keyboard("Ja"))
    update_id = await wim.press("Ja", wait=False)
    (update,) = await bot.get_updates(offset=update_id, timeout=0)
    query = update.callback_query
    assert query and query.data == "cb:Ja" and query.message and query.message.text == "Kies"
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query.id, text="x" * 201)
    assert await bot.answer_callback_query(query.id, text="Top", show_alert=True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("12345")
    assert wim.callback_answers == ["Top"] and wim.callback_answers[0].show_alert


async def test_newer_poll_terminates_older_and_allowed_updates(
    emu: BotApiEmulator, bot: Bot
) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert await bot.get_updates(timeout=0, allowed_updates=["message"]) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(older, 1)
    wim = await started(emu)
    (start,) = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=start.update_id + 1, timeout=0)
    wim.block()  # my_chat_member is not in allowed_updates: dropped, so already confirmed
    await emu.wait_confirmed(emu.bot().last_update_id, timeout=0.1)
    await bot.get_updates(timeout=0, allowed_updates=[])  # [] = the default set
    wim.unblock()
    (member,) = await bot.get_updates(timeout=0)
    assert member.my_chat_member and member.my_chat_member.new_chat_member.status == "member"


async def test_second_bot_and_person_bound_to_it(emu: BotApiEmulator) -> None:
    other = emu.add_bot(token="777:OTHER", username="other_bot", first_name="Other")
    wim = emu.user(first_name="Wim", bot=other.token)
    await wim.send_text("hoi", wait=False)
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    async with Bot(other.token, session=session) as bot2:
        (update,) = await bot2.get_updates(timeout=0)
        assert update.message and update.message.text == "hoi"
        sent = await bot2.send_message(wim.id, "van de andere bot")
        assert sent.from_user and sent.from_user.username == "other_bot"
    assert wim.texts == ["van de andere bot"]
    assert emu.bot().pending == {}  # the first bot saw nothing
