"""kring's own filters, as aiogram documents them: `Filter` subclasses with an async `__call__`
(aiogram runs a plain function or an `F` magic filter in a worker thread on every check)."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message


class PrivateChat(Filter):
    """A private chat, or an update without a chat (a button under an inline message)."""

    async def __call__(self, event: Message | CallbackQuery | ChatMemberUpdated) -> bool:
        if isinstance(event, CallbackQuery):
            return event.message is None or event.message.chat.type == "private"
        return event.chat.type == "private"


class HasText(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.text is not None


class HasContact(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.contact is not None


class TypedWords(Filter):
    """Text that is not a command (a command in the middle goes to its own handler)."""

    async def __call__(self, message: Message) -> bool:
        return bool(message.text) and not (message.text or "").startswith("/")
