"""Telegram tells us when a person blocks or unblocks the bot in their private chat."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import ChatMemberUpdated

from conference.model.ids import PersonId
from conference.ports import UnitOfWork
from conference.requests import mark_reachable, mark_unreachable
from dialogs.filters import PrivateChat


async def changed(event: ChatMemberUpdated, uow: UnitOfWork) -> None:
    person = PersonId(event.chat.id)
    if event.new_chat_member.status == "kicked":
        await mark_unreachable(uow, person)
    elif event.new_chat_member.status == "member":
        await mark_reachable(uow, person)


def router() -> Router:
    r = Router(name="membership")
    r.my_chat_member.filter(PrivateChat())
    r.my_chat_member.register(changed)
    return r
