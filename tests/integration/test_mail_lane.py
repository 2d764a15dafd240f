"""The e-mail lane against a real local SMTP server and database: it takes only web accounts'
deliveries (the Telegram sender never does), sends each once, retries a 4xx, fails a 5xx with the
code only, settles those without an address as "web page only", and after a crash calls an
e-mail that may have left UNKNOWN rather than send it again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.headerregistry import Address
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import LOCALES_DIR
from bot.i18n import CatalogI18n
from bot.outbox.mail import MailSender
from bot.outbox.smtp import SmtpServer
from conference.assignment import assign
from conference.circle import invite
from conference.model.circle import Group, InviteeDraft
from conference.model.ids import ConferenceId, PersonId, web_account_of
from conference.model.outbox import Batch, DeliveryState, Outbound, Outcome, Text
from conference.model.people import StaffMember, StaffRole
from conference.requests import identify, submit_request
from storage.db import create_engine, session_factory
from storage.tables import OutboxDeliveryRow
from storage.uow import SqlUnitOfWork
from tests.mailbox import Mailbox, body_text, smtp_server
from tests.unit.examples import complete_info_talk

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
SENDER = Address("Eigen Kracht Centrale", "kring", "example.org")


@pytest.fixture
async def sessions(migrated_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, str]]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def i18n() -> CatalogI18n:
    return CatalogI18n(path=LOCALES_DIR, default_locale="nl")


async def web_relative(
    sessions: async_sessionmaker[AsyncSession], email: str | None
) -> tuple[ConferenceId, PersonId]:
    """A conference with one relative on the web (Polish), with this address or none."""
    async with SqlUnitOfWork(sessions) as uow:
        await uow.staff.add(StaffMember(PersonId(9001), StaffRole.MANAGER, "Marieke", ("nl",)))
        await uow.staff.add(StaffMember(PersonId(7001), StaffRole.COORDINATOR, "Ayse", ("nl",)))
        await identify(uow, PersonId(8000), "Edith", "nl", ("nl",), "nl")
        request = (
            await submit_request(uow, PersonId(8000), "nl", complete_info_talk(), NOW)
        ).request
        await assign(uow, PersonId(9001), request.id, PersonId(7001), NOW)
        invitee, _token = await invite(
            uow,
            PersonId(7001),
            request.id,
            InviteeDraft("Ewa", "tante", Group.FAMILY, "pl", False),
            NOW,
        )
        account = await uow.web_accounts.add(invitee.id, NOW)
        await uow.invitees.bind(invitee.id, web_account_of(invitee.id), NOW)
        await uow.web_accounts.set_email(account.person_id, email)
        await uow.commit()
    return request.id, account.person_id


async def enqueue(
    sessions: async_sessionmaker[AsyncSession], conference: ConferenceId, *people: PersonId
) -> int:
    async with SqlUnitOfWork(sessions) as uow:
        batch_id = await uow.outbox.enqueue(
            Batch("broadcast", PersonId(7001), conference, report_chat=PersonId(7001)),
            [Outbound(p, None, (Text("<b>Witaj</b>, Ewa!"),)) for p in people],
            NOW,
        )
        await uow.commit()
    return batch_id


def lane(
    sessions: async_sessionmaker[AsyncSession], i18n: CatalogI18n, url: str | None
) -> MailSender:
    return MailSender(
        sessions,
        i18n,
        server=SmtpServer.parse(url) if url else None,
        sender=SENDER,
        organisation="Eigen Kracht Centrale",
        public_url="https://kring.example.org",
        rate=50,
        backoff=0.05,
        poll_every=0.05,
    )


async def settled(sessions: async_sessionmaker[AsyncSession], batch_id: int) -> Any:
    """The delivery's state, error and sent_at once it is final."""
    query = select(
        OutboxDeliveryRow.state, OutboxDeliveryRow.error, OutboxDeliveryRow.sent_at
    ).where(OutboxDeliveryRow.batch_id == batch_id)
    for _ in range(100):
        async with SqlUnitOfWork(sessions) as uow:
            row = (await uow.session.execute(query)).one()
        if row.state not in ("pending", "sending"):
            return row
        await asyncio.sleep(0.05)
    raise AssertionError("the delivery was not settled")


