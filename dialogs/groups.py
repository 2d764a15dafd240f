"""kring works in private chats only: it leaves any group it is added to, storing nothing."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import ChatMemberUpdated, Message

from dialogs.filters import PrivateChat


def router() -> Router:
    r = Router(name="groups")
    r.message.filter(~PrivateChat())
    r.my_chat_member.filter(~PrivateChat())

    @r.my_chat_member()
    async def added(event: ChatMemberUpdated, bot: Bot) -> None:
        if event.new_chat_member.status in ("member", "administrator"):
            await bot.leave_chat(event.chat.id)

    @r.message()
    async def group_message(message: Message, bot: Bot) -> None:
        await bot.leave_chat(message.chat.id)

    return r
