"""kring works in private chats only: it leaves any group it is added to, storing nothing, and
a button pressed under a message in a group gets a short answer, never a private flow."""

from __future__ import annotations

from aiogram import Router
from aiogram.methods import LeaveChat
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.utils.i18n import gettext as _

from dialogs.filters import PrivateChat
from dialogs.replies import Replies


async def added(event: ChatMemberUpdated, replies: Replies) -> None:
    if event.new_chat_member.status in ("member", "administrator"):
        replies.send(LeaveChat(chat_id=event.chat.id))


async def group_message(message: Message, replies: Replies) -> None:
    replies.send(LeaveChat(chat_id=message.chat.id))


async def group_button(callback: CallbackQuery, replies: Replies) -> None:
    replies.send(callback.answer(_("kring werkt alleen in een privégesprek met de bot.")))
    if callback.message is not None:
        replies.send(LeaveChat(chat_id=callback.message.chat.id))


def router() -> Router:
    r = Router(name="groups")
    r.message.filter(~PrivateChat())
    r.my_chat_member.filter(~PrivateChat())
    r.callback_query.filter(~PrivateChat())
    r.callback_query.register(group_button)
    r.my_chat_member.register(added)
    r.message.register(group_message)
    return r
