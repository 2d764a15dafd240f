"""Private chats only: the bot leaves any group it is added to, and answers nobody there."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import AnswerCallbackQuery, LeaveChat, TelegramMethod
from aiogram.types import Update

from bot.config import LOCALES_DIR
from bot.i18n import CatalogI18n
from dialogs import build_router
from dialogs.filters import PrivateChat
from dialogs.replies import Replies

WIM = {"id": 7, "is_bot": False, "first_name": "Wim", "language_code": "nl"}
GROUP = {"id": -100, "type": "group", "title": "Familie"}
PRIVATE = {"id": 7, "type": "private", "first_name": "Wim"}


class Recorder(BaseSession):
    """Telegram answering True to everything, keeping the methods called."""

    def __init__(self) -> None:
        super().__init__()
        self.called: list[TelegramMethod[Any]] = []

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> Any:
        self.called.append(method)
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    async def close(self) -> None:
        pass


def message(chat: dict[str, Any], text: str = "Hallo") -> Update:
    return Update.model_validate(
        {
            "update_id": 1,
            "message": {"message_id": 1, "date": 0, "chat": chat, "from": WIM, "text": text},
        }
    )


async def test_a_message_in_a_group_makes_the_bot_leave_and_nothing_else():
    session = Recorder()
    dispatcher = Dispatcher()
    dispatcher.include_router(build_router())
    replies = Replies()
    await dispatcher.feed_update(
        Bot("123456:abc", session=session), message(GROUP, "/start"), replies=replies
    )
    assert session.called == []  # the update processor sends it, after the commit
    [left] = replies
    assert isinstance(left, LeaveChat) and left.chat_id == GROUP["id"]


async def test_private_chat_filter():
    assert await PrivateChat()(message(PRIVATE).message)
    assert not await PrivateChat()(message(GROUP).message)
    inline = Update.model_validate(
        {
            "update_id": 2,
            "callback_query": {"id": "1", "from": WIM, "chat_instance": "1", "data": "x"},
        }
    ).callback_query
    assert await PrivateChat()(inline)  # a button under an inline message has no chat


async def test_a_button_under_a_message_in_a_group_reaches_no_private_flow():
    """ "Een conferentie aanvragen" pressed under a message in a group: a short answer, the bot
    leaves, and no intake is written into the group."""
    session = Recorder()
    dispatcher = Dispatcher()
    dispatcher.include_router(build_router())
    replies = Replies()
    press = Update.model_validate(
        {
            "update_id": 3,
            "callback_query": {
                "id": "9",
                "from": WIM,
                "chat_instance": "1",
                "data": "m:apply",
                "message": {"message_id": 5, "date": 0, "chat": GROUP, "text": "Hallo"},
            },
        }
    )
    i18n = CatalogI18n(path=LOCALES_DIR, default_locale="nl")
    with i18n.context(), i18n.use_locale("nl"):
        await dispatcher.feed_update(Bot("123456:abc", session=session), press, replies=replies)
    answer, left = replies
    assert isinstance(answer, AnswerCallbackQuery) and "privégesprek" in (answer.text or "")
    assert isinstance(left, LeaveChat) and left.chat_id == GROUP["id"]
