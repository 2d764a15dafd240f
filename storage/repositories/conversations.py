"""Half-finished conversations between two messages: aiogram's state and data per chat
(ConversationRepository)."""

from __future__ import annotations

from typing import Any

import orjson

from storage.repositories.base import Repository, utc_now
from storage.tables import ConversationRow

# orjson writes what json.dumps(ensure_ascii=False, separators=(",", ":")) wrote (keys that
# are not text become text) and, like it, refuses datetimes and dataclasses
_AS_JSON_DID = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


class SqlConversations(Repository):
    """Conversation data is JSON, kept as text and parsed per read (so callers may change
    what they get)."""

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]:
        row = await self._by_key(ConversationRow, key)
        if row is None:
            return None, {}
        return row.state, orjson.loads(row.data or "{}")

    async def set_state(self, key: str, state: str | None) -> None:
        await self._save(key, state=state)

    async def set_data(self, key: str, data: dict[str, Any]) -> None:
        await self._save(key, data=orjson.dumps(data, option=_AS_JSON_DID).decode())

    async def _save(self, key: str, **values: Any) -> None:
        row = await self._by_key(ConversationRow, key)
        if row is None:
            row = ConversationRow(key=key, state=None, data="{}")
            self._s.add(row)
        elif all(getattr(row, name) == value for name, value in values.items()):
            return  # nothing changed: nothing to write
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = utc_now()
