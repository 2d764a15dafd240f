"""The time as the running bot sees it. bot/ sets the one clock for each update (tests move it);
handlers ask `now()` instead of the system clock."""

from __future__ import annotations

from contextvars import ContextVar, Token
from datetime import UTC, datetime

from conference.ports import Clock

_current: ContextVar[Clock | None] = ContextVar("kring_clock", default=None)


def now() -> datetime:
    clock = _current.get()
    return clock.now() if clock is not None else datetime.now(UTC)


def use_clock(clock: Clock) -> Token[Clock | None]:
    return _current.set(clock)


def reset_clock(token: Token[Clock | None]) -> None:
    _current.reset(token)
