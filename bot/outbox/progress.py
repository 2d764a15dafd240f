"""A batch's progress in its report chat: above PROGRESS_ABOVE recipients one message counts up
("Versturen: 34 van 120 …", edited at most every `every` seconds, through the same lanes and
limits as the deliveries), then becomes the report; smaller batches get the report only. A
report chat that cannot be reached gets no more of either, and its batch finishes all the same."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Container, Iterable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.outbox.journal import Journal
from bot.outbox.lanes import Delivery, Lane, Lanes, ProgressUpdate
from bot.outbox.outcomes import Retries
from bot.outbox.parts import REQUEST_TIMEOUT
from bot.outbox.report_texts import progress_text, report_text
from bot.outbox.stats import SenderStats
from bot.pace import Pace
from conference.model.outbox import OpenBatch

log = logging.getLogger(__name__)


@dataclass
class BatchView:
    """What the sender knows of an open batch."""

    batch: OpenBatch
    progress_message_id: int | None = None
    shown_done: int = -1
    shown_at: float = -math.inf
    update: ProgressUpdate | None = None
    finishing: bool = False
    silent: bool = False  # the report chat cannot be reached: no more progress, no report


class Progress:
    """The progress message and report of every open batch with a report chat. Finished
    batches are noted in the journal; `kick` sets housekeeping to write them."""

    def __init__(
        self,
        bot: Bot,
        i18n: I18n,
        lanes: Lanes,
        journal: Journal,
        pace: Pace,
        retries: Retries,
        stats: SenderStats,
        kick: asyncio.Event,
        every: float,
    ) -> None:
        self.bot = bot
        self.i18n = i18n
        self.lanes = lanes
        self.journal = journal
        self.pace = pace
        self.retries = retries
        self.stats = stats
        self.kick = kick
        self.every = every
        self.views: dict[int, BatchView] = {}

    def check(self, batches: Iterable[OpenBatch], now: float, in_hand: Container[int]) -> None:
        """Queue a progress update or the report where one is due; `in_hand`: the batches
        with deliveries in the sender's hands."""
        for batch in batches:
            view = self.views.get(batch.id)
            if view is None:
                view = self.views[batch.id] = BatchView(batch, batch.progress_message_id)
            if view.finishing:
                continue
            view.batch = batch
            settled = batch.report.finished and batch.id not in in_hand
            if batch.report_chat is None or view.silent:
                if settled:
                    view.finishing = True
                    self.journal.note_finished(batch.id)
                continue
            if view.update is not None:
                if settled and not view.update.started:
                    view.update.final = True  # rendered when it leaves: the report then
                continue
            if settled:
                self._queue(batch, ProgressUpdate(batch.id, final=True))
            elif batch.shows_progress and (
                view.progress_message_id is None
                or (now - view.shown_at >= self.every and batch.report.done != view.shown_done)
            ):
                self._queue(batch, ProgressUpdate(batch.id))

    def forget(self, batch_ids: Iterable[int]) -> None:
        """These batches are finished."""
        for batch_id in batch_ids:
            self.views.pop(batch_id, None)

    async def show(self, chat: int, update: ProgressUpdate) -> Message | bool:
        """Send the progress message (or the report), or edit the one shown."""
        view = self.views[update.batch_id]
        locale = view.batch.report_locale
        if locale not in self.i18n.available_locales:
            locale = self.i18n.default_locale
        with self.i18n.context(), self.i18n.use_locale(locale):
            report = view.batch.report
            text = report_text(report) if update.final else progress_text(report)
        if view.progress_message_id is None:
            return await self.bot.send_message(chat, text, request_timeout=REQUEST_TIMEOUT)
        self.stats.edits += 1
        return await self.bot.edit_message_text(
            text=text,
            chat_id=chat,
            message_id=view.progress_message_id,
            request_timeout=REQUEST_TIMEOUT,
        )

    def after_show(
        self,
        lane: Lane,
        update: ProgressUpdate,
        result: Message | bool | None,
        error: BaseException | None,
        now: float,
    ) -> None:
        """Take Telegram's answer: done, the same again later (429, passing trouble, a message
        gone), or no more reports in that chat."""
        view = self.views.get(update.batch_id)
        if view is None:
            lane.jobs.remove(update)
            return
        if isinstance(error, TelegramRetryAfter):
            self.pace.throttle(now)
            lane.ready_at = max(lane.ready_at, now + error.retry_after)
            return
        if isinstance(error, TelegramServerError | TelegramNetworkError):
            update.attempts += 1
            if update.attempts < self.retries.attempts:
                lane.ready_at = max(lane.ready_at, now + self.retries.delay(update.attempts))
                return
        if isinstance(error, TelegramBadRequest) and view.progress_message_id is not None:
            if "not modified" not in error.message:  # gone or too old: a new message then
                view.progress_message_id = None
                self.journal.note_progress_message(update.batch_id, None)
                return  # the same update goes again, as a new message
            error = None
        lane.jobs.remove(update)
        view.update = None
        if isinstance(result, Message):
            view.progress_message_id = result.message_id
            self.journal.note_progress_message(update.batch_id, result.message_id)
        if error is not None:  # blocked, gone, or kept failing: no more reports there
            view.silent = True
            log.warning(
                "batch %s: could not show progress to its report chat (%s)",
                update.batch_id,
                type(error).__name__,
            )
        view.shown_at, view.shown_done = now, view.batch.report.done
        if update.final:
            view.finishing = True
            self.journal.note_finished(update.batch_id)
            self.kick.set()

    def _queue(self, batch: OpenBatch, update: ProgressUpdate) -> None:
        assert batch.report_chat is not None
        self.views[batch.id].update = update
        lane = self.lanes.of(batch.report_chat)
        # ahead of the chat's own deliveries, but never between the parts of one
        first = lane.jobs[0] if lane.jobs else None
        at = (
            1
            if isinstance(first, Delivery) and (first.done > first.claimed.parts_done or lane.busy)
            else 0
        )
        lane.jobs.insert(at, update)
        self.lanes.schedule(lane)
