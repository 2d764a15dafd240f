"""Method handlers that send, edit and delete messages in private chats."""

from __future__ import annotations

import mimetypes
from typing import Any

from .context import Ctx, api_method, base_message
from .errors import BLOCKED, NOT_MODIFIED, QUERY_TOO_OLD, ApiError, bad_request
from .state import CallbackAnswer, Chat, FileRecord, StoredMessage
from .validation import (
    check_callback_answer_text,
    format_text,
    inline_only,
    validate_reply_markup,
)

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip
PHOTO_SIZES = ((90, 60), (320, 213), (800, 533))


def _text(ctx: Ctx, key: str = "text", caption: bool = False) -> tuple[str, list[dict[str, Any]]]:
    entities_key = "caption_entities" if caption else "entities"
    return format_text(
        ctx.get(key),
        ctx.get("parse_mode"),
        ctx.get(entities_key),
        caption=caption,
        strict_ampersand=ctx.emu.strict_html_ampersand,
    )


def _deliver(
    ctx: Ctx, chat: Chat, message: dict[str, Any], markup: dict[str, Any] | None
) -> dict[str, Any]:
    message = {"message_id": chat.next_message_id(), **message}
    inline = inline_only(markup)
    if inline and inline["inline_keyboard"]:
        message["reply_markup"] = inline
    elif markup and "keyboard" in markup:
        chat.reply_keyboard, chat.force_reply = markup, False
    elif markup and markup.get("remove_keyboard"):
        chat.reply_keyboard = None
    elif markup and markup.get("force_reply"):
        chat.force_reply = True
    stored = chat.store(message, from_bot=True)
    ctx.emu.notify_bot_message(chat, stored)
    return message


def _caption(ctx: Ctx, message: dict[str, Any]) -> None:
    caption, entities = _text(ctx, "caption", caption=True)
    if caption:
        message["caption"] = caption
    if entities:
        message["caption_entities"] = entities


@api_method("sendMessage")
async def send_message(ctx: Ctx) -> dict[str, Any]:
    chat = ctx.chat()
    text, entities = _text(ctx)
    markup = validate_reply_markup(ctx.get("reply_markup"))
    message = base_message(ctx, chat)
    message["text"] = text
    if entities:
        message["entities"] = entities
    return _deliver(ctx, chat, message, markup)


def document_dict(record: FileRecord) -> dict[str, Any]:
    data: dict[str, Any] = {"file_id": record.file_id, "file_unique_id": record.file_unique_id}
    if record.file_name:
        data["file_name"] = record.file_name
    if record.mime_type:
        data["mime_type"] = record.mime_type
    data["file_size"] = len(record.data)
    return data


def photo_sizes(ctx_files: Any, record: FileRecord) -> list[dict[str, Any]]:
    sizes = []
    for width, height in PHOTO_SIZES:
        size = record if (width, height) == PHOTO_SIZES[-1] else ctx_files.add(record.data)
        sizes.append(
            {
                "file_id": size.file_id,
                "file_unique_id": size.file_unique_id,
                "width": width,
                "height": height,
                "file_size": len(size.data),
            }
        )
    return sizes


@api_method("sendDocument")
async def send_document(ctx: Ctx) -> dict[str, Any]:
    chat = ctx.chat()
    record = ctx.file("document", "document")
    # Telegram derives the MIME type from the file name, not from the part's header.
    guessed = mimetypes.guess_type(record.file_name or "")[0]
    record.mime_type = guessed or record.mime_type or "application/octet-stream"
    markup = validate_reply_markup(ctx.get("reply_markup"))
    message = base_message(ctx, chat)
    message["document"] = document_dict(record)
    _caption(ctx, message)
    return _deliver(ctx, chat, message, markup)


@api_method("sendPhoto")
async def send_photo(ctx: Ctx) -> dict[str, Any]:
    chat = ctx.chat()
    record = ctx.file("photo", "photo.jpg")
    markup = validate_reply_markup(ctx.get("reply_markup"))
    message = base_message(ctx, chat)
    message["photo"] = photo_sizes(ctx.emu.files, record)
    _caption(ctx, message)
    return _deliver(ctx, chat, message, markup)


def _coordinates(ctx: Ctx) -> dict[str, Any]:
    lat, lon = ctx.get("latitude"), ctx.get("longitude")
    if not isinstance(lat, (int, float)) or not -90 <= lat <= 90:
        raise bad_request("wrong latitude specified")
    if not isinstance(lon, (int, float)) or not -180 <= lon <= 180:
        raise bad_request("wrong longitude specified")
    return {"latitude": float(lat), "longitude": float(lon)}


