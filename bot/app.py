"""The composition root: everything is built here, from one Settings object, at run time."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from datetime import UTC, datetime, timedelta

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, clock_from
from bot.commands import publish_commands
from bot.config import Settings, data_keys, listen_address
from bot.fsm import DatabaseStorage
from bot.i18n import CatalogI18n, PersonLocaleMiddleware
from bot.leadership import Leadership
from bot.metrics import Metrics
from bot.middlewares import ActorMiddleware, TypedTextMiddleware
from bot.outbox.mail import MailSender
from bot.outbox.sender import OutboxSender, outbox_bot
from bot.outbox.smtp import mail_address
from bot.pace import Pace, PaceMiddleware
from bot.presence import Presence
from bot.processing import RETRY_FIRST, RETRY_MOST, Poller, UpdateProcessor, is_transient
from bot.scheduler import Jobs
from bot.telegram_session import (
    RetryMiddleware,
    UnchangedEditMiddleware,
    api_session,
    keep_response_types,
)
from bot.web_door import web_door
from bot.webhook import WebhookEndpoint
from dialogs import build_router
from dialogs.clock import use_clock
from dialogs.replies import NoMessageBeforeCommit
from storage.db import create_engine, session_factory
from storage.instance_lock import AnotherInstance, InstanceLock, LeaderLock
from storage.migrate import upgrade
from storage.sealing import reseal, scrub
from web.app import mount

log = logging.getLogger(__name__)


async def upgraded(url: str) -> None:
    """Migrations applied; a database that is away at the start (a server restarting, a disk
    full) is waited for, as one that goes away later is, with a line in the log each try."""
    delay = RETRY_FIRST
    while True:
        try:
            await upgrade(url)
            return
        except Exception as error:
            if not is_transient(error):
                raise
            log.warning(
                "the database cannot be reached (%s); trying again in %.1fs",
                type(error).__name__,
                delay,
            )
        await asyncio.sleep(delay)
        delay = min(RETRY_MOST, delay * 2)


# an update waiting this long in the inbox was left there by an instance that is gone
STRAY_AFTER = timedelta(seconds=15)


def build_i18n(settings: Settings) -> CatalogI18n:
    return CatalogI18n(
        path=settings.locales_dir,
        default_locale=settings.default_locale,
        cache_dir=settings.cache_dir,
    )


def build_bot(settings: Settings) -> Bot:
    if settings.bot_token is None:
        raise ValueError("KRING_BOT_TOKEN is required")
    keep_response_types()
    session = api_session(settings.api_base, settings.proxy)
    session.middleware(RetryMiddleware())
    session.middleware(UnchangedEditMiddleware())
    session.middleware(NoMessageBeforeCommit())
    return Bot(
        settings.bot_token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def build_dispatcher(
    settings: Settings, i18n: CatalogI18n, clock: Clock | None = None
) -> Dispatcher:
    dispatcher = Dispatcher(
        storage=DatabaseStorage(),
        zone=settings.zone,
        default_locale=settings.default_locale,
        policy=settings.policy,
        clock=clock or clock_from(settings.clock),
        organisation=settings.organisation,
        invitation_refusals_per_hour=settings.invitation_refusals_per_hour,
        public_url=settings.public_url,
    )
    dispatcher.update.outer_middleware(
        ActorMiddleware(i18n.available_locales, settings.default_locale)
    )
    dispatcher.message.outer_middleware(TypedTextMiddleware())
    PersonLocaleMiddleware(i18n).setup(dispatcher)
    dispatcher.include_router(build_router())
    return dispatcher


class Kring:
    """The running bot: engine, Bot, Dispatcher and the polling loop, built from settings."""

    def __init__(self, settings: Settings, engine: AsyncEngine) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = session_factory(engine)
        self.i18n = build_i18n(settings)
        self.bot = build_bot(settings)
        # one pace for the outbox and the bot's own replies (they count against the outbox)
        self.pace = Pace(settings.send_rate)
        self.bot.session.middleware(PaceMiddleware(self.pace))
        self.outbox = OutboxSender(
            outbox_bot(self.bot.token, settings.api_base, settings.proxy),
            self.sessions,
            self.i18n,
            pace=self.pace,
        )
        # the outbox's deliveries to web accounts (relatives without Telegram): by e-mail
        self.mail = MailSender(
            self.sessions,
            self.i18n,
            server=settings.smtp,
            sender=mail_address(settings.mail_from) if settings.mail_from else None,
            organisation=settings.organisation,
            public_url=settings.public_url,
            rate=settings.mail_rate,
        )
        self.clock = clock_from(settings.clock)
        self.dispatcher = build_dispatcher(settings, self.i18n, self.clock)
        self.metrics = Metrics()
        self.metrics.watch_sender(self.outbox.stats, self.pace)
        self.metrics.watch_mail(self.mail.stats)
        self.processor = UpdateProcessor(
            self.dispatcher, self.bot, self.sessions, self.i18n, self.metrics
        )
        self.poller = Poller(
            self.bot,
            self.processor,
            settings.polling_timeout,
            self.dispatcher.resolve_used_update_types(),
        )
        self.jobs = Jobs(settings, self.bot, self.sessions, self.i18n, self.clock)
        self.metrics.watch_reminders(self.jobs.reminders.stats)
        self.ready = asyncio.Event()  # set once polling begins (tests and benchmarks wait)
        self.leadership = Leadership(
            LeaderLock(self.engine, settings.database_url),
            self._lead,
            self._step_down,
            retry=settings.leader_retry,
        )
        self.presence = Presence(
            self.sessions, self.pace, self.metrics, self.leadership.leading.is_set
        )
        self._stopping = asyncio.Event()
        self._strays: asyncio.Task[None] | None = None

    @classmethod
    async def create(cls, settings: Settings, *, migrate: bool = True) -> Kring:
        """The bot on this database. With `migrate` (as `kring run` and `kring serve` start):
        the migrations first, then values written before sealing began are sealed (once; a
        quick look finds none later). ConfigError: no data key to be had."""
        if migrate:
            await upgraded(settings.database_url)
        keys = data_keys(settings)
        engine = create_engine(settings.database_url, keys)
        if migrate:
            try:
                sealed = await reseal(engine, keys, legacy_only=True)
                if sealed:
                    await scrub(engine)
            except BaseException:
                await engine.dispose()
                raise
            if sealed:
                log.info(
                    "sealed %d values written before encryption at rest (%s)",
                    sum(s.values for s in sealed),
                    ", ".join(s.column for s in sealed),
                )
        return cls(settings, engine)

    async def run_polling(self) -> None:
        lock = InstanceLock(self.engine, self.settings.database_url, polling=True)
        await lock.acquire()  # AnotherInstance: one line, nothing started
        keeping = asyncio.create_task(self._keep_polling_alone(lock), name="instance-lock")
        try:
            await self._poll()
        finally:
            keeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeping
            await lock.release()

    async def _keep_polling_alone(self, lock: InstanceLock) -> None:
        """On PostgreSQL the lock lives on a connection of its own, which the database may end
        (a restart, a cut): take it again at the next look. If another `kring run` took it
        meanwhile, this one stops (two pollers would take turns at Telegram's updates)."""
        while True:
            await asyncio.sleep(self.settings.leader_retry)
            if await lock.still_held():
                continue
            try:
                await lock.acquire()
            except AnotherInstance:
                log.error(
                    "another kring took this database's updates while the lock was lost: stopping"
                )
                self.stop()
                return
            except Exception as error:  # the database is away: the next look
                log.warning(
                    "the instance lock was lost; cannot take it again yet (%s)",
                    type(error).__name__,
                )
                continue
            log.warning("the instance lock was lost with its connection; taken again")

    async def _poll(self) -> None:
        # Every task started from here on (each update's handling) reads this clock.
        use_clock(self.clock)
        # Both before polling (getUpdates is refused while a webhook is set); one round trip.
        me, _ = await asyncio.gather(
            self.bot.get_me(), self.bot.delete_webhook(drop_pending_updates=False)
        )
        log.info("kring runs as @%s (polling)", me.username)
        # Everything built so far lives as long as the process: keep the garbage collector
        # from scanning it again and again (aiogram and pydantic build many objects). No full
        # collection first: it would hold up the start for a fifth of a second, to free little
        # (about 2,000 objects). `kring run` builds with the collector off (bot/__main__.py): on.
        gc.freeze()
        gc.enable()
        self.jobs.start()
        await self.outbox.start()
        await self.mail.start()
        self.metrics.leader.set(1)  # polling runs alone: it sends and schedules
        # The command menu is a nicety, not needed to answer anyone: it goes out meanwhile.
        commands = asyncio.create_task(self._publish_commands(), name="publish-commands")
        page = await self._web_door()
        self.ready.set()
        try:
            await self.poller.run()
        finally:
            if page is not None:
                await page.cleanup()
            commands.cancel()
            await self.jobs.stop()
            await self.outbox.stop()
            await self.mail.stop()

    async def _web_door(self) -> web.AppRunner | None:
        """`kring run` with KRING_PUBLIC_URL: the invitation page on KRING_LISTEN (no access
        log: its paths hold the links' tokens)."""
        if not self.settings.public_url:
            return None
        root = web.Application()
        mount(root, web_door(self.settings, self.sessions, self.i18n, self.clock))
        runner = web.AppRunner(root, access_log=None)
        await runner.setup()
        host, port = listen_address(self.settings)
        await web.TCPSite(runner, host, port).start()
        log.info("the invitation page listens on %s:%d", host, port)
        return runner

    async def _publish_commands(self) -> None:
        for attempt in range(5):
            try:
                await publish_commands(self.bot, self.i18n)
                return
            except Exception as error:  # Telegram down at start: the bot works without it
                log.warning(
                    "could not publish the command menu (%s), attempt %d",
                    type(error).__name__,
                    attempt + 1,
                )
                await asyncio.sleep(30 * (attempt + 1))

    async def run_webhook(self) -> None:
        """`kring serve`: take updates on KRING_LISTEN as Telegram posts them to
        KRING_WEBHOOK_URL, until stopped. The webhook stays set when it stops: another instance
        (or this one, restarted) goes on, and Telegram keeps what it could not deliver."""
        lock = InstanceLock(self.engine, self.settings.database_url, polling=False)
        await lock.acquire()  # AnotherInstance: one line, nothing started
        try:
            await self._serve()
        finally:
            await lock.release()

    async def _serve(self) -> None:
        url, secret = self.settings.webhook_url, self.settings.webhook_secret
        if not url or not secret:
            raise ValueError("kring serve needs KRING_WEBHOOK_URL and KRING_WEBHOOK_SECRET")
        use_clock(self.clock)
        self.processor.in_order = True  # other instances may hold a person's earlier updates
        lanes = self.poller.lanes
        endpoint = WebhookEndpoint(
            self.bot,
            self.sessions,
            lanes,
            secret,
            self.metrics,
            self.clock.now,
            self.settings.invitation_refusals_per_hour,
        )
        served = endpoint.app()
        if self.settings.public_url:
            mount(served, web_door(self.settings, self.sessions, self.i18n, self.clock))
        runner = web.AppRunner(served, access_log=None)
        await runner.setup()
        try:
            await self.poller.recover()
            host, port = listen_address(self.settings)
            await web.TCPSite(runner, host, port).start()
            me, _ = await asyncio.gather(
                self.bot.get_me(),
                self.bot.set_webhook(
                    url,
                    secret_token=secret,
                    allowed_updates=self.dispatcher.resolve_used_update_types(),
                    max_connections=self.settings.webhook_max_connections,
                    drop_pending_updates=False,
                ),
            )
            log.info("kring runs as @%s (webhook, listening on %s:%d)", me.username, host, port)
            gc.freeze()  # see run_polling
            gc.enable()
            leading = asyncio.create_task(self.leadership.run(), name="leadership")
            present = asyncio.create_task(self.presence.run(), name="presence")
            commands = asyncio.create_task(self._publish_commands(), name="publish-commands")
            self.ready.set()
            try:
                await self._stopping.wait()
            finally:
                commands.cancel()
                await runner.shutdown()  # no new updates; those in hand are finished
                if not await lanes.drain(timeout=10):
                    log.warning("stopping with updates still in hand: the inbox keeps them")
                await lanes.cancel()
                leading.cancel()  # steps down: the scheduler and the sender stop
                present.cancel()
                await asyncio.gather(leading, present, return_exceptions=True)
        finally:
            await runner.cleanup()

    async def _lead(self) -> None:
        """This instance sends the outbox and runs the scheduler (`kring serve`'s leader), and
        handles what another instance took in and left behind."""
        self.jobs.start()
        await self.outbox.start()
        await self.mail.start()
        self._strays = asyncio.create_task(self._adopt_strays(), name="strays")
        self.metrics.leader.set(1)

    async def _step_down(self) -> None:
        self.metrics.leader.set(0)
        if self._strays is not None:
            self._strays.cancel()
            await asyncio.gather(self._strays, return_exceptions=True)
            self._strays = None
        await self.jobs.stop()
        await self.outbox.stop()
        await self.mail.stop()

    async def _adopt_strays(self) -> None:
        """An update that waits in the inbox for STRAY_AFTER was taken in by an instance that
        died before handling it: the leader handles it. Should that instance be only slow, the
        person's turn and the claim keep the update handled once and in order (decision 28)."""
        while True:
            await asyncio.sleep(self.settings.leader_retry)
            try:
                await self.poller.recover(received_before=datetime.now(UTC) - STRAY_AFTER)
            except Exception as error:  # the database is away: the next look
                log.warning("cannot look for strays in the inbox (%s)", type(error).__name__)

    def stop(self) -> None:
        self.poller.stop()
        self._stopping.set()

    async def close(self) -> None:
        await self.bot.session.close()
        await self.outbox.bot.session.close()
        await self.engine.dispose()
