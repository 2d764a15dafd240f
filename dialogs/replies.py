"""Replies wait for the commit.

A handler does not send: it hands each reply, as the unawaited aiogram method object
(`message.answer(...)`, `callback.answer(...)`, `edit_in_place(message, ...)`), to the
update's `Replies`. The update processor commits the update's unit of work first and sends
them afterwards, in order. So nobody reads "Saved ✓" for something that was not stored (if the
commit fails, the replies are dropped and an apology goes out instead), and no database
transaction, with SQLite's write lock, stays open while Telegram answers.

Handlers get it as the `replies` argument (the processor passes it into aiogram's handler data).
While an update is handled, `NoMessageBeforeCommit` on the bot's session refuses any message
sent directly, so a handler that forgets fails in the tests, not in a family's chat."""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class Replies:
    """The replies of one update, in the order the handlers gave them."""

    def __init__(self) -> None:
        self._methods: list[TelegramMethod[Any]] = []

    def send(self, method: TelegramMethod[Any]) -> None:
        """Send `method` once the update is committed."""
        self._methods.append(method)

    def __iter__(self) -> Iterator[TelegramMethod[Any]]:
        return iter(self._methods)

    def __len__(self) -> int:
        return len(self._methods)


handling: ContextVar[bool] = ContextVar("kring_handling_update", default=False)

# Methods that put something in front of a person; reading (getMe, getFile) and the command
# menu may happen while an update is handled.
_MESSAGE_METHODS = ("Send", "Edit", "Answer", "Delete", "Copy", "Forward", "Pin", "Unpin")


class MessageBeforeCommit(RuntimeError):
    """A handler sent a message itself instead of handing it to `Replies`."""


class NoMessageBeforeCommit(BaseRequestMiddleware):
    """Refuses a message sent while an update is being handled (see the module's docstring)."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if handling.get() and type(method).__name__.startswith(_MESSAGE_METHODS):
            raise MessageBeforeCommit(
                f"{type(method).__name__} sent before the commit: hand it to `replies.send`"
            )
        return await make_request(bot, method)
