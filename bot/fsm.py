"""aiogram's FSM storage on top of our conversation table, inside the update's own transaction:
a state change commits (or rolls back) together with everything else the update did."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from conference.ports import UnitOfWork

current_uow: ContextVar[UnitOfWork | None] = ContextVar("kring_current_uow", default=None)


def conversation_key(key: StorageKey) -> str:
    return ":".join(
        str(part)
        for part in (
            key.bot_id,
            key.chat_id,
            key.user_id,
            key.thread_id or "",
            key.business_connection_id or "",
            key.destiny,
        )
    )


class DatabaseStorage(BaseStorage):
    def _uow(self) -> UnitOfWork:
        uow = current_uow.get()
        if uow is None:
            raise RuntimeError("conversation state is only available while handling an update")
        return uow

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._uow().conversations.set_state(conversation_key(key), value)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._uow().conversations.get(conversation_key(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._uow().conversations.set_data(conversation_key(key), dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._uow().conversations.get(conversation_key(key))
        return data

    async def close(self) -> None:
        return None
