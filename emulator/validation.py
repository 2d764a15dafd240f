"""Telegram's limits: text/caption length, parse modes, keyboards, bot commands."""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, bad_request
from .markup import HtmlError, parse_html, strip_text, utf16_len

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_INLINE_BUTTONS = 100
MAX_CALLBACK_ANSWER = 200
INLINE_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
SCOPE_TYPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
        "chat", "chat_administrators", "chat_member",
    }
)  # fmt: skip


def format_text(
    text: Any,
    parse_mode: Any,
    entities: Any,
    *,
    caption: bool = False,
    strict_ampersand: bool = True,
) -> tuple[str, list[dict[str, Any]]]:
    """Apply parse_mode and Telegram's checks; returns (visible text, entities)."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        text = str(text)
    mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else ""
    if isinstance(entities, list) and entities:
        found = entities  # explicit entities win over parse_mode, as in Telegram
    elif mode == "html":
        try:
            text, found = parse_html(text, strict_ampersand)
        except HtmlError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    elif mode in ("", "markdown", "markdownv2"):
        found = []  # Markdown is accepted loosely: the raw text is stored
    else:
        raise bad_request("unsupported parse_mode")
    text, found = strip_text(text, found)
    if caption:
        if utf16_len(text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
    else:
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise bad_request("message is too long")
    return text, found


def _rows(markup: dict[str, Any], field: str, kind: str) -> list[list[Any]]:
    rows = markup.get(field)
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{field}" of the {kind} should be an Array of Arrays')
    return rows


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: button must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in INLINE_ACTIONS if button.get(key) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise bad_request("can't parse inline keyboard button: exactly one action must be used")
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in actions:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url, re.I):
            raise bad_request("BUTTON_URL_INVALID")
    if "web_app" in actions:
        web_app = button["web_app"]
        url = web_app.get("url") if isinstance(web_app, dict) else None
        # Telegram opens Mini Apps over HTTPS only
        if not isinstance(url, str) or not re.match(r"^https://\S+$", url, re.I):
            raise bad_request("BUTTON_TYPE_INVALID")
    return {key: value for key, value in button.items() if value is not None}


def _reply_button(button: Any) -> dict[str, Any]:
    if isinstance(button, str):
        button = {"text": button}
    if not isinstance(button, dict):
        raise bad_request("can't parse keyboard button: button must be a String or an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("can't parse keyboard button: Text must be non-empty")
    return {key: value for key, value in button.items() if value is not None}


def validate_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Normalised copy of a reply_markup object, or ApiError like Telegram's."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = [
            [_inline_button(b) for b in row]
            for row in _rows(markup, "inline_keyboard", "InlineKeyboardMarkup")
        ]
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise bad_request("BUTTONS_TOO_MUCH")
        return {"inline_keyboard": [row for row in rows if row]}
    if "keyboard" in markup:
        raw_rows = _rows(markup, "keyboard", "ReplyKeyboardMarkup")
        rows = [[_reply_button(b) for b in row] for row in raw_rows]
        return {**markup, "keyboard": [row for row in rows if row]}
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return dict(markup)
    raise bad_request("can't parse reply keyboard markup JSON object")


def inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup and "inline_keyboard" in markup else None


def validate_commands(commands: Any) -> list[dict[str, str]]:
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    result = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not COMMAND_RE.match(command.lower()):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": command.lower(), "description": description})
    return result


def validate_scope(scope: Any) -> dict[str, Any]:
    if scope is None:
        return {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    return dict(scope)


def validate_language(code: Any) -> str:
    code = code or ""
    if not isinstance(code, str) or (code and not re.match(r"^[a-z]{2}$", code)):
        raise bad_request("invalid language code specified")
    return code


def check_callback_answer_text(text: Any) -> None:
    if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
