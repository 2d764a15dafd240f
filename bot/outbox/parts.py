"""A part of a rendered message (text, document, venue, photo) as the Bot API call that sends
it, and how long any of the sender's requests may take."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message

from conference.model.outbox import Document, Part, Photo, Text, Venue

REQUEST_TIMEOUT = 15  # seconds; a hung request holds up its chat and a clean stop


async def send_part(bot: Bot, chat: int, part: Part) -> Message:
    protect = part.protect_content or None
    if isinstance(part, Text):
        markup = (
            InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
                    for row in part.buttons
                ]
            )
            if part.buttons
            else None
        )
        return await bot.send_message(
            chat,
            part.text,
            reply_markup=markup,
            protect_content=protect,
            request_timeout=REQUEST_TIMEOUT,
        )
    if isinstance(part, Document):
        return await bot.send_document(
            chat,
            BufferedInputFile(part.data, part.filename),
            caption=part.caption,
            protect_content=protect,
            request_timeout=REQUEST_TIMEOUT,
        )
    if isinstance(part, Venue):
        return await bot.send_venue(
            chat,
            part.latitude,
            part.longitude,
            part.title,
            part.address,
            protect_content=protect,
            request_timeout=REQUEST_TIMEOUT,
        )
    assert isinstance(part, Photo)
    return await bot.send_photo(
        chat,
        BufferedInputFile(part.data, "photo.jpg"),
        caption=part.caption,
        protect_content=protect,
        request_timeout=REQUEST_TIMEOUT,
    )