@api_method("sendLocation")
async def send_location(ctx: Ctx) -> dict[str, Any]:
    chat = ctx.chat()
    location = _coordinates(ctx)
    for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
        if ctx.get(key) is not None:
            location[key] = ctx.get(key)
    markup = validate_reply_markup(ctx.get("reply_markup"))
    message = base_message(ctx, chat)
    message["location"] = location
    return _deliver(ctx, chat, message, markup)


@api_method("sendVenue")
async def send_venue(ctx: Ctx) -> dict[str, Any]:
    chat = ctx.chat()
    location = _coordinates(ctx)
    venue: dict[str, Any] = {
        "location": location,
        "title": str(ctx.require("title")),
        "address": str(ctx.require("address")),
    }
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if ctx.get(key):
            venue[key] = ctx.get(key)
    markup = validate_reply_markup(ctx.get("reply_markup"))
    message = base_message(ctx, chat)
    message.update(location=location, venue=venue)
    return _deliver(ctx, chat, message, markup)


@api_method("sendChatAction")
async def send_chat_action(ctx: Ctx) -> bool:
    chat = ctx.chat()
    action = ctx.get("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.last_action = action
    return True


def _editable(ctx: Ctx, missing: str) -> tuple[Chat, StoredMessage]:
    if ctx.get("inline_message_id"):
        raise bad_request("inline messages are not supported by the emulator")
    chat = ctx.chat(for_sending=False)
    if chat.blocked:
        raise ApiError(403, BLOCKED)
    stored = chat.get(ctx.get("message_id"))
    if stored is None:
        raise bad_request(missing)
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return chat, stored


def _edit_markup(ctx: Ctx) -> dict[str, Any] | None:
    markup = validate_reply_markup(ctx.get("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup if markup and markup["inline_keyboard"] else None


def _apply_edit(
    ctx: Ctx, chat: Chat, stored: StoredMessage, changes: dict[str, Any]
) -> dict[str, Any]:
    old = stored.data
    if all(old.get(key) == (value or None) for key, value in changes.items()):
        raise bad_request(NOT_MODIFIED)
    data = {k: v for k, v in old.items() if k not in changes}
    data.update({k: v for k, v in changes.items() if v})
    data["edit_date"] = ctx.emu.now()
    stored.data = data
    stored.version = chat.bump()
    ctx.emu.notify_bot_message(chat, stored)
    return data


@api_method("editMessageText")
async def edit_message_text(ctx: Ctx) -> dict[str, Any]:
    chat, stored = _editable(ctx, "message to edit not found")
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    text, entities = _text(ctx)
    changes = {"text": text, "entities": entities, "reply_markup": _edit_markup(ctx)}
    return _apply_edit(ctx, chat, stored, changes)


@api_method("editMessageCaption")
async def edit_message_caption(ctx: Ctx) -> dict[str, Any]:
    chat, stored = _editable(ctx, "message to edit not found")
    if "text" in stored.data:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = _text(ctx, "caption", caption=True)
    changes = {"caption": caption, "caption_entities": entities, "reply_markup": _edit_markup(ctx)}
    return _apply_edit(ctx, chat, stored, changes)


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(ctx: Ctx) -> dict[str, Any]:
    chat, stored = _editable(ctx, "message to edit not found")
    return _apply_edit(ctx, chat, stored, {"reply_markup": _edit_markup(ctx)})


def _delete(chat: Chat, message_id: Any) -> bool:
    stored = chat.get(message_id)
    if stored is None:
        return False
    stored.deleted = True
    stored.version = chat.bump()
    return True


@api_method("deleteMessage")
async def delete_message(ctx: Ctx) -> bool:
    chat = ctx.chat(for_sending=False)
    if not _delete(chat, ctx.get("message_id")):
        raise bad_request("message to delete not found")
    return True


@api_method("deleteMessages")
async def delete_messages(ctx: Ctx) -> bool:
    chat = ctx.chat(for_sending=False)
    ids = ctx.require("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must be a non-empty list of at most 100 identifiers")
    for message_id in ids:
        _delete(chat, message_id)
    return True


@api_method("answerCallbackQuery")
async def answer_callback_query(ctx: Ctx) -> bool:
    query = ctx.bot.callback_queries.get(str(ctx.get("callback_query_id", "")))
    if query is None or query.answered:
        raise bad_request(QUERY_TOO_OLD)
    text = ctx.get("text")
    check_callback_answer_text(text)
    query.answered = True
    answer = CallbackAnswer(text, bool(ctx.get("show_alert")), ctx.get("url"))
    query.chat.callback_answers.append(answer)
    query.chat.bump()
    return True
