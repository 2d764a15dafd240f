from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, Message, TelegramObject, Update, User

from conference.model.ids import PersonId
from conference.ports import UnitOfWork
from conference.requests import identify, recognise
from conference.typed import plain


class ActorMiddleware(BaseMiddleware):
    """Who is acting: the person behind a private-chat update, created when they first write.
    Group chats are never stored (the groups dialog leaves them)."""

    def __init__(self, shipped_locales: Sequence[str], default_locale: str) -> None:
        self.shipped = tuple(shipped_locales)
        self.default = default_locale

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        uow: UnitOfWork = data["uow"]
        private = chat is None or chat.type == "private"
        if user is not None and not user.is_bot and private:
            # a person is stored when they write; a button alone stores no stranger
            wrote = isinstance(event, Update) and event.message is not None
            data["person"] = await (identify if wrote else recognise)(
                uow,
                PersonId(user.id),
                user.first_name or "",
                user.language_code,
                self.shipped,
                self.default,
            )
        return await handler(event, data)


class TypedTextMiddleware(BaseMiddleware):
    """Every message a person types reaches the handlers without invisible steering
    characters (conference/typed.py), whatever flow it is for: one door for all of them."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Message):
            typed = {"text": event.text, "caption": event.caption}
            cleaned = {field: plain(value) for field, value in typed.items() if value}
            changed = {field: value for field, value in cleaned.items() if value != typed[field]}
            if changed:
                event = event.model_copy(update=changed)
        return await handler(event, data)
