"""`kring serve`: Telegram posts each update to an HTTPS address (the operator's TLS proxy in
front of this aiohttp server). An update is committed to the inbox before the answer 200, so
one that could not be stored is delivered again (a 5xx); then it is handled in the same lanes
as polling. Only requests carrying the webhook's secret token are taken; the health endpoints
say whether this instance lives and can serve, /metrics how it goes."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import orjson
from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import Metrics
from bot.processing import Lanes, sender_of
from conference.circle import REFUSED, TRIES_IN_TOTAL, TRIES_WINDOW
from storage.migrate import declared_head, revision_of
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram"
# the inbox is behind when an update waits this long (seconds) to be handled
INBOX_LAG_LIMIT = 60.0
# the outbox is behind when a batch waits this long (seconds): a broadcast to a hundred takes
# seconds, the biggest wave of reminders minutes; longer, and nothing is being sent
OUTBOX_LAG_LIMIT = 900.0


class WebhookEndpoint:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        lanes: Lanes,
        secret: str,
        metrics: Metrics,
        now: Callable[[], datetime],
        invitation_refusals_per_hour: int = TRIES_IN_TOTAL,
    ) -> None:
        self.invitation_refusals_per_hour = invitation_refusals_per_hour
        self.bot = bot
        self.sessions = sessions
        self.lanes = lanes
        self._secret = secret.encode()
        self.metrics = metrics
        self.now = now

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(WEBHOOK_PATH, self.receive)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.scrape)
        return app

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook: a request without the right secret token was refused")
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        body = await request.read()
        try:
            update = Update.model_validate_json(body, context={"bot": self.bot})
        except ValidationError:
            # Telegram would deliver it again and again: set aside, logged without its content
            log.warning("webhook: an update that does not parse was set aside")
            self.metrics.updates_set_aside.inc()
            return web.json_response({"ok": True})
        try:
            async with SqlUnitOfWork(self.sessions) as uow:
                await uow.updates.receive([(update.update_id, sender_of(update), body.decode())])
                await uow.commit()
        except Exception as error:
            log.warning(
                "webhook: update %s could not be stored (%s); Telegram delivers it again",
                update.update_id,
                type(error).__name__,
            )
            return web.json_response({"ok": False, "error": "not stored"}, status=503)
        self.lanes.submit(update)
        return web.json_response({"ok": True})

    async def healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(self, _request: web.Request) -> web.Response:
        checks: dict[str, object] = {}
        try:
            async with SqlUnitOfWork(self.sessions) as uow:
                waiting, oldest = await uow.updates.inbox_lag()
                unsent, oldest_unsent = await uow.outbox_sending.backlog()
                current = await revision_of(await uow.session.connection())
            checks["database"] = "ok"
            lag = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
            checks["inbox"] = {"waiting": waiting, "oldest_s": round(lag, 1)}
            # batches are stamped by the app's clock (KRING_CLOCK in tests)
            behind = (self.now() - oldest_unsent).total_seconds() if oldest_unsent else 0.0
            checks["outbox"] = {"waiting": unsent, "oldest_s": round(max(0.0, behind), 1)}
            head = declared_head()
            at_head = head is None or current == head
            checks["migrations"] = "at head" if at_head else "behind: run `kring db upgrade`"
            ready = lag <= INBOX_LAG_LIMIT and behind <= OUTBOX_LAG_LIMIT and at_head
        except Exception as error:
            checks["database"] = f"unreachable ({type(error).__name__})"
            ready = False
        body = {"status": "ready" if ready else "not ready", "checks": checks}
        return web.json_response(body, status=200 if ready else 503, dumps=_dumps)

    async def scrape(self, _request: web.Request) -> web.Response:
        """/metrics: this process's counts, and the backlogs as the database has them."""
        m = self.metrics
        try:
            async with SqlUnitOfWork(self.sessions) as uow:
                inbox_waiting, _ = await uow.updates.inbox_lag()
                outbox_waiting, oldest = await uow.outbox_sending.backlog()
                overdue = await uow.reminders.overdue(self.now())
                refused = await uow.audit.count_recent(REFUSED, TRIES_WINDOW)
        except Exception as error:
            log.warning("metrics: the database did not answer (%s)", type(error).__name__)
        else:
            m.inbox_waiting.set(inbox_waiting)
            m.outbox_waiting.set(outbox_waiting)
            age = (self.now() - oldest).total_seconds() if oldest is not None else 0.0
            m.outbox_oldest_seconds.set(max(0.0, age))
            m.reminders_overdue.set(overdue)
            m.invitation_refusals.set(refused)
            m.invitation_links_paused.set(int(refused >= self.invitation_refusals_per_hour))
        return web.Response(
            body=generate_latest(m.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )


def _dumps(value: object) -> str:
    return orjson.dumps(value).decode()