async def test_each_sender_claims_its_own_deliveries(sessions):
    conference, ewa = await web_relative(sessions, "ewa@example.org")
    await enqueue(sessions, conference, PersonId(101), ewa)
    async with SqlUnitOfWork(sessions) as uow:
        telegram = await uow.outbox_sending.claim(10)
        web = await uow.outbox_sending.claim(10, web=True)
        await uow.commit()
    assert [c.person_id for c in telegram] == [101]
    assert [c.person_id for c in web] == [ewa]


async def test_an_email_once_after_a_temporary_refusal(sessions, i18n, mailbox):
    box, url = mailbox
    conference, ewa = await web_relative(sessions, "ewa@example.org")
    box.refusals = ["451 4.7.1 greylisted, try again later"]
    batch_id = await enqueue(sessions, conference, ewa)
    sender = lane(sessions, i18n, url)
    await sender.start()
    try:
        row = await settled(sessions, batch_id)
    finally:
        await sender.stop()
    assert row.state == DeliveryState.SENT.value and row.sent_at is not None
    (message,) = box.to("ewa@example.org")
    assert "Witaj, Ewa!" in body_text(message)
    assert sender.stats.retried == 1 and sender.stats.sent == 1
    async with SqlUnitOfWork(sessions) as uow:
        report = await uow.outbox.report(batch_id)
    assert report is not None and report.delivered == 1


async def test_a_permanent_refusal_fails_with_the_code_only(sessions, i18n, mailbox):
    box, url = mailbox
    conference, ewa = await web_relative(sessions, "ewa@example.org")
    box.refuse_all = "550 5.1.1 <ewa@example.org>: no such user"
    batch_id = await enqueue(sessions, conference, ewa)
    sender = lane(sessions, i18n, url)
    await sender.start()
    try:
        row = await settled(sessions, batch_id)
    finally:
        await sender.stop()
    assert row.state == DeliveryState.FAILED.value
    assert row.error == "SMTP 550: address refused"  # never the address
    assert box.messages == []


@pytest.mark.parametrize("email", [None, "ewa@example.org"])
async def test_without_an_address_or_a_server_only_the_web_page(sessions, i18n, email):
    conference, ewa = await web_relative(sessions, email)
    batch_id = await enqueue(sessions, conference, ewa)
    sender = lane(sessions, i18n, None if email else "smtp://127.0.0.1:9")
    await sender.start()
    try:
        row = await settled(sessions, batch_id)
    finally:
        await sender.stop()
    assert row.state == DeliveryState.WEB_ONLY.value
    async with SqlUnitOfWork(sessions) as uow:
        report = await uow.outbox.report(batch_id)
    assert report is not None and report.web_only == 1 and report.finished


async def test_an_email_that_may_have_left_is_never_sent_again(sessions, i18n, mailbox):
    box, url = mailbox
    conference, ewa = await web_relative(sessions, "ewa@example.org")
    batch_id = await enqueue(sessions, conference, ewa)
    async with SqlUnitOfWork(sessions) as uow:  # taken, marked, then the process died
        (claimed,) = await uow.outbox_sending.claim(10, web=True)
        await uow.outbox_sending.record(
            [Outcome(batch_id, ewa, DeliveryState.SENDING, 0, attempted=True)]
        )
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:  # the Telegram sender's start leaves it alone
        assert await uow.outbox_sending.recover() == (0, 0)
    sender = lane(sessions, i18n, url)
    await sender.start()
    try:
        row = await settled(sessions, batch_id)
        await asyncio.sleep(0.2)
    finally:
        await sender.stop()
    assert row.state == DeliveryState.UNKNOWN.value
    assert box.messages == [] and claimed.person_id == ewa
