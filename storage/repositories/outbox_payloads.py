"""What an outbox payload keeps: a message's parts as JSON (one row per distinct text, by its
digest), emptied once the text is no longer kept."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from conference.model.outbox import Document, Part, Photo, Text, Venue

# A payload's body once its text is no longer kept (forget_settled); enqueueing the same
# text again restores it.
FORGOTTEN = ""


def encode_parts(parts: Sequence[Part]) -> str:
    return json.dumps(
        [_encode(part) for part in parts],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def _encode(part: Part) -> dict[str, Any]:
    if isinstance(part, Text):
        return {
            "t": "text",
            "text": part.text,
            "protect": part.protect_content,
            "buttons": [[list(button) for button in row] for row in part.buttons],
        }
    if isinstance(part, Document):
        return {
            "t": "document",
            "filename": part.filename,
            "caption": part.caption,
            "data": base64.b64encode(part.data).decode(),
            "protect": part.protect_content,
        }
    if isinstance(part, Venue):
        return {
            "t": "venue",
            "lat": part.latitude,
            "lon": part.longitude,
            "title": part.title,
            "address": part.address,
            "protect": part.protect_content,
        }
    return {
        "t": "photo",
        "caption": part.caption,
        "data": base64.b64encode(part.data).decode(),
        "protect": part.protect_content,
    }


def decode_parts(body: str) -> tuple[Part, ...]:
    return tuple(_decode(item) for item in json.loads(body))


def _decode(item: dict[str, Any]) -> Part:
    kind, protect = item["t"], bool(item.get("protect"))
    if kind == "text":
        rows = tuple(
            tuple((str(label), str(data)) for label, data in row)
            for row in item.get("buttons", [])
        )
        return Text(item["text"], rows, protect)
    if kind == "document":
        return Document(
            item["filename"], base64.b64decode(item["data"]), item.get("caption"), protect
        )
    if kind == "venue":
        return Venue(
            float(item["lat"]), float(item["lon"]), item["title"], item["address"], protect
        )
    if kind == "photo":
        return Photo(base64.b64decode(item["data"]), item.get("caption"), protect)
    raise ValueError(f"unknown part kind {kind!r}")
