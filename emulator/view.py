"""What a user sees of a bot message: a snapshot with convenient accessors."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from .state import FileStore, StoredMessage


@dataclass
class Document:
    filename: str | None
    data: bytes
    mime_type: str | None
    file_id: str

    def __iter__(self) -> Iterator[Any]:  # allows `name, data = msg.document`
        return iter((self.filename, self.data))


class BotMessage:
    """A snapshot of a bot message as the user sees it (edits applied)."""

    def __init__(self, stored: StoredMessage, files: FileStore):
        self.raw: dict[str, Any] = copy.deepcopy(stored.data)
        self.version = stored.version
        self._files = files

    def __repr__(self) -> str:
        return f"BotMessage(#{self.message_id} {self.kind}: {self.text!r}, buttons={self.buttons})"

    @property
    def message_id(self) -> int:
        return int(self.raw["message_id"])

    @property
    def date(self) -> int:
        return int(self.raw["date"])

    @property
    def text(self) -> str | None:
        return self.raw.get("text", self.raw.get("caption"))

    @property
    def entities(self) -> list[dict[str, Any]]:
        return cast(
            list[dict[str, Any]], self.raw.get("entities", self.raw.get("caption_entities", []))
        )

    @property
    def edited(self) -> bool:
        return "edit_date" in self.raw

    @property
    def protect_content(self) -> bool:
        return bool(self.raw.get("has_protected_content"))

    @property
    def kind(self) -> str:
        for kind in ("text", "document", "photo", "venue", "location", "sticker", "contact"):
            if kind in self.raw:
                return kind
        return "other"

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.raw.get("reply_markup")

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        return cast(
            list[list[dict[str, Any]]], (self.reply_markup or {}).get("inline_keyboard", [])
        )

    @property
    def buttons(self) -> list[list[str]]:
        return [[button["text"] for button in row] for row in self.inline_keyboard]

    def button(self, label: str, contains: bool = False) -> dict[str, Any]:
        for row in self.inline_keyboard:
            for button in row:
                if button["text"] == label or (contains and label in button["text"]):
                    return button
        raise AssertionError(f"no button {label!r} on message #{self.message_id}: {self.buttons}")

    def callback_data(self, label: str, contains: bool = False) -> str:
        button = self.button(label, contains)
        if "callback_data" not in button:
            raise AssertionError(f"button {label!r} has no callback_data: {button}")
        return str(button["callback_data"])

    @property
    def document(self) -> Document | None:
        doc = self.raw.get("document")
        if doc is None:
            return None
        record = self._files.get(doc["file_id"])
        data = record.data if record else b""
        return Document(doc.get("file_name"), data, doc.get("mime_type"), doc["file_id"])

    @property
    def photo(self) -> bytes | None:
        sizes = self.raw.get("photo")
        record = self._files.get(sizes[-1]["file_id"]) if sizes else None
        return record.data if record else None

    @property
    def location(self) -> tuple[float, float] | None:
        loc = self.raw.get("location")
        return (loc["latitude"], loc["longitude"]) if loc else None

    @property
    def venue(self) -> dict[str, Any] | None:
        return self.raw.get("venue")
