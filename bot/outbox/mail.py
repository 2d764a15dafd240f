"""The e-mail lane: the outbox's deliveries to web accounts (relatives without Telegram, ids in
WEB_ACCOUNT_IDS), which the Telegram sender never claims. Each goes as one e-mail when the
account has an address and KRING_SMTP_URL is set; otherwise it is settled WEB_ONLY (not sent:
the person's web page shows it all, and the report counts it apart).

The same rules as the Telegram sender's: a delivery is claimed in a short transaction, its
attempt mark committed before the e-mail leaves, and SENT (or FAILED) recorded after, so a crash
loses or repeats at most the one e-mail in flight (at the next start it is UNKNOWN, never sent
again). Paced (KRING_MAIL_RATE a second). A 4xx answer or trouble reaching the server is tried
again with back-off, a 5xx fails at once; errors carry the server's code, never an address or a
text. One person's e-mails leave in the order they were queued. Logs carry ids and counts."""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import CatalogI18n
from bot.outbox.mail_render import render_mail
from bot.outbox.smtp import Security, SmtpServer
from conference.model.ids import InviteeId, PersonId
from conference.model.outbox import Claimed, DeliveryState, Outcome
from storage.uow import SqlUnitOfWork
from web.addresses import mine

log = logging.getLogger(__name__)

WAVE = 10  # deliveries claimed at a time


@dataclass
class MailStats:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    web_only: int = 0  # settled without an e-mail (no address, or no mail server)


@dataclass(eq=False)
class MailJob:
    claimed: Claimed
    address: str
    locale: str
    invitee_id: InviteeId
    attempts: int = 0


@dataclass(order=True)
class _Later:
    at: float
    seq: int
    person: PersonId = field(compare=False)


class Temporary(Exception):
    """The server or the way to it failed for now: try again later."""


class Permanent(Exception):
    """The server refused the e-mail for good."""


async def send_mail(server: SmtpServer, message: EmailMessage, seconds: float) -> None:
    """One e-mail through the server; Temporary or Permanent (with the code only) if not."""
    try:
        await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.security is Security.TLS,
            start_tls=True if server.security is Security.STARTTLS else None,
            timeout=seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = [refused.code for refused in error.recipients]
        if all(500 <= code < 600 for code in codes):
            raise Permanent(f"SMTP {codes[0]}: address refused") from None
        raise Temporary(f"SMTP {codes[0]}") from None
    except aiosmtplib.SMTPResponseException as error:
        if 500 <= error.code < 600:
            raise Permanent(f"SMTP {error.code}") from None
        raise Temporary(f"SMTP {error.code}") from None
    except (aiosmtplib.SMTPException, OSError) as error:
        raise Temporary(type(error).__name__) from None


class MailSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        i18n: CatalogI18n,
        *,
        server: SmtpServer | None,
        sender: Address | None,
        organisation: str,
        public_url: str | None,
        rate: float = 2.0,
        attempts: int = 5,
        backoff: float = 1.0,
        poll_every: float = 0.5,
        timeout: float = 30.0,
    ) -> None:
        self.sessions, self.i18n = sessions, i18n
        self.server = server if sender is not None else None
        self.sender = sender
        self.organisation, self.public_url = organisation, public_url
        self.interval = 1.0 / rate
        self.attempts, self.backoff = attempts, backoff
        self.poll_every, self.timeout = poll_every, timeout
        self.stats = MailStats()
        self._queues: dict[PersonId, deque[MailJob]] = {}  # per person, in order
        self._ready: deque[PersonId] = deque()  # persons whose first e-mail may go now
        self._later: list[_Later] = []  # persons whose first e-mail waits for a retry
        self._seq = 0
        self._last_sent = -1e9
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        async with SqlUnitOfWork(self.sessions) as uow:
            back, unknown = await uow.outbox_sending.recover(web=True)
            await uow.commit()
        if unknown:
            log.warning("%d e-mails were being sent when the sender stopped: unknown", unknown)
        if back:
            log.info("%d e-mails were in hand, never tried: pending again", back)
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="mail-sender")

    async def stop(self) -> None:
        """Finish the e-mail in flight, hand the rest back, stop."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        await task

    async def _run(self) -> None:
        failures = 0
        loop = asyncio.get_running_loop()
        try:
            while not self._stopping:
                try:
                    # more while none may go now (those waiting for a retry do not hold
                    # up others), up to a few waves in hand
                    if not self._ready and sum(map(len, self._queues.values())) < 5 * WAVE:
                        await self._claim()
                    job = self._next(loop.time())
                    if job is not None:
                        await self._send(job)
                        failures = 0
                        continue
                    failures = 0
                    await self._sleep(self._wait(loop.time()))
                except Exception as error:  # the database is away: the jobs stay in hand
                    failures += 1
                    wait = min(30.0, 0.5 * 2 ** min(failures, 6))
                    log.warning("mail sender: %s, again in %.1fs", type(error).__name__, wait)
                    await self._sleep(wait)
        finally:
            await self._hand_back()

    def _wait(self, now: float) -> float:
        if self._later:
            return max(0.0, min(self.poll_every, self._later[0].at - now))
        return self.poll_every

    async def _sleep(self, seconds: float) -> None:
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    async def _claim(self) -> None:
        """A wave of web accounts' deliveries: those that cannot go by e-mail are settled
        WEB_ONLY in the same transaction, the others wait in their person's queue."""
        now = datetime.now(UTC)
        async with SqlUnitOfWork(self.sessions) as uow:
            claimed = await uow.outbox_sending.claim(WAVE, web=True)
            if not claimed:
                return
            web_only: list[Outcome] = []
            jobs: list[MailJob] = []
            for item in claimed:
                account = await uow.web_accounts.get(item.person_id)
                invitee = (
                    await uow.invitees.get(account.invitee_id) if account is not None else None
                )
                if self.server is None or account is None or not account.email:
                    web_only.append(
                        Outcome(item.batch_id, item.person_id, DeliveryState.WEB_ONLY, 0)
                    )
                    continue
                locale = invitee.locale if invitee is not None else self.i18n.default_locale
                jobs.append(MailJob(item, account.email, locale, account.invitee_id))
            await uow.outbox_sending.record(web_only)
            await uow.outbox_sending.finish_silent(now, {o.batch_id for o in web_only})
            await uow.commit()
        self.stats.web_only += len(web_only)
        if web_only:
            log.info("%d messages for web accounts without an e-mail address", len(web_only))
        for job in jobs:
            person = job.claimed.person_id
            if person not in self._queues:
                self._queues[person] = deque()
                self._ready.append(person)
            self._queues[person].append(job)

    def _next(self, now: float) -> MailJob | None:
        while self._later and self._later[0].at <= now:
            self._ready.append(heapq.heappop(self._later).person)
        if not self._ready:
            return None
        return self._queues[self._ready[0]][0]

    async def _send(self, job: MailJob) -> None:
        """One e-mail: paced, its attempt mark committed first, its outcome after."""
        loop = asyncio.get_running_loop()
        pause = self._last_sent + self.interval - loop.time()
        if pause > 0:
            await asyncio.sleep(pause)
        assert self.server is not None and self.sender is not None
        claimed = job.claimed
        with self.i18n.context(), self.i18n.use_locale(job.locale):
            message = render_mail(
                claimed.parts,
                sender=self.sender,
                recipient=job.address,
                locale=job.locale,
                organisation=self.organisation,
                page_url=f"{self.public_url}/i/{mine(job.invitee_id)}"
                if self.public_url
                else None,
            )
        mark = Outcome(
            claimed.batch_id, claimed.person_id, DeliveryState.SENDING, 0, attempted=True
        )
        await self._record(mark)
        self._last_sent = loop.time()
        try:
            await send_mail(self.server, message, self.timeout)
        except Temporary as error:
            job.attempts += 1
            if job.attempts < self.attempts:
                self.stats.retried += 1
                self._postpone(claimed.person_id, self.backoff * 2.0 ** (job.attempts - 1))
                # in hand again, not attempted: a crash now hands it back, the same bet
                await self._record(
                    Outcome(claimed.batch_id, claimed.person_id, DeliveryState.SENDING, 0),
                    surely=True,
                )
                return
            await self._fail(job, str(error))
            return
        except Permanent as error:
            await self._fail(job, str(error))
            return
        self.stats.sent += 1
        await self._settle(job, DeliveryState.SENT)

    async def _fail(self, job: MailJob, why: str) -> None:
        self.stats.failed += 1
        log.warning("batch %s: an e-mail failed (%s)", job.claimed.batch_id, why)
        await self._settle(job, DeliveryState.FAILED, why)

    def _postpone(self, person: PersonId, delay: float) -> None:
        self._ready.remove(person)
        self._seq += 1
        at = asyncio.get_running_loop().time() + delay
        heapq.heappush(self._later, _Later(at, self._seq, person))

    async def _settle(self, job: MailJob, state: DeliveryState, error: str | None = None) -> None:
        claimed = job.claimed
        queue = self._queues[claimed.person_id]
        queue.popleft()
        self._ready.remove(claimed.person_id)
        if queue:
            self._ready.append(claimed.person_id)
        else:
            del self._queues[claimed.person_id]
        done = len(claimed.parts) if state is DeliveryState.SENT else 0
        await self._record(
            Outcome(claimed.batch_id, claimed.person_id, state, done, error=error),
            finished=True,
            surely=True,
        )

    async def _record(
        self, outcome: Outcome, finished: bool = False, surely: bool = False
    ) -> None:
        """One record in a transaction of its own. `surely`: the e-mail left (or was
        refused): the record is tried again a while, rather than the e-mail sent again; if it
        never goes in, the attempt mark stands and the next start calls it UNKNOWN."""
        for attempt in range(8 if surely else 1):
            try:
                async with SqlUnitOfWork(self.sessions) as uow:
                    await uow.outbox_sending.record([outcome])
                    if finished:  # a silent batch (a reminder) ends with its last delivery
                        await uow.outbox_sending.finish_silent(
                            datetime.now(UTC), {outcome.batch_id}
                        )
                    await uow.commit()
                return
            except Exception as error:
                if not surely:
                    raise
                log.warning("could not record an e-mail (%s)", type(error).__name__)
                await asyncio.sleep(min(10.0, 0.5 * 2**attempt))

    async def _hand_back(self) -> None:
        """A clean stop: what is in hand and not being sent goes back to PENDING."""
        outcomes = [
            Outcome(job.claimed.batch_id, job.claimed.person_id, DeliveryState.PENDING, 0)
            for queue in self._queues.values()
            for job in queue
        ]
        self._queues.clear()
        self._ready.clear()
        self._later.clear()
        if not outcomes:
            return
        try:
            async with SqlUnitOfWork(self.sessions) as uow:
                await uow.outbox_sending.record(outcomes)
                await uow.commit()
        except Exception as error:  # the next start hands them back (never marked)
            log.warning("could not hand e-mails back (%s)", type(error).__name__)
