"""The session's lean reading of Telegram's answers (bot/sender.py)."""

from __future__ import annotations

import orjson
from aiogram import Bot, methods
from aiogram.types import Message, Update

from bot.sender import JsonSession

BOT_USER = {"id": 1, "is_bot": True, "first_name": "kring"}
WIM = {"id": 7, "is_bot": False, "first_name": "Wim", "language_code": "nl"}
CHAT = {"id": 7, "type": "private", "first_name": "Wim"}
KEYBOARD = {"inline_keyboard": [[{"text": "Ja", "callback_data": "a:consent:yes"}]]}
BOLD = [{"type": "bold", "offset": 0, "length": 4}]


def answer(result: object) -> str:
    return orjson.dumps({"ok": True, "result": result}).decode()


def test_a_button_press_is_read_without_the_bots_own_echo_and_kept_as_sent():
    session = JsonSession()
    bot = Bot("123456:abc", session=session)
    press = {"update_id": 5, "callback_query": {
        "id": "9", "from": WIM, "chat_instance": "1", "data": "a:consent:yes",
        "message": {"message_id": 3, "date": 0, "chat": CHAT, "from": BOT_USER,
                    "text": "Stap 1", "entities": BOLD, "reply_markup": KEYBOARD}}}
    typed = {"update_id": 6, "message": {"message_id": 4, "date": 0, "chat": CHAT, "from": WIM,
                                         "text": "/apply", "entities": [
                                             {"type": "bot_command", "offset": 0, "length": 6}]}}
    updates = session.check_response(bot, methods.GetUpdates(), 200,
                                     answer([press, typed])).result
    assert updates is not None
    query = updates[0].callback_query
    assert query is not None and query.data == "a:consent:yes"
    assert query.message is not None and query.message.reply_markup is None
    assert updates[1].message is not None and updates[1].message.entities  # a person's: kept
    # the inbox gets each update as it came (less the echo), and it reads back the same
    raw = session.raw_updates
    assert set(raw) == {5, 6} and "reply_markup" not in raw[5]
    assert Update.model_validate_json(raw[6], context={"bot": bot}) == updates[1]
    assert Update.model_validate_json(raw[5], context={"bot": bot}).callback_query == query


def test_a_sent_message_is_read_without_its_keyboard_and_keeps_what_is_read():
    session = JsonSession()
    bot = Bot("123456:abc", session=session)
    sent = {"message_id": 8, "date": 0, "chat": CHAT, "from": BOT_USER, "text": "Stap 2",
            "entities": BOLD, "reply_markup": KEYBOARD}
    message = session.check_response(bot, methods.SendMessage(chat_id=7, text="Stap 2"), 200,
                                      answer(sent)).result
    assert isinstance(message, Message)
    assert message.message_id == 8 and message.reply_markup is None and message.entities is None


def aiogram_body(session: JsonSession, bot: Bot, method: methods.TelegramMethod) -> dict:
    """What aiogram's own prepare_value makes of a method (the form fields, unencoded)."""
    files: dict = {}
    values = {}
    for key, value in method.model_dump(warnings=False).items():
        prepared = session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared is not None and prepared != "":
            values[key] = prepared
    return values


def test_a_request_body_is_what_aiogram_would_send():
    from datetime import UTC, datetime

    from aiogram.client.default import DefaultBotProperties
    from aiogram.types import (
        BotCommand,
        BotCommandScopeChat,
        BufferedInputFile,
        InlineKeyboardButton,
        InlineKeyboardMarkup,
        KeyboardButton,
        LinkPreviewOptions,
        ReplyKeyboardMarkup,
        ReplyParameters,
    )

    session = JsonSession()
    bot = Bot("123456:abc", session=session, default=DefaultBotProperties(
        parse_mode="HTML", protect_content=True,
        link_preview=LinkPreviewOptions(is_disabled=True)))
    keyboard = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text="Ja ✓", callback_data="a:consent:yes")],
        [InlineKeyboardButton(text="Meer", url="https://example.org/ek")]])
    corpus = [
        methods.SendMessage(chat_id=7, text="<b>Hallo</b> Wim", reply_markup=keyboard),
        methods.SendMessage(chat_id=7, text="Deel je nummer", reply_markup=ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="📱 Nummer", request_contact=True)]],
            resize_keyboard=True, one_time_keyboard=True),
            reply_parameters=ReplyParameters(message_id=3)),
        methods.SendMessage(chat_id=7, text="Zonder opmaak", parse_mode=None,
                            disable_notification=False),
        methods.EditMessageText(chat_id=7, message_id=3, text="Stap 2", reply_markup=keyboard),
        methods.EditMessageReplyMarkup(chat_id=7, message_id=3),
        methods.AnswerCallbackQuery(callback_query_id="9", text="Opgeslagen ✓"),
        methods.SendVenue(chat_id=7, latitude=52.09, longitude=5.12, title="Buurthuis",
                          address="Kerkstraat 1"),
        methods.SetMyCommands(commands=[BotCommand(command="help", description="Hulp")],
                              scope=BotCommandScopeChat(chat_id=7), language_code="nl"),
        methods.GetUpdates(offset=5, timeout=25, allowed_updates=["message"]),
    ]
    for method in corpus:
        body = session._json_body(bot, method)
        assert body is not None
        assert orjson.loads(body) == aiogram_body(session, bot, method), method
    # dates go as Unix time (aiogram: the same number, as a string)
    until = datetime(2027, 7, 2, 8, 0, tzinfo=UTC)
    ban = methods.BanChatMember(chat_id=-100, user_id=7, until_date=until)
    assert orjson.loads(session._json_body(bot, ban) or b"") == {
        "chat_id": -100, "user_id": 7, "until_date": int(until.timestamp())}
    # a file means a multipart form instead (aiohttp's path)
    upload = methods.SendDocument(chat_id=7, document=BufferedInputFile(b"x", "ek.ics"))
    assert session._json_body(bot, upload) is None
