"""One clock for everything that asks "what time is it?" about the conference: the scheduler,
the reminders, the handlers. Tests and benchmarks move it (KRING_CLOCK) instead of waiting."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from conference.ports import Clock

__all__ = ["Clock", "SystemClock", "TravellingClock", "clock_from"]


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def seconds_until(self, moment: datetime) -> float:
        return max(0.0, (moment - self.now()).total_seconds())


class TravellingClock:
    """Starts at `start` and runs `speed` times as fast as real time: a day of reminders in
    minutes. KRING_CLOCK="2027-07-02T06:00:00+02:00", "...*60", or "...*60@1795000000": with
    `@epoch` (Unix seconds) the clock showed `start` at that real moment, so a restarted
    process goes on where the last one was instead of starting over."""

    def __init__(self, start: datetime, speed: float = 1.0, epoch: float | None = None) -> None:
        if start.tzinfo is None or speed <= 0:
            raise ValueError("an aware start and a positive speed")
        self.start, self.speed = start.astimezone(UTC), speed
        # real seconds since the clock showed `start`, read from the monotonic clock
        behind = 0.0 if epoch is None else time.time() - epoch
        self._real = time.monotonic() - behind

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._real) * self.speed)

    def seconds_until(self, moment: datetime) -> float:
        return max(0.0, (moment - self.now()).total_seconds() / self.speed)

    def advance(self, by: timedelta) -> None:
        """Jump ahead (tests: days pass between two taps without waiting for them)."""
        self.start += by

    @classmethod
    def parse(cls, text: str) -> TravellingClock:
        rest, _, epoch = text.partition("@")
        start, _, speed = rest.partition("*")
        return cls(
            datetime.fromisoformat(start.strip()),
            float(speed) if speed else 1.0,
            float(epoch) if epoch else None,
        )


def clock_from(setting: str | None) -> Clock:
    return TravellingClock.parse(setting) if setting else SystemClock()
