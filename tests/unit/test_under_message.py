"""A button whose message is gone (Telegram sends an InaccessibleMessage) reaches no handler
that would answer or edit that message."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from dialogs.filters import UnderMessage

WIM = {"id": 7, "is_bot": False, "first_name": "Wim"}
CHAT = {"id": 7, "type": "private", "first_name": "Wim"}


def press(message: dict[str, object]) -> CallbackQuery:
    return CallbackQuery.model_validate(
        {"id": "1", "from": WIM, "chat_instance": "c", "data": "pl:1:menu:0", "message": message}
    )


async def test_a_button_under_a_message_gets_that_message():
    callback = press({"message_id": 5, "date": 1, "chat": CHAT, "text": "Het plan"})
    found = await UnderMessage()(callback)
    assert isinstance(found, dict) and isinstance(found["message"], Message)
    assert found["message"].message_id == 5


async def test_a_button_under_a_message_that_is_gone_is_refused():
    callback = press({"message_id": 5, "date": 0, "chat": CHAT})  # InaccessibleMessage
    assert await UnderMessage()(callback) is False
