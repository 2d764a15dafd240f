"""What the database is to hear from the sender, and the sender's short transactions: at start
what a stopped sender left (`recover`), a wave of deliveries taken in hand (`claim`), the attempt
mark committed just before a request leaves (`write`), and the rest of the results a few times a
second (`flush`): outcomes, persons found unreachable, progress messages, finished batches.

One record per delivery, a later one replacing an earlier: each says all, so whichever
transaction comes next writes the newest. The writes queue on one lock (never held across a call
to Telegram), so what the database hears of a delivery comes in the order it happened; a write
that fails keeps its records for the next one."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.lanes import Delivery
from conference.model.ids import PersonId
from conference.model.outbox import FINAL_STATES, Claimed, DeliveryState, OpenBatch, Outcome
from conference.requests import mark_unreachable
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


class Journal:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._outcomes: dict[tuple[int, int], Outcome] = {}
        self._unreachable: list[PersonId] = []
        self._progress_ids: dict[int, int | None] = {}
        self._finished: list[int] = []
        self._ended: set[int] = set()  # batches with final outcomes written: finish_silent
        self._writing = asyncio.Lock()  # the sender's writes, one at a time, in order
        self._taken = 0  # writes that took the records noted before them
        self._written = 0  # the last of those that committed

    def __len__(self) -> int:
        """Deliveries with a record waiting to be written."""
        return len(self._outcomes)

    def note(
        self,
        job: Delivery,
        state: DeliveryState,
        error: str | None = None,
        attempted: bool = False,
    ) -> None:
        """What the database is to hear about this delivery (replacing what it was to hear)."""
        self._outcomes[(job.batch_id, job.claimed.person_id)] = Outcome(
            job.batch_id,
            job.claimed.person_id,
            state,
            job.done,
            tuple(job.message_ids),
            error,
            attempted,
        )

    def note_unreachable(self, person: PersonId) -> None:
        self._unreachable.append(person)

    def note_progress_message(self, batch_id: int, message_id: int | None) -> None:
        self._progress_ids[batch_id] = message_id

    def note_finished(self, batch_id: int) -> None:
        """The batch's report is out (or it has none to show): it is finished."""
        self._finished.append(batch_id)

    # the sender's transactions

    async def recover(self) -> tuple[int, int]:
        """What a stopped sender left: (handed back, unknown); see storage's `recover`."""
        async with SqlUnitOfWork(self.sessions) as uow:
            back, unknown = await uow.outbox_sending.recover()
            await uow.commit()
        return back, unknown

    async def claim(self, limit: int) -> list[Claimed]:
        """Take up to `limit` pending deliveries in hand."""
        async with SqlUnitOfWork(self.sessions) as uow:
            claimed = await uow.outbox_sending.claim(limit)
            await uow.commit()
        return claimed

    async def open_batches(self) -> list[OpenBatch]:
        """The batches with a report chat whose report is not out yet (read only)."""
        async with SqlUnitOfWork(self.sessions) as uow:
            return await uow.outbox_sending.open_batches(reported_only=True)

    async def finish_silent(self) -> None:
        """Finish silent batches left open (empty, or from before)."""
        async with SqlUnitOfWork(self.sessions) as uow:
            if await uow.outbox_sending.finish_silent(datetime.now(UTC)):
                await uow.commit()

    async def write(self) -> bool:
        """Write the outcomes noted so far (an attempt mark among them) in a transaction of its
        own. It takes what is noted when its turn on the database comes, so the marks of many
        requests go in one commit; a caller whose mark such a write carried returns at once
        (False: nothing left for it to write)."""
        wanted = self._taken + 1  # the first write to take records from now on carries ours
        async with self._writing:
            if self._written >= wanted or not self._outcomes:
                return False
            records: dict[tuple[int, int], Outcome] = {}
            try:
                async with SqlUnitOfWork(self.sessions) as uow:
                    records, self._outcomes = self._outcomes, {}
                    self._taken += 1
                    taking = self._taken
                    await uow.outbox_sending.record(list(records.values()))
                    await uow.commit()
            except BaseException:
                self._restore(records)
                raise
            self._written = taking
            self._ended.update(o.batch_id for o in records.values() if o.state in FINAL_STATES)
            return True

    async def flush(self) -> list[int]:
        """Write everything noted; returns the batches finished by it."""
        async with self._writing:
            unreachable, self._unreachable = self._unreachable, []
            progress, self._progress_ids = self._progress_ids, {}
            finished, self._finished = self._finished, []
            ended, self._ended = self._ended, set()
            if not (self._outcomes or unreachable or progress or finished or ended):
                return []
            records: dict[tuple[int, int], Outcome] = {}
            try:
                async with SqlUnitOfWork(self.sessions) as uow:
                    records, self._outcomes = self._outcomes, {}
                    self._taken += 1
                    taking = self._taken
                    await uow.outbox_sending.record(list(records.values()))
                    for person in set(unreachable):
                        await mark_unreachable(uow, person)
                    for batch_id, message_id in progress.items():
                        await uow.outbox_sending.set_progress_message(batch_id, message_id)
                    at = datetime.now(UTC)
                    for batch_id in finished:
                        await uow.outbox_sending.finish(batch_id, at)
                    # silent batches (reminders, nudges) end with their last delivery, here
                    silent = await uow.outbox_sending.finish_silent(
                        at,
                        ended | {o.batch_id for o in records.values() if o.state in FINAL_STATES},
                    )
                    await uow.commit()
            except BaseException:
                self._restore(records)
                self._unreachable[:0] = unreachable
                self._progress_ids = {**progress, **self._progress_ids}
                self._finished[:0] = finished
                self._ended |= ended
                raise
            self._written = taking
        for batch_id in finished:
            log.info("batch %s finished", batch_id)
        if silent:
            log.debug("%d silent batches finished", silent)
        return finished

    def _restore(self, records: dict[tuple[int, int], Outcome]) -> None:
        for key, record in records.items():  # what came in meanwhile is newer
            self._outcomes.setdefault(key, record)
