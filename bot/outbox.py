"""The one outbound sender: takes the outbox's deliveries and sends them within Telegram's limits.

Work goes in waves: claim a wave of pending deliveries (one short transaction marks them SENDING:
in hand), send, and record what happened. Before the request for a delivery's part leaves, its
attempt mark ("part `parts_done` may have left") is committed in a short transaction of its own,
which also records the answers that came in since the sender's last write; the flush a few
times a second (`flush_every`) records the rest. The sender's writes queue on one lock, in the
order things happened, and no transaction is held open across a call to Telegram. The sender
finds new deliveries by looking every `poll_every` seconds (queued by any process).

A crash (SIGKILL, power): at the next start a delivery only in hand, its next part never marked,
is pending again and goes on at that part (nothing lost, nothing repeated); one marked with no
answer recorded becomes UNKNOWN, is reported as such and never sent again. So a crash loses at
most the requests in flight at the sender's last commit before it (each commit records every
answer that came before it): requests in flight plus answers not yet recorded, which the pace
keeps to at most max(1, ⌊KRING_SEND_RATE⌋) requests (bot/pace.py never has more in flight). A
clean stop waits for the requests in flight and hands the rest back as they are (a message half
sent goes on at its next part).

Limits (bot/pace.py): a global rate (KRING_SEND_RATE) shared with the bot's interactive replies,
and per chat one message a second, counted from Telegram's answer. Every chat has its own lane: the
parts of a message go out in order, a second later each, while other chats go ahead; ready lanes
take turns. 429: the chat waits `retry_after` and the global pace drops (Telegram's 429 may be
global), then climbs back. 5xx or network trouble: retried with exponential back-off, failed after
five attempts (a request that timed out may have arrived: that retry can repeat one message; the
Bot API has no idempotency key); until the retry is marked anew the delivery is in hand again,
so a crash meanwhile hands it back, the same bet as the retry. 403: blocked, and the person is
marked unreachable. 400 (chat not found, text too long, ...): failed at once.

The sender has its own Bot and HTTP session (aiogram's, as the bot's) without bot/sender.py's
RetryMiddleware: that one sleeps inside the call on a 429, and the sender must see the 429 to
reschedule only that chat.

Batches with a report chat show their progress there: above PROGRESS_ABOVE recipients one message
counts up ("Versturen: 34 van 120 …", edited at most every two seconds, through the same limits),
then becomes the report; smaller batches get the report only. Logs carry ids and counts only."""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pace import Pace
from bot.sender import api_session
from conference.model import PersonId
from conference.outbox import (
    FINAL_STATES,
    BatchReport,
    Claimed,
    DeliveryState,
    Document,
    OpenBatch,
    Outcome,
    Photo,
    Text,
    Venue,
)
from conference.requests import mark_unreachable
from dialogs.texts import _, ngettext
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 15  # seconds; a hung request holds up its chat and a clean stop


