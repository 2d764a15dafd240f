"""Filters as coroutines: aiogram runs a plain (sync) filter, magic F-filters included, in a
worker thread on every check (asyncio.to_thread), which costs more than the check itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
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


def checked_in_place(root: Router) -> Router:
    """The filters that are still plain functions (a `State` given as a filter, as in
    `@r.message(Intake.contact)`, is one; so is an `F` magic filter) run in place instead of in
    a worker thread: they only compare a few values. For every router under `root`."""
    for router in root.chain_tail:
        for observer in router.observers.values():
            # _handler holds the router-level filters (`r.message.filter(...)`)
            for handler in (observer._handler, *observer.handlers):
                for check in handler.filters or ():
                    if not check.awaitable:
                        check.callback = _as_coroutine(check.callback)
                        check.awaitable = True
    return root


def _as_coroutine(function: Callable[..., Any]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return call
