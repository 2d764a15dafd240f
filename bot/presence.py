"""Several `kring serve` instances are one bot to Telegram, with one flood limit
(KRING_SEND_RATE). Each instance says every second, in the database, that it is there and how
many messages a second it sent since (its replies to people); the leader, which sends the
outbox, leaves what the others sent out of its own allowance (bot/pace.py), so its outbox
yields to the replies the others send, as it yields to its own. An instance unseen for STALE
seconds counts no more; one that stops cleanly takes its row away."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import Metrics
from bot.pace import Pace
from storage.repositories.instances import SqlInstances

log = logging.getLogger(__name__)


class Presence:
    STALE = 10.0  # seconds without a report: gone
    FORGOTTEN = 3600.0  # seconds after which a crashed instance's row is removed
    KEEPALIVE = 5  # every this many looks an instance says it is there, sending or not

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        pace: Pace,
        metrics: Metrics,
        leading: Callable[[], bool],
        interval: float = 1.0,
    ) -> None:
        self.sessions = sessions
        self.pace = pace
        self.metrics = metrics
        self.leading = leading
        self.interval = interval
        self.id = uuid.uuid4().hex
        self._sent, self._at = pace.sent, time.monotonic()
        self._looks = 0
        self._said = 0.0  # the rate last written

    async def run(self) -> None:
        """Until cancelled: report, and take the others' rate into account."""
        try:
            while True:
                await self.report()
                await asyncio.sleep(self.interval)
        finally:
            await self._leave()

    def _own_rate(self) -> float:
        sent, at = self.pace.sent, time.monotonic()
        rate = (sent - self._sent) / max(at - self._at, 1e-3)
        self._sent, self._at = sent, at
        return rate

    async def report(self) -> None:
        """One look. Only the leader's sending yields to the others, so: an instance that
        does not lead writes its rate while it sends (and once more when it stops); the
        leader reads the others' each look; every KEEPALIVE looks each one says it is there
        and reads how many they are. A look with nothing to say touches no database."""
        now, rate, leading = time.time(), self._own_rate(), self.leading()
        keepalive = self._looks % self.KEEPALIVE == 0
        self._looks += 1
        write = keepalive or (not leading and (rate > 0 or self._said > 0))
        read = keepalive or leading
        if not write and not read:
            return
        count, others = 0, 0.0
        try:
            async with self.sessions() as session:
                instances = SqlInstances(session)
                if write:
                    await instances.report(self.id, now, rate)
                if read:
                    count, others = await instances.others(self.id, now - self.STALE)
                if keepalive and leading:
                    await instances.forget_unseen(now - self.FORGOTTEN)
                await session.commit()
        except Exception as error:  # the database is away: keep the last figures, try again
            log.warning("presence: cannot report (%s)", type(error).__name__)
            return
        if write:
            self._said = rate
        if read:
            self.pace.others = others
            self.metrics.instances.set(count + 1)

    async def _leave(self) -> None:
        try:
            async with self.sessions() as session:
                await SqlInstances(session).forget(self.id)
                await session.commit()
        except Exception as error:  # it is left to go stale
            log.warning("presence: cannot sign off (%s)", type(error).__name__)
