"""In-memory Telegram state: bots, users, private chats, messages, files, update queues."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Signal:
    """Event-driven wake-ups for waiters; notify() is sync so state code can call it anywhere."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float | None,  # noqa: ASYNC109 - callers pass their own deadline
    ) -> Any:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise TimeoutError
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                pass


@dataclass
class UserInfo:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.is_premium:
            data["is_premium"] = True
        return data

    def chat_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class FileRecord:
    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def file_path(self) -> str:
        return f"files/{self.file_unique_id}/{self.file_name or 'file'}"


class FileStore:
    def __init__(self) -> None:
        self._files: dict[str, FileRecord] = {}
        self._counter = itertools.count(1)

    def add(
        self, data: bytes, file_name: str | None = None, mime_type: str | None = None
    ) -> FileRecord:
        n = next(self._counter)
        digest = hashlib.sha1(data + str(n).encode()).hexdigest()[:24]
        file_id, unique_id = f"BQACAgEmu{n:06d}{digest}", f"AgADemu{n:06d}"
        record = FileRecord(file_id, unique_id, data, file_name, mime_type)
        self._files[record.file_id] = record
        return record

    def get(self, file_id: str) -> FileRecord | None:
        return self._files.get(file_id)

    def by_path(self, path: str) -> FileRecord | None:
        return next((f for f in self._files.values() if f.file_path == path), None)


@dataclass
class StoredMessage:
    message_id: int
    data: dict[str, Any]  # the Telegram Message object as the user currently sees it
    from_bot: bool
    version: int = 0  # chat version at the last change
    deleted: bool = False


class CallbackAnswer(str):
    """The text of an answerCallbackQuery (a str), plus show_alert and url."""

    show_alert: bool
    url: str | None

    def __new__(
        cls, text: str | None, show_alert: bool = False, url: str | None = None
    ) -> CallbackAnswer:
        obj = super().__new__(cls, text or "")
        obj.show_alert = show_alert
        obj.url = url
        return obj


class Chat:
    """A private chat between one bot and one user."""

    def __init__(self, bot: BotAccount, user: UserInfo):
        self.bot = bot
        self.user = user
        self.started = False
        self.blocked = False
        self.messages: OrderedDict[int, StoredMessage] = OrderedDict()
        self.version = 0
        self.signal = Signal()
        self.reply_keyboard: dict[str, Any] | None = None
        self.force_reply = False
        self.last_action: str | None = None
        self.callback_answers: list[CallbackAnswer] = []
        self._ids = itertools.count(1)

    @property
    def id(self) -> int:
        return self.user.id

    def next_message_id(self) -> int:
        return next(self._ids)

    def bump(self) -> int:
        self.version += 1
        self.signal.notify()
        return self.version

    def store(self, message: dict[str, Any], from_bot: bool) -> StoredMessage:
        stored = StoredMessage(message["message_id"], message, from_bot)
        self.messages[stored.message_id] = stored
        stored.version = self.bump()
        return stored

    def get(self, message_id: Any) -> StoredMessage | None:
        stored = self.messages.get(message_id) if isinstance(message_id, int) else None
        return None if stored is None or stored.deleted else stored

    def bot_messages(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if m.from_bot and not m.deleted]


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class CallbackQueryRecord:
    chat: Chat
    message_id: int
    answered: bool = False


class BotAccount:
    def __init__(self, token: str, bot_id: int, username: str, first_name: str):
        self.token = token
        self.id = bot_id
        self.username = username
        self.first_name = first_name
        self.chats: dict[int, Chat] = {}
        self.pending: OrderedDict[int, dict[str, Any]] = OrderedDict()  # update_id -> update
        self.signal = Signal()  # new updates, confirmations, webhook changes
        self.allowed_updates: list[str] | None = None
        self.webhook: WebhookConfig | None = None
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.poll_generation = 0
        self._update_ids = itertools.count(1)
        self.last_update_id = 0

    def user_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def chat(self, user: UserInfo) -> Chat:
        if user.id not in self.chats:
            self.chats[user.id] = Chat(self, user)
        return self.chats[user.id]

    def allows(self, update_type: str) -> bool:
        if not self.allowed_updates:
            return update_type not in DEFAULT_EXCLUDED_UPDATES
        return update_type in self.allowed_updates

    def enqueue(self, payload: dict[str, Any]) -> int:
        """Queue an update (payload without update_id); returns its update_id."""
        update_id = next(self._update_ids)
        self.last_update_id = update_id
        update_type = next(iter(payload))
        if self.allows(update_type):  # filtered updates never reach the bot: count as done
            self.pending[update_id] = {"update_id": update_id, **payload}
        self.signal.notify()
        return update_id

    def is_confirmed(self, update_id: int) -> bool:
        return update_id <= self.last_update_id and update_id not in self.pending

    def confirm_below(self, offset: int) -> None:
        for update_id in [u for u in self.pending if u < offset]:
            del self.pending[update_id]
        self.signal.notify()

    def drop_disallowed(self) -> None:
        for update_id, update in list(self.pending.items()):
            if not self.allows(next(k for k in update if k != "update_id")):
                del self.pending[update_id]
        self.signal.notify()

    def drop_pending(self) -> None:
        self.pending.clear()
        self.signal.notify()

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, str]]:
        return list(self.commands.get((scope_key(scope), language_code), []))


def scope_key(scope: dict[str, Any] | None) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)