def outbox_bot(token: str, api_base: str, proxy: str | None = None) -> Bot:
    """The sender's own Bot: a session without RetryMiddleware (see the module docstring)."""
    return Bot(
        token,
        session=api_session(api_base, proxy),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def progress_text(report: BatchReport) -> str:
    return _("Versturen: {done} van {total} …").format(done=report.done, total=report.total)


def report_text(report: BatchReport) -> str:
    lines = [
        ngettext(
            "Klaar: {delivered} van de {total} heeft het bericht ontvangen.",
            "Klaar: {delivered} van de {total} hebben het bericht ontvangen.",
            report.delivered,
        ).format(delivered=report.delivered, total=report.addressed)
    ]
    if report.failed:
        lines.append(
            ngettext(
                "⚠️ {count} kon niet worden bezorgd (Telegram weigerde het)",
                "⚠️ {count} konden niet worden bezorgd (Telegram weigerde het)",
                report.failed,
            ).format(count=report.failed)
        )
    if report.unknown:
        lines.append(
            _("❔ {count} onzeker: het versturen werd onderbroken en wordt niet herhaald").format(
                count=report.unknown
            )
        )
    if report.skipped:
        lines.append(
            ngettext(
                "📵 {count} is nog niet bereikbaar via Telegram (niet verstuurd)",
                "📵 {count} zijn nog niet bereikbaar via Telegram (niet verstuurd)",
                report.skipped,
            ).format(count=report.skipped)
        )
    # Only someone who started the bot is ever sent to, so a 403 now (blocked) and one noted
    # before (left out) both mean: this person blocked the bot.
    if blocked := report.blocked + report.unreachable:
        lines.append(
            ngettext(
                "🚫 {count} heeft de bot geblokkeerd (niet verstuurd)",
                "🚫 {count} hebben de bot geblokkeerd (niet verstuurd)",
                blocked,
            ).format(count=blocked)
        )
    return "\n".join(lines)


@dataclass(eq=False)
class _Delivery:
    claimed: Claimed
    done: int
    message_ids: list[int]
    attempts: int = 0
    started: bool = False

    @property
    def batch_id(self) -> int:
        return self.claimed.batch_id


@dataclass(eq=False)
class _ReportOp:
    batch_id: int
    final: bool = False
    attempts: int = 0
    started: bool = False


Job = _Delivery | _ReportOp


@dataclass(eq=False)
class _Lane:
    chat: int
    jobs: deque[Job] = field(default_factory=deque)
    ready_at: float = -math.inf
    busy: bool = False
    queued: bool = False  # in the ready heap
    blocked: bool = False


@dataclass
class _View:
    """What the sender knows of an open batch."""

    batch: OpenBatch
    progress_message_id: int | None = None
    shown_done: int = -1
    shown_at: float = -math.inf
    op: _ReportOp | None = None
    finishing: bool = False
    silent: bool = False  # the report chat cannot be reached: no more progress, no report


@dataclass
class SenderStats:
    sent: int = 0  # messages (parts) Telegram accepted
    requests: int = 0
    marks: int = 0  # transactions that committed attempt marks (each before its requests left)
    marked: int = 0  # requests marked
    waiting: float = 0.0  # seconds requests were in flight, summed
    retried: int = 0  # 5xx and network errors retried
    blocked: int = 0
    failed: int = 0
    edits: int = 0


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
        self.sessions = sessions
        self.i18n = i18n
        self.pace = pace or Pace(rate)
        self.attempts = attempts
        self.backoff = backoff
        self.poll_every = poll_every
        self.flush_every = flush_every
        self.progress_every = progress_every
        self.stats = SenderStats()
        rate = self.pace.rate
        self.wave = max(10, math.ceil(rate))  # about a second of work per claim
        self.low_water = max(5, math.ceil(rate / 2))
        self.cap = max(50, 2 * self.wave)  # deliveries in hand at most (a crash: handed back)
        self._lanes: dict[int, _Lane] = {}
        self._ready: list[tuple[float, int, int]] = []
        self._seq = 0
        self._in_hand = 0  # claimed, not yet settled
        self._unstarted = 0
        self._by_batch: dict[int, int] = {}  # batch id -> deliveries in hand
        self._requests = 0  # requests in flight, or waiting for their attempt mark
        # what the database is to hear, one record per delivery (a later one replaces an
        # earlier: each says all), written by whichever transaction of the sender comes next
        self._journal: dict[tuple[int, int], Outcome] = {}
        self._mark_failures = 0
        self._writing = asyncio.Lock()  # the sender's writes, one at a time, in order
        self._ended: set[int] = set()  # batches with final outcomes written: finish_silent
        self._unreachable: list[PersonId] = []
        self._progress_ids: dict[int, int | None] = {}
        self._finished: list[int] = []
        self._views: dict[int, _View] = {}
        self._more = True
        self._stopping = False
        self._changed = asyncio.Event()  # the dispatcher looks again
        self._kick = asyncio.Event()  # housekeeping looks again
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # lifecycle

    async def start(self) -> None:
        async with SqlUnitOfWork(self.sessions) as uow:
            back, unknown = await uow.outbox_sending.recover()
            await uow.commit()
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
            self._hand_back()
            for _attempt in range(3):
                try:
                    await self._flush()
                    break
                except Exception:
                    log.exception("could not record the sender's last results")
                    await asyncio.sleep(0.5)

    def _hand_back(self) -> None:
        for lane in self._lanes.values():
            for job in lane.jobs:
                if isinstance(job, _Delivery):
                    self._note(job, DeliveryState.PENDING)
        self._lanes.clear()
        self._ready.clear()

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
            lane = self._next_lane()
            if lane is not None:
                at = max(lane.ready_at, self.pace.chat_free_at(lane.chat))
                if at <= now:
                    at = self.pace.ready_at(now)
                    if at <= now:
                        heapq.heappop(self._ready)
                        lane.queued = False
                        self._start(lane, now)
                        continue
                # inf: waiting for an answer; the bot's own replies do not wake us: look again
                wake = at if at < math.inf else now + 0.05
            timer = loop.call_at(wake, self._changed.set) if wake < math.inf else None
            await self._changed.wait()
            if timer is not None:
                timer.cancel()

    def _next_lane(self) -> _Lane | None:
        while self._ready:
            at, _seq, chat = self._ready[0]
            lane = self._lanes.get(chat)
            if lane is None or not lane.queued:
                heapq.heappop(self._ready)
                continue
            later = max(lane.ready_at, self.pace.chat_free_at(chat))
            if later > at:  # the bot wrote to this chat meanwhile: take its turn later
                heapq.heapreplace(self._ready, (later, self._next_seq(), chat))
                continue
            return lane
        return None

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _schedule(self, lane: _Lane) -> None:
        if lane.busy or lane.queued:
            return
        if not lane.jobs:
            del self._lanes[lane.chat]
            return
        lane.queued = True
        heapq.heappush(self._ready, (lane.ready_at, self._next_seq(), lane.chat))
        self._changed.set()

    def _start(self, lane: _Lane, now: float) -> None:
        job = lane.jobs[0]
        if isinstance(job, _Delivery):
            if not job.started:
                job.started = True
                self._unstarted -= 1
                if self._unstarted < self.low_water:
                    self._kick.set()
            if lane.blocked:  # a 403 in this chat a moment ago: the same again, unsent
                self._settle(lane, job, DeliveryState.BLOCKED, "blocked earlier in this wave")
                self._schedule(lane)
                return
        else:
            job.started = True
        lane.busy = True
        self._requests += 1
        self.pace.begin(now)
        task = asyncio.create_task(self._request(lane, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _mark(self, lane: _Lane, job: _Delivery) -> bool:
        """Commit the attempt mark of this request before it leaves (the transaction also
        records the answers noted since the sender's last write). If that fails, the request
        does not leave: the delivery is in hand again and its chat waits a while."""
        self._note(job, DeliveryState.SENDING, attempted=True)
        try:
            if await self._write():
                self.stats.marks += 1
        except Exception as error:
            self._mark_failures += 1
            delay = min(30.0, self.backoff * 2 ** min(self._mark_failures, 6))
            log.warning(
                "could not mark a request (%s): it waits %.1fs", type(error).__name__, delay
            )
            now = asyncio.get_running_loop().time()
            self._note(job, DeliveryState.SENDING)
            self._requests -= 1
            self.pace.end(now)
            lane.busy = False
            lane.ready_at = max(lane.ready_at, now + delay)
            self._schedule(lane)
            self._changed.set()
            return False
        self._mark_failures = 0
        self.stats.marked += 1
        return True

    async def _request(self, lane: _Lane, job: Job) -> None:
        if isinstance(job, _Delivery) and not await self._mark(lane, job):
            return
        loop = asyncio.get_running_loop()
        began = loop.time()
        error: BaseException | None = None
        result: Message | bool | None = None
        try:
            result = await (
                self._send(lane.chat, job)
                if isinstance(job, _Delivery)
                else self._report(lane.chat, job)
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
            if isinstance(job, _Delivery):
                self._after_send(lane, job, result, error, now)
            else:
                self._after_report(lane, job, result, error, now)
        except Exception:
            log.exception("the sender could not settle a request")
        self._schedule(lane)
        self._changed.set()

    # deliveries

    async def _send(self, chat: int, job: _Delivery) -> Message:
        part = job.claimed.parts[job.done]
        protect = part.protect_content or None
        if isinstance(part, Text):
            markup = (
                InlineKeyboardMarkup(
                    inline_keyboard=[
                        [
                            InlineKeyboardButton(text=label, callback_data=data)
                            for label, data in row
                        ]
                        for row in part.buttons
                    ]
                )
                if part.buttons
                else None
            )
            return await self.bot.send_message(
                chat,
                part.text,
                reply_markup=markup,
                protect_content=protect,
                request_timeout=REQUEST_TIMEOUT,
            )
        if isinstance(part, Document):
            return await self.bot.send_document(
                chat,
                BufferedInputFile(part.data, part.filename),
                caption=part.caption,
                protect_content=protect,
                request_timeout=REQUEST_TIMEOUT,
            )
        if isinstance(part, Venue):
            return await self.bot.send_venue(
                chat,
                part.latitude,
                part.longitude,
                part.title,
                part.address,
                protect_content=protect,
                request_timeout=REQUEST_TIMEOUT,
            )
        assert isinstance(part, Photo)
        return await self.bot.send_photo(
            chat,
            BufferedInputFile(part.data, "photo.jpg"),
            caption=part.caption,
            protect_content=protect,
            request_timeout=REQUEST_TIMEOUT,
        )

    def _after_send(
        self, lane: _Lane, job: _Delivery, result: Any, error: BaseException | None, now: float
    ) -> None:
        if error is None:
            self.stats.sent += 1
            job.message_ids.append(result.message_id)
            job.done += 1
            job.attempts = 0
            if job.done == len(job.claimed.parts):
                self._settle(lane, job, DeliveryState.SENT)
            else:  # in hand again, at its next part
                self._note(job, DeliveryState.SENDING)
            return
        if isinstance(error, TelegramRetryAfter):
            self.pace.throttle(now)
            lane.ready_at = max(lane.ready_at, now + error.retry_after)
            self._note(job, DeliveryState.SENDING)  # refused, not sent: in hand again
        elif isinstance(error, TelegramForbiddenError):
            self.stats.blocked += 1
            lane.blocked = True
            self._unreachable.append(job.claimed.person_id)
            self._settle(lane, job, DeliveryState.BLOCKED, error.message)
        elif isinstance(error, TelegramServerError | TelegramNetworkError):
            job.attempts += 1
            if job.attempts >= self.attempts:
                self.stats.failed += 1
                self._settle(lane, job, DeliveryState.FAILED, _describe(error))
            else:  # the retry is the same bet: in hand again until it is marked anew
                self.stats.retried += 1
                delay = self.backoff * 2 ** (job.attempts - 1)
                lane.ready_at = max(lane.ready_at, now + delay)
                self._note(job, DeliveryState.SENDING)
        else:  # 400 and the rest: sending again would fail again
            self.stats.failed += 1
            if not isinstance(error, TelegramAPIError):
                log.error(
                    "batch %s: unexpected %s while sending", job.batch_id, type(error).__name__
                )
            self._settle(lane, job, DeliveryState.FAILED, _describe(error))

    def _note(
        self,
        job: _Delivery,
        state: DeliveryState,
        error: str | None = None,
        attempted: bool = False,
    ) -> None:
        """What the database is to hear about this delivery (replacing what it was to hear)."""
        self._journal[(job.batch_id, job.claimed.person_id)] = Outcome(
            job.batch_id,
            job.claimed.person_id,
            state,
            job.done,
            tuple(job.message_ids),
            error,
            attempted,
        )

    def _settle(
        self, lane: _Lane, job: _Delivery, state: DeliveryState, error: str | None = None
    ) -> None:
        lane.jobs.remove(job)
        self._note(job, state, error)
        self._in_hand -= 1
        left = self._by_batch[job.batch_id] - 1
        if left:
            self._by_batch[job.batch_id] = left
        else:
            del self._by_batch[job.batch_id]
        if len(self._journal) >= self.wave:
            self._kick.set()

    # progress and reports

    async def _report(self, chat: int, op: _ReportOp) -> Message | bool:
        view = self._views[op.batch_id]
        locale = view.batch.report_locale
        if locale not in self.i18n.available_locales:
            locale = self.i18n.default_locale
        with self.i18n.context(), self.i18n.use_locale(locale):
            text = report_text(view.batch.report) if op.final else progress_text(view.batch.report)
        if view.progress_message_id is None:
            return await self.bot.send_message(chat, text, request_timeout=REQUEST_TIMEOUT)
        self.stats.edits += 1
        return await self.bot.edit_message_text(
            text=text,
            chat_id=chat,
            message_id=view.progress_message_id,
            request_timeout=REQUEST_TIMEOUT,
        )

    def _after_report(
        self, lane: _Lane, op: _ReportOp, result: Any, error: BaseException | None, now: float
    ) -> None:
        view = self._views.get(op.batch_id)
        if view is None:
            lane.jobs.remove(op)
            return
        if isinstance(error, TelegramRetryAfter):
            self.pace.throttle(now)
            lane.ready_at = max(lane.ready_at, now + error.retry_after)
            return
        if isinstance(error, TelegramServerError | TelegramNetworkError):
            op.attempts += 1
            if op.attempts < self.attempts:
                lane.ready_at = max(lane.ready_at, now + self.backoff * 2 ** (op.attempts - 1))
                return
        if isinstance(error, TelegramBadRequest) and view.progress_message_id is not None:
            if "not modified" not in error.message:  # gone or too old: a new message then
                view.progress_message_id = None
                self._progress_ids[op.batch_id] = None
                return  # the same op goes again, as a new message
            error = None
        lane.jobs.remove(op)
        view.op = None
        if isinstance(result, Message):
            view.progress_message_id = result.message_id
            self._progress_ids[op.batch_id] = result.message_id
        if error is not None:  # blocked, gone, or kept failing: no more reports there
            view.silent = True
            log.warning(
                "batch %s: could not show progress to its report chat (%s)",
                op.batch_id,
                type(error).__name__,
            )
        view.shown_at, view.shown_done = now, view.batch.report.done
        if op.final:
            view.finishing = True
            self._finished.append(op.batch_id)
            self._kick.set()

    def _check_batches(self, batches: Iterable[OpenBatch], now: float) -> None:
        for batch in batches:
            view = self._views.get(batch.id)
            if view is None:
                view = self._views[batch.id] = _View(batch, batch.progress_message_id)
            if view.finishing:
                continue
            view.batch = batch
            settled = batch.report.finished and batch.id not in self._by_batch
            if batch.report_chat is None or view.silent:
                if settled:
                    view.finishing = True
                    self._finished.append(batch.id)
                continue
            if view.op is not None:
                if settled and not view.op.started:
                    view.op.final = True  # rendered when it leaves: the report then
                continue
            if settled:
                self._queue_op(batch, _ReportOp(batch.id, final=True))
            elif batch.shows_progress and (
                view.progress_message_id is None
                or (
                    now - view.shown_at >= self.progress_every
                    and batch.report.done != view.shown_done
                )
            ):
                self._queue_op(batch, _ReportOp(batch.id))

    def _queue_op(self, batch: OpenBatch, op: _ReportOp) -> None:
        assert batch.report_chat is not None
        self._views[batch.id].op = op
        lane = self._lanes.get(batch.report_chat)
        if lane is None:
            lane = self._lanes[batch.report_chat] = _Lane(batch.report_chat)
        # ahead of the chat's own deliveries, but never between the parts of one
        at = (
            1
            if lane.jobs
            and isinstance(lane.jobs[0], _Delivery)
            and (lane.jobs[0].done > lane.jobs[0].claimed.parts_done or lane.busy)
            else 0
        )
        lane.jobs.insert(at, op)
        self._schedule(lane)

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
                    if await self._claim() - self._views.keys():
                        next_check = now  # a new batch: show its progress from the start
                if now >= next_check:
                    next_check = now + self.flush_every * 2
                    async with SqlUnitOfWork(self.sessions) as uow:
                        batches = await uow.outbox_sending.open_batches(reported_only=True)
                    self._check_batches(batches, loop.time())
                if now >= next_sweep:  # silent batches left open (empty, or from before)
                    next_sweep = now + self.poll_every
                    async with SqlUnitOfWork(self.sessions) as uow:
                        if await uow.outbox_sending.finish_silent(datetime.now(UTC)):
                            await uow.commit()
                failures, wait = 0, self.flush_every
            except Exception as error:  # the database is away: keep the results, try again
                failures += 1
                wait = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning(
                    "outbox housekeeping failed (%s), again in %.1fs", type(error).__name__, wait
                )

    async def _write(self) -> bool:
        """Write the journal in a transaction of its own; False if there was nothing to write
        (a mark noted while another write waited is written by that one). The sender's writes
        queue on one lock (never held across a call to Telegram), so what the database hears of
        a delivery comes in the order it happened."""
        async with self._writing:
            if not self._journal:
                return False
            records, self._journal = self._journal, {}
            try:
                async with SqlUnitOfWork(self.sessions) as uow:
                    await uow.outbox_sending.record(list(records.values()))
                    await uow.commit()
            except BaseException:
                self._restore(records)
                raise
            self._ended.update(o.batch_id for o in records.values() if o.state in FINAL_STATES)
            return True

    def _restore(self, records: dict[tuple[int, int], Outcome]) -> None:
        for key, record in records.items():  # what came in meanwhile is newer
            self._journal.setdefault(key, record)

    async def _flush(self) -> None:
        async with self._writing:
            unreachable, self._unreachable = self._unreachable, []
            progress, self._progress_ids = self._progress_ids, {}
            finished, self._finished = self._finished, []
            ended, self._ended = self._ended, set()
            if not (self._journal or unreachable or progress or finished or ended):
                return
            records: dict[tuple[int, int], Outcome] = {}
            try:
                async with SqlUnitOfWork(self.sessions) as uow:
                    records, self._journal = self._journal, {}
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
        for batch_id in finished:
            self._views.pop(batch_id, None)
            log.info("batch %s finished", batch_id)
        if silent:
            log.debug("%d silent batches finished", silent)

    async def _claim(self) -> set[int]:
        """Take a wave; returns the batches it came from."""
        limit = min(self.wave, self.cap - self._in_hand)
        async with SqlUnitOfWork(self.sessions) as uow:
            claimed = await uow.outbox_sending.claim(limit)
            await uow.commit()
        if len(claimed) < limit:
            self._more = False
        for item in claimed:
            lane = self._lanes.get(item.person_id)
            if lane is None:
                lane = self._lanes[item.person_id] = _Lane(item.person_id)
            lane.jobs.append(_Delivery(item, item.parts_done, list(item.message_ids)))
            self._by_batch[item.batch_id] = self._by_batch.get(item.batch_id, 0) + 1
            self._schedule(lane)
        self._in_hand += len(claimed)
        self._unstarted += len(claimed)
        if claimed:
            self._changed.set()
        return {item.batch_id for item in claimed}


def _describe(error: BaseException) -> str:
    """Telegram's own words (no message content), or the kind of failure."""
    if isinstance(error, TelegramAPIError):
        return error.message
    return type(error).__name__
