"""kring works in private chats only: it leaves any group it is added to, storing nothing."""

from __future__ import annotations

from aiogram import Router
from aiogram.methods import LeaveChat
from aiogram.types import ChatMemberUpdated, Message

from dialogs.filters import PrivateChat
from dialogs.replies import Replies


async def added(event: ChatMemberUpdated, replies: Replies) -> None:
    if event.new_chat_member.status in ("member", "administrator"):
        replies.send(LeaveChat(chat_id=event.chat.id))


async def group_message(message: Message, replies: Replies) -> None:
    replies.send(LeaveChat(chat_id=message.chat.id))


def router() -> Router:
    r = Router(name="groups")
    r.message.filter(~PrivateChat())
    r.my_chat_member.filter(~PrivateChat())
    r.my_chat_member.register(added)
    r.message.register(group_message)
    return r
