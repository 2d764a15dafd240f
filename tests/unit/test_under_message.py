"""A button's message reaches the handler as it came: a `Message`, or an `InaccessibleMessage`
(old or deleted), which it can still edit in place by chat and message id."""

from __future__ import annotations

from aiogram.methods import EditMessageReplyMarkup, EditMessageText
from aiogram.types import CallbackQuery, InaccessibleMessage, Message

from dialogs.filters import UnderMessage
from dialogs.in_place import buttons_in_place, edit_in_place

WIM = {"id": 7, "is_bot": False, "first_name": "Wim"}
CHAT = {"id": 7, "type": "private", "first_name": "Wim"}


def press(message: dict[str, object] | None) -> CallbackQuery:
    data: dict[str, object] = {"id": "1", "from": WIM, "chat_instance": "c", "data": "pl:1:menu:0"}
    if message is not None:
        data["message"] = message
    return CallbackQuery.model_validate(data)


async def test_a_button_under_a_message_gets_that_message():
    callback = press({"message_id": 5, "date": 1, "chat": CHAT, "text": "Het plan"})
    found = await UnderMessage()(callback)
    assert isinstance(found, dict) and isinstance(found["message"], Message)
    assert found["message"].message_id == 5


async def test_a_button_under_an_old_message_gets_it_as_inaccessible_and_edits_it_in_place():
    callback = press({"message_id": 5, "date": 0, "chat": CHAT})  # InaccessibleMessage
    found = await UnderMessage()(callback)
    assert isinstance(found, dict) and isinstance(found["message"], InaccessibleMessage)
    edit = edit_in_place(found["message"], "Opgeslagen ✓")
    assert isinstance(edit, EditMessageText)
    assert (edit.chat_id, edit.message_id, edit.text, edit.reply_markup) == (
        7,
        5,
        "Opgeslagen ✓",
        None,
    )
    keyboard = buttons_in_place(found["message"])
    assert isinstance(keyboard, EditMessageReplyMarkup)
    assert (keyboard.chat_id, keyboard.message_id, keyboard.reply_markup) == (7, 5, None)


async def test_a_button_under_an_inline_message_is_refused():
    assert await UnderMessage()(press(None)) is False
