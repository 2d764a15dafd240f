"""The message a button sits under, changed in place.

Telegram hands a button press's message as an `InaccessibleMessage` (chat, message id, no text)
once the message is older than about 48 hours, or deleted; relatives answer an invitation days
later. A bot may still edit its own message then, by chat id and message id: these build the
edit for either kind, to hand to `replies.send`. A handler that needs what the message said
renders it again from the database."""

from __future__ import annotations

from aiogram.methods import EditMessageReplyMarkup, EditMessageText
from aiogram.types import InlineKeyboardMarkup, MaybeInaccessibleMessageUnion


def edit_in_place(
    message: MaybeInaccessibleMessageUnion,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> EditMessageText:
    """`message` now says `text`, with `reply_markup` under it (no buttons without), as
    `Message.edit_text` does."""
    return EditMessageText(
        chat_id=message.chat.id,
        message_id=message.message_id,
        text=text,
        reply_markup=reply_markup,
    )


def buttons_in_place(
    message: MaybeInaccessibleMessageUnion, reply_markup: InlineKeyboardMarkup | None = None
) -> EditMessageReplyMarkup:
    """`message` keeps its text, with `reply_markup` under it (no buttons without), as
    `Message.edit_reply_markup` does."""
    return EditMessageReplyMarkup(
        chat_id=message.chat.id, message_id=message.message_id, reply_markup=reply_markup
    )
