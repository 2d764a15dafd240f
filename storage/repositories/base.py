"""What every repository shares: the unit of work's session, and the rows an update has read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

R = TypeVar("R")


class Repository:
    """Reads and writes go through the unit of work's one session. ORM changes are flushed at
    its commit (or where a method needs a generated id); statements run when called."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session
        # The rows this update has read, held: the session's identity map holds unchanged
        # rows only weakly, so without this every read of the same row (aiogram asks for the
        # conversation state once per router it passes) would go to the database again.
        self._held: dict[tuple[type[Any], Any], Any] = {}

    async def _by_key(self, model: type[R], key: Any) -> R | None:
        """The row with this primary key, also if it was added in this transaction and not
        flushed yet (then it is in the session's `new`, not in its identity map)."""
        for row in self._s.new:
            if isinstance(row, model) and list(
                inspect(row).mapper.primary_key_from_instance(row)
            ) == [key]:
                return row
        held: R | None = self._held.get((model, key))
        if held is None:
            held = await self._s.get(model, key)
            if held is not None:
                self._held[(model, key)] = held
        return held


def utc_now() -> datetime:
    return datetime.now(UTC)


def dialect_insert(session: AsyncSession) -> Any:
    """INSERT with the dialect's ON CONFLICT clauses."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def split_codes(codes: str) -> tuple[str, ...]:
    """The codes of a comma-separated column ("nl,en" -> ("nl", "en"))."""
    return tuple(c for c in codes.split(",") if c)
