"""Issue 13 §4: kring as a service. Three `kring serve` processes share one PostgreSQL, and
Telegram's webhooks are spread over them round robin by a load balancer on loopback
(emulator/balancer.py). The worked example of DOMAIN.md is played through them while a region's
day of reminders goes out: twelve other conferences of eight people each, every person reminded
3 hours before their meeting, the meetings set so that the reminders fall due, a conference at a
time, during the run. Once everyone in the example has voted, and just as a wave of reminders
is leaving, the leading instance is killed with SIGKILL, with six people's messages in flight.

Afterwards:
- every update took effect once: each was claimed once and none waits in the inbox, the six
  got one answer each (an instance that died with their messages in hand left them in the
  inbox: the new leader handled them), and no callback query was answered twice;
- every reminder was sent once: nobody has one twice, and one is missing only where the outbox
  records it as "unknown" because its request may have left at the kill (at most
  KRING_SEND_RATE of them, decision 20);
- no conversation is stuck: everyone is answered when they write again;
- the failover time (the kill -> another instance leads) is printed, and is under 15 s."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from conference.assignment import assign
from conference.circle import answer, invite, open_invitation
from conference.meeting import fix_meeting
from conference.model.circle import Group, InviteeDraft, Rsvp
from conference.model.ids import PersonId
from conference.model.meeting import Venue
from conference.model.people import StaffMember, StaffRole
from conference.model.reminders import Policy
from conference.reminders import parse_offsets
from conference.requests import identify, submit_request
from emulator import BotApiEmulator, Person
from emulator.balancer import RoundRobin
from emulator.server import Call
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.tables import InboxRow, OutboxDeliveryRow, ProcessedUpdateRow, ReminderRow
from storage.uow import SqlUnitOfWork
from tests.flows.steps import TOKEN, WEBHOOK_SECRET, free_port, running_kring
from tests.flows.worked_example import play_the_worked_example
from tests.unit.examples import complete_info_talk

pytestmark = pytest.mark.skipif(
    not os.environ.get("KRING_TEST_POSTGRES_URL"),
    reason="several instances share PostgreSQL: KRING_TEST_POSTGRES_URL is not set",
)

INSTANCES = 3
RATE = 10  # KRING_SEND_RATE
LEADER_RETRY = 2.0
POLICY = Policy(parse_offsets("3h"), ZoneInfo("Europe/Amsterdam"))
CONFERENCES, PEOPLE = 12, 8
FIRST_DUE, EVERY = 20.0, 4.0  # seconds after seeding: one conference's reminders after another
REMINDED = 300_000  # the reminded people's Telegram ids start here
NAMES = ("Frank", "Sandra", "Wim", "Edith", "Herman", "Jan", "Riet", "Johan")
QUIET = 0.15  # no more answers to an update for this long: they are all there


async def seed_reminders(
    url: str, emu: BotApiEmulator
) -> tuple[dict[int, int], dict[int, Person], datetime]:
    """Twelve conferences whose people all said yes, with meetings fixed so that their
    reminders fall due one conference every EVERY seconds. Returns telegram id -> invitee id,
    their phones, and when the last reminder is due."""
    now = datetime.now(UTC)
    ids: dict[int, int] = {}
    phones: dict[int, Person] = {}
    engine = create_engine(url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.staff.add(StaffMember(PersonId(9002), StaffRole.MANAGER, "Marieke", ("nl",)))
        await uow.staff.add(
            StaffMember(PersonId(7003), StaffRole.COORDINATOR, "Kees", ("nl",), "Zeist")
        )
        emu.user("Marieke", language_code="nl", user_id=9002).chat.started = True
        for c in range(CONFERENCES):
            await identify(uow, PersonId(8000 + c), "Edith", "nl", ("nl", "en"), "nl")
            request = (
                await submit_request(uow, PersonId(8000 + c), "nl", complete_info_talk(), now)
            ).request
            await assign(uow, PersonId(9002), request.id, PersonId(7003), now)
            for p in range(PEOPLE):
                telegram_id = REMINDED + c * 100 + p
                name = NAMES[(c + p) % len(NAMES)]
                invitee, token = await invite(
                    uow,
                    PersonId(7003),
                    request.id,
                    InviteeDraft(name, "familie", Group.FAMILY, "nl" if p % 3 else "en", p == 0),
                    now,
                )
                await identify(uow, PersonId(telegram_id), name, "nl", ("nl", "en"), "nl")
                await open_invitation(uow, PersonId(telegram_id), token, now)
                await answer(uow, PersonId(telegram_id), invitee.id, Rsvp.YES, now=now)
                ids[telegram_id] = invitee.id
                phones[telegram_id] = emu.user(name, language_code="nl", user_id=telegram_id)
                phones[telegram_id].chat.started = True  # they opened their link earlier
            starts = now + timedelta(hours=3, seconds=FIRST_DUE + c * EVERY)
            await fix_meeting(
                uow, PersonId(7003), request.id, starts, Venue("De Linde"), now, POLICY
            )
        await uow.commit()
    await engine.dispose()
    return ids, phones, now + timedelta(seconds=FIRST_DUE + (CONFERENCES - 1) * EVERY)


@dataclass
class Instance:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def spawn(url: str, emu: BotApiEmulator, balancer: RoundRobin, port: int, log: Path) -> Instance:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("KRING_") or k == "KRING_DATA_KEY"
    }
    env = {
        **clean,
        "KRING_BOT_TOKEN": TOKEN,
        "KRING_API_BASE": emu.base_url,
        "KRING_DATABASE_URL": url,
        "KRING_LISTEN": f"127.0.0.1:{port}",
        "KRING_WEBHOOK_URL": f"{balancer.url}/telegram",
        "KRING_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "KRING_SEND_RATE": str(RATE),
        "KRING_REMINDERS": "3h",
        "KRING_REMINDER_POLL": "0.5",
        "KRING_LEADER_RETRY": str(LEADER_RETRY),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    return Instance(port, process)


async def until(check: Callable[[], Awaitable[bool]], limit: float, what: str) -> None:
    deadline = time.monotonic() + limit
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit:.0f} s")
        await asyncio.sleep(0.05)


async def answers(http: aiohttp.ClientSession, url: str, pattern: str = "") -> bool:
    try:
        async with http.get(url) as response:
            text = await response.text()
            return response.status == 200 and re.search(pattern, text, re.M) is not None
    except aiohttp.ClientError:
        return False


async def leaders(http: aiohttp.ClientSession, instances: list[Instance]) -> list[Instance]:
    return [
        instance
        for instance in instances
        if instance.process.poll() is None
        and await answers(http, f"{instance.base}/metrics", r"^kring_leader 1(\.0)?$")
    ]


def settle_through(
    emu: BotApiEmulator, engine: AsyncEngine
) -> Callable[[dict[str, Any], int], Awaitable[None]]:
    """The emulator's settle hook for bots in other processes: an update is done once it is
    handled (claimed and committed, by whichever instance took it) and its answers have come:
    requests about its chat or its button press, then QUIET seconds without more."""

    async def settle(update: dict[str, Any], calls_before: int) -> None:
        update_id = update["update_id"]
        kind = next(key for key in update if key != "update_id")
        query = update[kind]["id"] if kind == "callback_query" else None
        chat = str(update[kind]["from"]["id"])

        def about_it(call: Call) -> bool:
            if query is not None and call.params.get("callback_query_id") == query:
                return True
            return str(call.params.get("chat_id")) == chat

        handled = select(exists().where(ProcessedUpdateRow.update_id == update_id))
        async with engine.connect() as connection:
            while not await connection.scalar(handled):
                await connection.rollback()  # a new snapshot
                await asyncio.sleep(0.02)
        deadline = time.monotonic() + 3  # an update nobody is answered for
        while True:
            answers = [call.timestamp for call in emu.calls[calls_before:] if about_it(call)]
            if answers and time.time() - max(answers) >= QUIET and not emu.server.in_flight:
                return
            if not answers and time.monotonic() > deadline:
                return
            await asyncio.sleep(0.02)

    return settle


async def example_outbox_quiet(engine: AsyncEngine, elsewhere: set[int]) -> bool:
    async with engine.connect() as connection:
        busy = await connection.scalar(
            select(func.count())
            .select_from(OutboxDeliveryRow)
            .where(
                OutboxDeliveryRow.state.in_(("pending", "sending")),
                OutboxDeliveryRow.person_id.not_in(elsewhere),
            )
        )
    return not busy


def reminders_received(phone: Person) -> int:
    return sum((m.text or "").startswith(("Herinnering", "Reminder")) for m in phone.messages)


@pytest.fixture
async def postgres_url(database_url: str) -> AsyncIterator[str]:
    if database_url.startswith("sqlite"):
        pytest.skip("three instances on one PostgreSQL")
    await upgrade(database_url)
    yield database_url


async def test_three_instances_lose_nothing_when_the_leader_is_killed(
    postgres_url: str, tmp_path: Path
):
    url = postgres_url
    emu = BotApiEmulator(timeout=40)
    emu.add_bot(token=TOKEN, username="kring_test_bot", first_name="kring")
    log = tmp_path / "kring.log"
    engine = create_engine(url)
    async with emu, aiohttp.ClientSession() as http:
        seeded = datetime.now(UTC)
        ids, phones, last_due = await seed_reminders(url, emu)
        elsewhere = set(ids)

        def reminders_out() -> int:
            return sum(reminders_received(phone) for phone in phones.values())

        ports = [free_port() for _ in range(INSTANCES)]
        balancer = RoundRobin([f"http://127.0.0.1:{port}" for port in ports], rest=1.0)
        await balancer.start()
        instances = [spawn(url, emu, balancer, port, log) for port in ports]
        try:
            for instance in instances:
                ready = functools.partial(answers, http, f"{instance.base}/readyz")
                await until(ready, 60, "an instance ready")

            async def one_leader() -> bool:
                return len(await leaders(http, instances)) == 1

            await until(one_leader, 30, "one leader")
            emu.settle_update_hook = settle_through(emu, engine)
            in_flight: list[Person] = []
            killed: dict[str, float] = {}
            talkers = set(emu.users)  # the example's people come after these

            async def strike() -> None:
                """Everyone has voted: wait for the example's own messages to be out, then
                kill the leader as a wave of reminders leaves, six messages in flight."""
                await until(
                    lambda: example_outbox_quiet(engine, elsewhere), 60, "the example's sends"
                )
                seen = reminders_out()

                async def a_reminder_leaves() -> bool:
                    return reminders_out() > seen

                await until(a_reminder_leaves, 60, "a wave of reminders")
                (leader,) = await leaders(http, instances)
                for name in ("Frank", "Sandra", "Wim", "Edith", "Herman", "Jan"):
                    person = emu.user(name, language_code="nl")
                    await person.send_text("/start", wait=False)
                    in_flight.append(person)
                leader.process.send_signal(signal.SIGKILL)
                killed["at"] = time.monotonic()
                killed["after"] = (datetime.now(UTC) - seeded).total_seconds()
                leader.process.wait(10)
                killed["tried"] = await tried_at_the_kill(engine)

                async def another_leads() -> bool:
                    return len(await leaders(http, instances)) == 1

                await until(another_leads, 30, "another leader")
                killed["failover"] = time.monotonic() - killed["at"]

            example = running_kring(emu, url)  # its settings: where the example adds staff
            await play_the_worked_example(emu, example, midway=strike)

            # the reminders still to come go out, by the new leader
            await asyncio.sleep(max(0.0, (last_due - datetime.now(UTC)).total_seconds() + 2))

            async def drained() -> bool:
                async with engine.connect() as connection:
                    busy = await connection.scalar(
                        select(func.count())
                        .select_from(OutboxDeliveryRow)
                        .where(OutboxDeliveryRow.state.in_(("pending", "sending")))
                    )
                return not busy

            await until(drained, 60, "the outbox drained")
            for person in in_flight:  # handled once, by whoever had it or by the new leader
                await person.wait_for(lambda m: True, timeout=40)
            await asyncio.sleep(1)
            assert [len(p.messages) for p in in_flight] == [1] * len(in_flight)

            # nobody is stuck: everyone who wrote is answered when they write again
            for info in list(emu.users.values()):
                person = Person(emu, info)
                if info.id in talkers or not person.chat.started or person.chat.blocked:
                    continue
                before = person.chat.version
                await person.send_text("/start")
                assert person.chat.version > before, f"{person.first_name} got no answer"
        finally:
            for instance in instances:
                if instance.process.poll() is None:
                    instance.process.send_signal(signal.SIGTERM)
            for instance in instances:
                try:
                    instance.process.wait(20)
                except subprocess.TimeoutExpired:
                    instance.process.kill()
            await balancer.stop()

        # every update took effect once
        delivered = {d.update_id for d in emu.webhook_deliveries if d.status == 200}
        async with session_factory(engine)() as session:
            claimed = set(await session.scalars(select(ProcessedUpdateRow.update_id)))
            stranded = await session.scalar(
                select(func.count())
                .select_from(InboxRow)
                .where(~exists().where(ProcessedUpdateRow.update_id == InboxRow.update_id))
            )
            reminders = (await session.scalars(select(ReminderRow))).all()
            deliveries = {
                (d.batch_id, d.person_id): d.state
                for d in (await session.scalars(select(OutboxDeliveryRow))).all()
            }
        assert delivered and delivered <= claimed
        assert stranded == 0
        answered = Counter(
            c.params.get("callback_query_id") for c in emu.calls_to("answerCallbackQuery", ok=True)
        )
        assert answered and max(answered.values()) == 1

        # every reminder sent once
        by_invitee = {invitee: telegram for telegram, invitee in ids.items()}
        ours = [r for r in reminders if r.invitee_id in by_invitee]
        assert len(ours) == CONFERENCES * PEOPLE
        assert [r for r in ours if r.status != "sent"] == []
        unknown = 0
        for r in ours:
            telegram = by_invitee[r.invitee_id]
            state = deliveries[(r.batch_id, telegram)]
            got = reminders_received(phones[telegram])
            if state == "unknown":
                unknown += 1
                assert got <= 1, f"{telegram}: a reminder twice"
            else:
                assert state == "sent" and got == 1, f"{telegram}: {state}, received {got}"
        assert unknown <= killed["tried"] <= RATE
        failover = killed["failover"]
        print(
            f"failover: {failover:.1f} s (KRING_LEADER_RETRY={LEADER_RETRY}), the leader killed "
            f"{killed['after']:.0f} s in, the last reminder due "
            f"{(last_due - seeded).total_seconds():.0f} s in; reminders "
            f"{len(ours)}, unknown at the kill {unknown}; requests per instance "
            f"{sorted(balancer.served.values())}"
        )
        assert failover < 15
        assert len([n for n in balancer.served.values() if n]) == INSTANCES  # all took part
        assert "Traceback" not in log.read_text(errors="replace")
    await engine.dispose()


async def tried_at_the_kill(engine: AsyncEngine) -> int:
    """Deliveries the killed sender had tried (their request may have left): unknown after."""
    async with engine.connect() as connection:
        return int(
            await connection.scalar(
                select(func.count())
                .select_from(OutboxDeliveryRow)
                .where(
                    OutboxDeliveryRow.state == "sending",
                    OutboxDeliveryRow.attempted_at.is_not(None),
                )
            )
            or 0
        )
