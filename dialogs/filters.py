"""Filters as coroutines: aiogram runs a plain (sync) filter, magic F-filters included, in a
worker thread on every check (asyncio.to_thread), which costs more than the check itself."""

from __future__ import annotations

from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

Event = Message | CallbackQuery | ChatMemberUpdated


def _chat_type(event: Event) -> str | None:
    if isinstance(event, CallbackQuery):
        message = event.message
        return message.chat.type if message is not None else None
    return event.chat.type


async def private_chat(event: Event) -> bool:
    return _chat_type(event) in ("private", None)


async def group_chat(event: Event) -> bool:
    return not await private_chat(event)


async def has_text(message: Message) -> bool:
    return message.text is not None


async def has_contact(message: Message) -> bool:
    return message.contact is not None
