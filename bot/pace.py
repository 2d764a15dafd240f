"""Telegram's flood limits as this process keeps them: the outbound sender (bot/outbox/) asks
when the next message may leave; the bot's own replies are counted too (PaceMiddleware), and
under `kring serve` what the other instances send (bot/presence.py)."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType


def is_message_method(name: str) -> bool:
    """What Telegram counts against the flood limits (chat actions are not messages)."""
    lowered = name.lower()
    return lowered != "sendchataction" and lowered.startswith(("send", "edit", "copy", "forw"))


class Pace:
    """Telegram's limits as this process keeps them, for the sender and the bot's own replies.

    Global: at most `rate` requests in any one-second window, where a request counts from the
    moment it leaves until a second after its answer came back. Telegram counts it when it
    arrives, somewhere in between, so network jitter cannot make it see more than `rate` in a
    second; the cost is the round trip (a few milliseconds). Requests are also spaced 1/rate
    apart, so the allowance is not spent in bursts; a start a little late (the event loop was
    busy) lets the next ones catch up to two slots or CATCH_UP_TIME worth of them, whichever is
    more, else those delays would cost a tenth of the rate at 200/s (a wave of reminders handed
    to the outbox keeps the loop for 10-20 ms at a time), while after a pause the spacing begins
    afresh. A 429 cuts the rate by 30%; it climbs back by a tenth of `rate` per second. Per
    chat: when the chat may have its next message (the bot's own replies count too)."""

    CUT = 0.7
    CATCH_UP = 2  # slots
    CATCH_UP_TIME = 0.05  # seconds: more slots than CATCH_UP only above 40/s
    RECOVERY = 0.1  # of `rate`, per second
    WINDOW = 1.0

    def __init__(self, rate: float, chat_interval: float = 1.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.chat_interval = chat_interval
        self.in_flight = 0
        self._answered: deque[float] = deque()
        self._next_slot = -math.inf  # the even schedule's next start
        self._floor = rate
        self._cut_at = -math.inf
        self._chats: dict[int, float] = {}  # chat -> when it may have the next message
        self.throttled = 0  # 429s seen
        self.sent = 0  # requests answered, in all
        # messages a second the bot's other instances send (`kring serve`: bot/presence.py),
        # left out of this one's allowance so that all of them together keep `rate`
        self.others = 0.0

    @property
    def allowance(self) -> float:
        return max(1.0, self.rate - self.others)

    def current_rate(self, now: float) -> float:
        return min(self.allowance, self._floor + self.rate * self.RECOVERY * (now - self._cut_at))

    def ready_at(self, now: float) -> float:
        """When the next request may leave (`now` if at once; inf: wait for an answer)."""
        answered = self._answered
        while answered and answered[0] <= now - self.WINDOW:
            answered.popleft()
        rate = self.current_rate(now)
        at = max(now, self._next_slot)
        excess = self.in_flight + len(answered) - max(1, int(rate * self.WINDOW)) + 1
        if excess > 0:
            if excess > len(answered):
                return math.inf
            at = max(at, answered[excess - 1] + self.WINDOW)
        return at

    def begin(self, now: float) -> None:
        self.in_flight += 1
        step = 1 / self.current_rate(now)
        late = now - self._next_slot
        allowance = max(self.CATCH_UP * step, self.CATCH_UP_TIME)
        self._next_slot = (self._next_slot if late <= allowance else now) + step

    def end(self, now: float, chat: int | None = None) -> None:
        self.in_flight -= 1
        self.sent += 1
        self._answered.append(now)
        if chat is not None:
            self._chats[chat] = now + self.chat_interval
            if len(self._chats) > 10_000:
                self._chats = {c: t for c, t in self._chats.items() if t > now}

    def chat_free_at(self, chat: int) -> float:
        return self._chats.get(chat, -math.inf)

    def throttle(self, now: float) -> None:
        """Telegram answered 429: slow down (at most one cut per window)."""
        self.throttled += 1
        if now - self._cut_at >= self.WINDOW:
            self._floor = max(1.0, self.current_rate(now) * self.CUT)
            self._cut_at = now


class PaceMiddleware(BaseRequestMiddleware):
    """On the bot's own session: its replies count against the sender's limits (not delayed)."""

    def __init__(self, pace: Pace) -> None:
        self.pace = pace

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        if not is_message_method(method.__api_method__):
            return await make_request(bot, method)
        loop = asyncio.get_running_loop()
        chat = getattr(method, "chat_id", None)
        self.pace.begin(loop.time())
        try:
            return await make_request(bot, method)
        finally:
            self.pace.end(loop.time(), chat if isinstance(chat, int) else None)
