"""Exactly one instance at a time sends the outbox and runs the scheduler: the one holding the
database's leader lock (storage/instance_lock.py). The others try again every few seconds, so
when the leader dies (its connection, and with it the lock, goes) another takes over within
`retry` seconds plus a look; a leader whose lock connection breaks steps down at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from storage.instance_lock import LeaderLock

log = logging.getLogger(__name__)


class Leadership:
    def __init__(
        self,
        lock: LeaderLock,
        lead: Callable[[], Awaitable[None]],
        step_down: Callable[[], Awaitable[None]],
        retry: float = 5.0,
    ) -> None:
        self.lock = lock
        self.lead = lead
        self.step_down = step_down
        self.retry = retry
        self.leading = asyncio.Event()

    async def run(self) -> None:
        """Until cancelled: wait for the lock, lead while it is held, step down, again."""
        try:
            while True:
                try:
                    taken = await self.lock.try_acquire()
                except Exception as error:  # the database is away: not leading, try again
                    log.warning("leadership: cannot reach the database (%s)", type(error).__name__)
                    taken = False
                if taken:
                    await self._lead_while_held()
                await asyncio.sleep(self.retry)
        finally:
            await self.lock.release()

    async def _lead_while_held(self) -> None:
        log.info("leadership: this instance leads (outbox and scheduler)")
        await self.lead()
        self.leading.set()
        try:
            while True:
                await asyncio.sleep(self.retry)
                if not await self.lock.still_held():
                    break
            log.warning("leadership: the lock was lost; stepping down")
        finally:
            self.leading.clear()
            await self.step_down()
