"""The outbound sender's life (see the package's docstring): the dispatcher lets one request
leave at a time, when its chat and the global pace allow; housekeeping claims waves of
deliveries, records the results and watches the batches with a report chat."""

from __future__ import annotations

import asyncio
import logging
import math

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.journal import Journal
from bot.outbox.lanes import Delivery, Job, Lane, Lanes
from bot.outbox.outcomes import Retries, after_send
from bot.outbox.parts import send_part
from bot.outbox.progress import Progress
from bot.outbox.stats import SenderStats
from bot.pace import Pace
from bot.telegram_session import api_session
from conference.model.outbox import DeliveryState

log = logging.getLogger(__name__)


def outbox_bot(token: str, api_base: str, proxy: str | None = None) -> Bot:
    """The sender's own Bot: a session without RetryMiddleware (see the package's docstring)."""
    return Bot(
        token,
        session=api_session(api_base, proxy),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        i18n: I18n,
        *,
        rate: float = 25.0,
        pace: Pace | None = None,
        attempts: int = 5,
        backoff: float = 0.5,
        poll_every: float = 0.5,
        flush_every: float = 0.25,
        progress_every: float = 2.0,
    ) -> None:
        self.bot = bot
        self.pace = pace or Pace(rate)
        self.retries = Retries(attempts, backoff)
        self.poll_every = poll_every
        self.flush_every = flush_every
        self.stats = SenderStats()
        rate = self.pace.rate
        self.wave = max(10, math.ceil(rate))  # about a second of work per claim
        self.low_water = max(5, math.ceil(rate / 2))
        self.cap = max(50, 2 * self.wave)  # deliveries in hand at most (a crash: handed back)
        self._changed = asyncio.Event()  # the dispatcher looks again
        self._kick = asyncio.Event()  # housekeeping looks again
        self.lanes = Lanes(self._changed)
        self.journal = Journal(sessions)
        self.progress = Progress(
            bot,
            i18n,
            self.lanes,
            self.journal,
            self.pace,
            self.retries,
            self.stats,
            self._kick,
            progress_every,
        )
        self._in_hand = 0  # claimed, not yet settled
        self._unstarted = 0
        self._by_batch: dict[int, int] = {}  # batch id -> deliveries in hand
        self._requests = 0  # requests in flight, or waiting for their attempt mark
        self._mark_failures = 0
        self._more = True
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # lifecycle

    async def start(self) -> None:
        back, unknown = await self.journal.recover()
        if back:
            log.info(
                "%d deliveries were in hand, never tried, when the sender stopped: pending again",
                back,
            )
        if unknown:
            log.warning(
                "%d deliveries were being sent when the sender stopped: marked unknown", unknown
            )
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        """Finish the requests in flight, hand back the rest, record everything, stop."""
        if self._task is None:
            return
        self._stopping = True
        self._changed.set()
        self._kick.set()
        task, self._task = self._task, None
        await task

    async def _run(self) -> None:
        housekeeping = asyncio.create_task(self._housekeeping())
        try:
            await self._dispatch()
        finally:
            self._stopping = True
            self._kick.set()
            await asyncio.gather(housekeeping, return_exceptions=True)
            for job in self.lanes.empty():  # handed back as they are
                self.journal.note(job, DeliveryState.PENDING)
            for _attempt in range(3):
                try:
                    await self._flush()
                    break
                except Exception:
                    log.exception("could not record the sender's last results")
                    await asyncio.sleep(0.5)

    # the dispatcher: one request at a time leaves, when its chat and the global pace allow

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._changed.clear()
            if self._stopping:
                if self._requests == 0:
                    return
                await self._changed.wait()
                continue
            now = loop.time()
            wake = math.inf
            lane = self.lanes.next(self.pace)
            if lane is not None:
                at = max(lane.ready_at, self.pace.chat_free_at(lane.chat))
                if at <= now:
                    at = self.pace.ready_at(now)
                    if at <= now:
                        self.lanes.take(lane)
                        self._start(lane, now)
                        continue
                # inf: waiting for an answer; the bot's own replies do not wake us: look again
                wake = at if at < math.inf else now + 0.05
            timer = loop.call_at(wake, self._changed.set) if wake < math.inf else None
            await self._changed.wait()
            if timer is not None:
                timer.cancel()

    def _start(self, lane: Lane, now: float) -> None:
        job = lane.jobs[0]
        if isinstance(job, Delivery):
            if not job.started:
                job.started = True
                self._unstarted -= 1
                if self._unstarted < self.low_water:
                    self._kick.set()
            if lane.blocked:  # a 403 in this chat a moment ago: the same again, unsent
                self._settle(lane, job, DeliveryState.BLOCKED, "blocked earlier in this wave")
                self.lanes.schedule(lane)
                return
        else:
            job.started = True
        lane.busy = True
        self._requests += 1
        self.pace.begin(now)
        task = asyncio.create_task(self._request(lane, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _mark(self, lane: Lane, job: Delivery) -> bool:
        """Commit the attempt mark of this request before it leaves (the transaction also
        records the answers noted since the sender's last write). If that fails, the request
        does not leave: the delivery is in hand again and its chat waits a while."""
        self.journal.note(job, DeliveryState.SENDING, attempted=True)
        try:
            if await self.journal.write():
                self.stats.marks += 1
        except Exception as error:
            self._mark_failures += 1
            delay = min(30.0, self.retries.backoff * 2 ** min(self._mark_failures, 6))
            log.warning(
                "could not mark a request (%s): it waits %.1fs", type(error).__name__, delay
            )
            now = asyncio.get_running_loop().time()
            self.journal.note(job, DeliveryState.SENDING)
            self._requests -= 1
            self.pace.end(now)
            lane.busy = False
            lane.ready_at = max(lane.ready_at, now + delay)
            self.lanes.schedule(lane)
            self._changed.set()
            return False
        self._mark_failures = 0
        self.stats.marked += 1
        return True

    async def _request(self, lane: Lane, job: Job) -> None:
        if isinstance(job, Delivery) and not await self._mark(lane, job):
            return
        loop = asyncio.get_running_loop()
        began = loop.time()
        error: BaseException | None = None
        result: Message | bool | None = None
        try:
            result = await (
                send_part(self.bot, lane.chat, job.claimed.parts[job.done])
                if isinstance(job, Delivery)
                else self.progress.show(lane.chat, job)
            )
        except Exception as exc:
            error = exc
        finally:
            now = loop.time()
            self.pace.end(now, lane.chat)  # remembered beyond the lane's life
            self.stats.requests += 1
            self.stats.waiting += now - began
            self._requests -= 1
            lane.busy = False
            lane.ready_at = max(lane.ready_at, now + self.pace.chat_interval)
        try:
            if isinstance(job, Delivery):
                self._after_send(lane, job, result, error, now)
            else:
                self.progress.after_show(lane, job, result, error, now)
        except Exception:
            log.exception("the sender could not settle a request")
        self.lanes.schedule(lane)
        self._changed.set()

    def _after_send(
        self,
        lane: Lane,
        job: Delivery,
        result: Message | bool | None,
        error: BaseException | None,
        now: float,
    ) -> None:
        message = result if isinstance(result, Message) else None
        state, why = after_send(
            job, lane, message, error, now, pace=self.pace, retries=self.retries, stats=self.stats
        )
        if state is DeliveryState.SENDING:  # in hand again
            self.journal.note(job, state)
            return
        if state is DeliveryState.BLOCKED:
            self.journal.note_unreachable(job.claimed.person_id)
        self._settle(lane, job, state, why)

    def _settle(
        self, lane: Lane, job: Delivery, state: DeliveryState, error: str | None = None
    ) -> None:
        lane.jobs.remove(job)
        self.journal.note(job, state, error)
        self._in_hand -= 1
        left = self._by_batch[job.batch_id] - 1
        if left:
            self._by_batch[job.batch_id] = left
        else:
            del self._by_batch[job.batch_id]
        if len(self.journal) >= self.wave:
            self._kick.set()

    # housekeeping: record results, claim waves, watch batches

    async def _housekeeping(self) -> None:
        loop = asyncio.get_running_loop()
        next_poll = next_check = next_sweep = 0.0
        failures = 0
        wait = self.flush_every
        while not self._stopping:
            timer = loop.call_later(wait, self._kick.set)
            await self._kick.wait()
            timer.cancel()
            self._kick.clear()
            if self._stopping:
                return
            now = loop.time()
            if now >= next_poll:
                self._more, next_poll = True, now + self.poll_every
            try:
                await self._flush()
                if self._more and self._unstarted < self.low_water and self._in_hand < self.cap:
                    if await self._claim() - self.progress.views.keys():
                        next_check = now  # a new batch: show its progress from the start
                if now >= next_check:
                    next_check = now + self.flush_every * 2
                    batches = await self.journal.open_batches()
                    self.progress.check(batches, loop.time(), self._by_batch)
                if now >= next_sweep:  # silent batches left open (empty, or from before)
                    next_sweep = now + self.poll_every
                    await self.journal.finish_silent()
                failures, wait = 0, self.flush_every
            except Exception as error:  # the database is away: keep the results, try again
                failures += 1
                wait = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning(
                    "outbox housekeeping failed (%s), again in %.1fs", type(error).__name__, wait
                )

    async def _flush(self) -> None:
        self.progress.forget(await self.journal.flush())

    async def _claim(self) -> set[int]:
        """Take a wave; returns the batches it came from."""
        limit = min(self.wave, self.cap - self._in_hand)
        claimed = await self.journal.claim(limit)
        if len(claimed) < limit:
            self._more = False
        for item in claimed:
            lane = self.lanes.of(item.person_id)
            lane.jobs.append(Delivery(item, item.parts_done, list(item.message_ids)))
            self._by_batch[item.batch_id] = self._by_batch.get(item.batch_id, 0) + 1
            self.lanes.schedule(lane)
        self._in_hand += len(claimed)
        self._unstarted += len(claimed)
        if claimed:
            self._changed.set()
        return {item.batch_id for item in claimed}
