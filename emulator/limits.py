"""Optional flood limits (sliding one-second windows) and scripted failures."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, too_many_requests

WINDOW = 1.0
STANDARD_DESCRIPTIONS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def is_limited_method(method: str) -> bool:
    """Methods that count as sends; chat actions are not messages."""
    lowered = method.lower()
    if lowered == "sendchataction":
        return False
    return lowered.startswith(("send", "edit", "copy", "forward"))


class RateLimiter:
    def __init__(self) -> None:
        self.per_chat: float | None = None
        self.global_: float | None = None
        self.retry_after = 1
        self._global: deque[float] = deque()
        self._chats: dict[Any, deque[float]] = {}

    def configure(self, per_chat: float | None, global_: float | None, retry_after: int) -> None:
        self.per_chat, self.global_, self.retry_after = per_chat, global_, retry_after
        self._global.clear()
        self._chats.clear()

    def _over(self, window: deque[float], limit: float | None, now: float) -> bool:
        while window and window[0] <= now - WINDOW:
            window.popleft()
        return limit is not None and len(window) >= limit

    def check(self, chat_key: Any) -> None:
        """Record a send, or raise 429 without recording it (the request has no effect)."""
        if self.per_chat is None and self.global_ is None:
            return
        now = time.monotonic()
        chat_window = self._chats.setdefault(chat_key, deque())
        if self._over(self._global, self.global_, now) or self._over(
            chat_window, self.per_chat, now
        ):
            raise too_many_requests(self.retry_after)
        self._global.append(now)
        chat_window.append(now)


@dataclass
class FailRule:
    remaining: int
    error_code: int
    retry_after: int
    chat_id: Any = None
    methods: frozenset[str] | None = None  # lowercase names; None = the send-like methods
    description: str | None = None

    def matches(self, method: str, chat_id: Any) -> bool:
        if self.remaining <= 0:
            return False
        if self.chat_id is not None and chat_id != self.chat_id:
            return False
        if self.methods is None:
            return is_limited_method(method)
        return method.lower() in self.methods

    def error(self) -> ApiError:
        if self.error_code == 429:
            return too_many_requests(self.retry_after)
        description = self.description or STANDARD_DESCRIPTIONS.get(self.error_code, "Error")
        return ApiError(self.error_code, description)


class FailureScript:
    def __init__(self) -> None:
        self.rules: list[FailRule] = []

    def add(
        self,
        k: int,
        error_code: int,
        retry_after: int,
        chat_id: Any,
        methods: Iterable[str] | None,
        description: str | None,
    ) -> None:
        names = None if methods is None else frozenset(m.lower() for m in methods)
        self.rules.append(FailRule(k, error_code, retry_after, chat_id, names, description))

    def check(self, method: str, chat_id: Any) -> None:
        for rule in self.rules:
            if rule.matches(method, chat_id):
                rule.remaining -= 1
                raise rule.error()
        self.rules = [rule for rule in self.rules if rule.remaining > 0]
