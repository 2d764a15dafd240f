"""Reading Bot API parameters from JSON, urlencoded, multipart bodies or the query string."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import aiohttp

from .errors import bad_request

JSON_FIELDS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "commands", "scope", "allowed_updates",
        "link_preview_options", "reply_parameters", "media", "results", "message_ids",
        "permissions", "input_message_content", "prices", "options", "explanation_entities",
        "reaction", "menu_button", "rights",
    }
)  # fmt: skip
INT_FIELDS = frozenset(
    {
        "message_id", "offset", "limit", "timeout", "reply_to_message_id", "message_thread_id",
        "cache_time", "live_period", "heading", "proximity_alert_radius", "max_connections",
        "user_id", "from_chat_id", "duration", "width", "height", "until_date",
    }
)  # fmt: skip
FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
BOOL_PREFIXES = ("disable_", "allow_", "is_", "has_", "show_", "protect_", "drop_", "can_")
BOOL_FIELDS = frozenset({"selective", "revoke_messages", "only_if_banned", "for_channels"})
INT_RE = re.compile(r"^-?\d+$")


@dataclass
class Upload:
    filename: str
    data: bytes
    content_type: str | None = None


def _coerce(key: str, value: Any) -> Any:
    if key == "chat_id":
        if isinstance(value, str) and INT_RE.match(value.strip()):
            return int(value)
        return value
    if not isinstance(value, str):
        return value
    if key in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            what = "reply keyboard markup" if key == "reply_markup" else key
            raise bad_request(f"can't parse {what} JSON object") from None
    if key in INT_FIELDS:
        if not INT_RE.match(value.strip()):
            raise bad_request(f"invalid {key} specified")
        return int(value)
    if key in FLOAT_FIELDS:
        try:
            return float(value)
        except ValueError:
            raise bad_request(f"invalid {key} specified") from None
    if key in BOOL_FIELDS or key.startswith(BOOL_PREFIXES):
        if value.lower() in ("true", "1"):
            return True
        if value.lower() in ("false", "0", ""):
            return False
    return value


def normalise(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _coerce(key, value) for key, value in raw.items()}


async def read_body(
    content_type: str,
    headers: Mapping[str, str],
    content: aiohttp.StreamReader,
) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parse a request (or webhook reply) body into (raw params, uploaded files)."""
    params: dict[str, Any] = {}
    files: dict[str, Upload] = {}
    if content_type.startswith("multipart/"):
        reader = aiohttp.MultipartReader(headers, content)
        while (part := await reader.next()) is not None:
            if isinstance(part, aiohttp.MultipartReader) or part.name is None:
                continue
            data = await part.read(decode=True)
            if part.filename is not None:
                ctype = part.headers.get("Content-Type")
                files[part.name] = Upload(part.filename, bytes(data), ctype)
            else:
                params[part.name] = data.decode(part.get_charset("utf-8"))
        return params, files
    body = await content.read()
    if not body:
        return params, files
    if content_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            raise bad_request("can't parse JSON object") from None
        if not isinstance(decoded, dict):
            raise bad_request("JSON object expected")
        return decoded, files
    if content_type in ("application/x-www-form-urlencoded", "", "text/plain"):
        try:
            return dict(parse_qsl(body.decode(), keep_blank_values=True)), files
        except UnicodeDecodeError:
            raise bad_request("can't decode request body") from None
    raise bad_request(f"unsupported Content-Type {content_type}")
