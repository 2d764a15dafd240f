"""Scheduled work. APScheduler only wakes us; what is due is read from the database each time
(several processes cannot share an APScheduler job store), so a job that ran late or twice
does no harm. Job ids are fixed, so a restart replaces rather than adds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.i18n import CatalogI18n
from bot.reminders import ReminderRunner
from conference.assignment import flag_overdue
from conference.erasure import Retained, apply_retention
from conference.model.outbox import Batch
from dialogs.flows.manager import overdue_notices
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

FLAG_OVERDUE = "flag-overdue-requests"
HOUSEKEEPING = "housekeeping"
RETENTION = "retention"
KEEP_UPDATE_IDS = timedelta(days=7)  # Telegram keeps an update 24 hours at most
STOP_WAIT = 10.0  # seconds a stop waits for the jobs under way


REMINDERS = "reminders"
REMINDERS_NEXT = "reminders-next"


class Jobs:
    def __init__(
        self,
        settings: Settings,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        i18n: CatalogI18n,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.bot = bot
        self.sessions = sessions
        self.i18n = i18n
        self.clock = clock or SystemClock()
        self.reminders = ReminderRunner(sessions, i18n, self.clock, settings.zone)
        self.scheduler = AsyncIOScheduler(timezone=settings.zone)
        self._reminding = asyncio.Lock()
        self._looked = False  # the first look at the reminders is logged (start-up is over)
        self._working: set[asyncio.Task[Any]] = set()  # the jobs running now

    def start(self) -> None:
        self.scheduler.add_job(
            self.flag_overdue_requests,
            "interval",
            minutes=30,
            id=FLAG_OVERDUE,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
            next_run_time=datetime.now(UTC),
        )
        # Reminders: a regular look (also right at start: what fell due while we were down)
        # and one exact wake-up at the next due moment, moved after every look.
        self.scheduler.add_job(
            self.send_reminders,
            "interval",
            seconds=self.settings.reminder_poll,
            id=REMINDERS,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
            next_run_time=datetime.now(UTC),
        )
        # Every night, and a minute or two after the start (a bot that does not run at night
        # still forgets)
        for job, name, minute, after in (
            (self.housekeeping, HOUSEKEEPING, 30, 1),
            (self.retention, RETENTION, 45, 2),
        ):
            self.scheduler.add_job(
                job,
                "cron",
                hour=3,
                minute=minute,
                id=name,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
                next_run_time=datetime.now(UTC) + timedelta(minutes=after),
            )
        self.scheduler.start()

    async def housekeeping(self) -> tuple[int, int]:
        """Forget what is no longer needed: the texts of messages sent more than
        KRING_KEEP_SENT_DAYS ago, and update ids older than a week. Returns both counts.
        By the real time, not the clock (KRING_CLOCK): what it compares was stamped so."""
        with self._at_work():
            return await self._housekeeping()

    async def _housekeeping(self) -> tuple[int, int]:
        now = datetime.now(UTC)
        try:
            async with SqlUnitOfWork(self.sessions) as uow:
                texts = await uow.outbox_sending.forget_settled(
                    now - timedelta(days=self.settings.keep_sent_days)
                )
                updates = await uow.updates.forget_before(now - KEEP_UPDATE_IDS)
                await uow.commit()
        except Exception:
            log.exception("housekeeping failed (it runs again tonight)")
            return 0, 0
        if texts or updates:
            log.info("housekeeping: forgot %d message texts and %d update ids", texts, updates)
        return texts, updates

    async def retention(self) -> Retained | None:
        """Erase what is kept no longer (KRING_RETENTION_DAYS after a conference closed;
        strangers after a day), by the clock. Logs counts only."""
        with self._at_work():
            try:
                async with SqlUnitOfWork(self.sessions) as uow:
                    done = await apply_retention(
                        uow,
                        self.clock.now(),
                        timedelta(days=self.settings.retention_days),
                        datetime.now(UTC),
                    )
                    await uow.commit()
            except Exception:
                log.exception("retention failed (it runs again tonight)")
                return None
        if done.closed or done.conferences or done.strangers:
            log.info(
                "retention: %d conferences closed, %d erased, %d strangers removed",
                done.closed,
                done.conferences,
                done.strangers,
            )
        return done

    async def stop(self) -> None:
        """No new runs; the ones under way finish (a look at the reminders commits or rolls
        back whole, never cut off halfway by the process ending), then the scheduler stops."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()
        if self._working:
            await asyncio.wait(set(self._working), timeout=STOP_WAIT)
        self.scheduler.shutdown(wait=False)

    @contextlib.contextmanager
    def _at_work(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._working.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._working.discard(task)

    async def send_reminders(self) -> tuple[int, int]:
        # The regular look and the exact wake-up are two jobs: one at a time (the database
        # would refuse the second anyway: a batch key is unique)
        with self._at_work():
            return await self._send_reminders()

    async def _send_reminders(self) -> tuple[int, int]:
        async with self._reminding:
            try:
                return await self.reminders.run_due()
            finally:
                await self._wake_for_next()

    async def _wake_for_next(self) -> None:
        wait = await self.reminders.next_due_in()
        if not self._looked:
            self._looked = True
            log.info(
                "reminders: first look done, next due %s",
                "never" if wait is None else f"in {wait:.1f}s",
            )
        if wait is None or wait >= self.settings.reminder_poll or not self.scheduler.running:
            return  # the regular look comes first
        self.scheduler.add_job(
            self.send_reminders,
            "date",
            id=REMINDERS_NEXT,
            replace_existing=True,
            run_date=datetime.now(UTC) + timedelta(seconds=wait),
            misfire_grace_time=3600,
        )

    async def flag_overdue_requests(self) -> int:
        with self._at_work():
            return await self._flag_overdue_requests()

    async def _flag_overdue_requests(self) -> int:
        async with SqlUnitOfWork(self.sessions) as uow:
            overdue = await flag_overdue(uow, self.clock.now(), self.settings.zone)
            if overdue.requests:
                notices = overdue_notices(self.i18n, self.settings.default_locale, overdue)
                batch = Batch(
                    "overdue", None, key="overdue:" + ",".join(str(r.id) for r in overdue.requests)
                )
                await uow.outbox.enqueue(batch, notices, self.clock.now())
            await uow.commit()
        if overdue.requests:
            log.info("%d requests wait for a coordinator; managers told", len(overdue.requests))
        return len(overdue.requests)
