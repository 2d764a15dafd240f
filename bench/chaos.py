"""Chaos: relatives tap while everything around kring fails, and nothing they were told was saved
is lost (issue 14).

A real `kring run` process (long polling, against the emulator on loopback) serves two
conferences of the worked example's circle: in one, six relatives vote on four proposed dates
(each tap on a date moves it on: ✅ -> 🟡 -> ❌ -> ✅); in the other the date is fixed and six
relatives change their mind (yes <-> no), each change telling the coordinator. Meanwhile:
- the process is SIGKILLed at random moments (`--kills`, 100 per database) and started again,
  as a supervisor would;
- PostgreSQL: the bot's database connections are terminated at random (`pg_terminate_backend`),
  and once the database is gone for 10 s (a proxy on loopback between kring and PostgreSQL
  drops every connection and refuses new ones);
- SQLite: once the disk is full for 10 s (the database lives on a small tmpfs of its own, a
  file fills it; needs root to mount, else skipped and said so).

Each relative acts as a person does: taps, and waits for the answer. A tap answered "Opgeslagen
✓" is *confirmed*; one that gets no answer within a minute (`--patience`) makes them look
again (/me, the dates) and take what they see as the truth: it must be their last state or the
tap applied once. Afterwards the database must hold every person's last state (`lost` counts
what does not), no callback query was answered twice, no date moved twice for one tap and the
coordinator got no more notices than there were changes (`duplicated`), and everyone gets an
answer when they write again, with nothing left in the inbox (`stuck`).

    python -m bench.chaos [--database sqlite|postgresql|both] [--kills N] [--seed S]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

Last line: `chaos: kills=.. db_faults=.. taps=.. confirmed=.. lost=.. duplicated=.. stuck=..`
(summed over the databases run). The kring processes' logs go to a temporary directory,
named on stderr. The default (both databases, 100 kills each) takes about 15 minutes;
tests/integration/test_chaos.py runs a short version.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bench.fresh_database import fresh_database
from conference.assignment import assign
from conference.circle import answer, invite, open_invitation
from conference.meeting import fix_meeting, propose_slots
from conference.model.circle import Group, InviteeDraft, Rsvp
from conference.model.ids import PersonId
from conference.model.meeting import Venue
from conference.model.people import Gender, StaffMember, StaffRole
from conference.requests import identify, submit_request
from emulator import BotApiEmulator, Person
from emulator.view import BotMessage
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.repositories.updates import SqlUpdateLog
from storage.tables import InviteeRow, VoteRow
from storage.uow import SqlUnitOfWork
from tests.unit.examples import complete_info_talk

TOKEN = "123456:chaos-bench-token"
ZONE = ZoneInfo("Europe/Amsterdam")
COORDINATOR, MANAGER = 7001, 9001
VOTERS = ("Frank", "Sandra", "Wim", "Herman", "Jan", "Riet")  # the worked example's circle
CHANGERS = ("Edith", "Johan", "Henk", "Ria", "Karin", "Bas")
SAVED = "Opgeslagen ✓"
SYMBOLS = {"❔": None, "✅": "yes", "🟡": "ifneedbe", "❌": "no"}  # Vote values
NEXT_VOTE = {None: "yes", "yes": "ifneedbe", "ifneedbe": "no", "no": "yes"}


@dataclass
class Figures:
    kills: int = 0
    db_faults: int = 0
    taps: int = 0
    confirmed: int = 0
    lost: int = 0
    duplicated: int = 0
    stuck: int = 0
    exits: int = 0  # times kring stopped by itself (and was started again)
    notes: list[str] = field(default_factory=list)

    def add(self, other: Figures) -> None:
        for name in (
            "kills",
            "db_faults",
            "taps",
            "confirmed",
            "lost",
            "duplicated",
            "stuck",
            "exits",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.notes += other.notes

    def line(self) -> str:
        return (
            f"chaos: kills={self.kills} db_faults={self.db_faults} taps={self.taps} "
            f"confirmed={self.confirmed} lost={self.lost} duplicated={self.duplicated} "
            f"stuck={self.stuck}"
        )


# --- the world ---------------------------------------------------------------------------


@dataclass
class World:
    voters: dict[int, int]  # telegram id -> invitee id (the conference that votes)
    changers: dict[int, int]  # telegram id -> invitee id (the fixed one; they change their mind)
    slots: list[int]


async def prepare(url: str) -> World:
    """The two conferences, everyone's invitation open and answered yes."""
    await upgrade(url)
    engine = create_engine(url)
    now = datetime.now(UTC)
    voters: dict[int, int] = {}
    changers: dict[int, int] = {}
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await uow.staff.add(
                StaffMember(PersonId(MANAGER), StaffRole.MANAGER, "Marieke", ("nl",))
            )
            await uow.staff.add(
                StaffMember(
                    PersonId(COORDINATOR),
                    StaffRole.COORDINATOR,
                    "Ayse Demir",
                    ("nl",),
                    "Utrecht",
                    gender=Gender.FEMALE,
                )
            )
            conferences = []
            for c in range(2):
                await identify(uow, PersonId(8000 + c), "Edith", "nl", ("nl",), "nl")
                info = complete_info_talk()
                request = (await submit_request(uow, PersonId(8000 + c), "nl", info, now)).request
                await assign(uow, PersonId(MANAGER), request.id, PersonId(COORDINATOR), now)
                conferences.append(request.id)
            for c, (names, into) in enumerate(((VOTERS, voters), (CHANGERS, changers))):
                for p, name in enumerate(names):
                    telegram_id = 100_000 + c * 100 + p
                    draft = InviteeDraft(name, "familie", Group.FAMILY, "nl", p == 0)
                    invitee, token = await invite(
                        uow, PersonId(COORDINATOR), conferences[c], draft, now
                    )
                    await identify(uow, PersonId(telegram_id), name, "nl", ("nl",), "nl")
                    await open_invitation(uow, PersonId(telegram_id), token, now)
                    await answer(uow, PersonId(telegram_id), invitee.id, Rsvp.YES, now=now)
                    into[telegram_id] = invitee.id
            days = [datetime.now(ZONE) + timedelta(days=d) for d in (20, 21, 22, 23)]
            added, _ask = await propose_slots(
                uow,
                PersonId(COORDINATOR),
                conferences[0],
                "\n".join(f"{d.day}-{d.month} 10:00" for d in days),
                now,
                ZONE,
                ("nl",),
            )
            await fix_meeting(
                uow,
                PersonId(COORDINATOR),
                conferences[1],
                now + timedelta(days=30),
                Venue("De Linde"),
                now,
                None,
            )
            await uow.commit()
    finally:
        await engine.dispose()
    return World(voters, changers, [s.id for s in added])


# --- the bot process and its faults ---------------------------------------------------------


class Supervisor:
    """Starts `kring run` again whenever it is killed, as systemd would."""

    def __init__(self, url: str, api: str, logs: Path) -> None:
        self.url, self.api, self.logs = url, api, logs
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> None:
        clean = {  # the data key stays: the database's, made by fresh_database if need be
            k: v
            for k, v in os.environ.items()
            if not k.startswith("KRING_") or k == "KRING_DATA_KEY"
        }
        env = {
            **clean,
            "KRING_BOT_TOKEN": TOKEN,
            "KRING_API_BASE": self.api,
            "KRING_DATABASE_URL": self.url,
            "KRING_POLLING_TIMEOUT": "1",
        }
        self.started_at = time.time()
        with self.logs.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def died(self) -> bool:
        return self.process is not None and self.process.poll() is not None


async def up(emu: BotApiEmulator, supervisor: Supervisor, limit: float = 120) -> int:
    """Until the bot asks for updates after it was (last) started; starts it again should it
    stop by itself (counted: the return value), as a supervisor would."""
    exits = 0
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if supervisor.died():
            exits += 1
            supervisor.start()
        for call in reversed(emu.calls):
            if call.timestamp < supervisor.started_at:
                break
            if call.method == "getUpdates":
                return exits
        await asyncio.sleep(0.05)
    raise RuntimeError(f"kring did not start polling within {limit:.0f} s")


class DatabaseProxy:
    """A TCP relay on loopback between kring and PostgreSQL that can drop every connection
    and refuse new ones for a while: the database is gone, as in a restart or a failover."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.down = False
        self.links: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            writer.close()
            return
        self.links |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.links -= {writer, up_writer}

    def cut(self) -> None:
        self.down = True
        for link in list(self.links):
            link.transport.abort()

    def restore(self) -> None:
        self.down = False

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def terminate_connections(admin_url: str, database: str) -> int:
    """pg_terminate_backend on kring's connections: what a PostgreSQL restart or an idle
    timeout of a pooler does to them. Returns how many were cut."""
    engine = create_engine(admin_url)
    try:
        async with engine.connect() as connection:
            cut = await connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :database AND pid <> pg_backend_pid()"
                ),
                {"database": database},
            )
            await connection.commit()
    finally:
        await engine.dispose()
    return int(cut or 0)


@contextlib.contextmanager
def small_disk(workdir: Path) -> Iterator[Path | None]:
    """A 64 MB tmpfs of its own for the SQLite database (root only; None elsewhere)."""
    mount = workdir / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(mount: Path) -> Path:
    """Fills the disk to the last byte. Unbuffered: a buffered file would keep the bytes the
    disk refused and raise ENOSPC again when it is closed."""
    filler = mount / "filler"
    with filler.open("wb", buffering=0) as out:
        block = b"\0" * 65536
        with contextlib.suppress(OSError):
            while out.write(block):
                pass
    return filler


# --- the people --------------------------------------------------------------------------


class Answers:
    """What kring answered each callback query with, read from the emulator's calls as they
    come (once each), and how often it tried to answer each."""

    def __init__(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.read = 0
        self.texts: dict[str, str] = {}
        self.tries: Counter[str] = Counter()

    def _catch_up(self) -> None:
        calls = self.emu.calls
        for call in calls[self.read :]:
            if call.method == "answerCallbackQuery":
                query = str(call.params.get("callback_query_id"))
                self.tries[query] += 1
                if call.ok:
                    self.texts[query] = str(call.params.get("text") or "")
        self.read = len(calls)

    async def to(self, query_id: str, within: float) -> str | None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            self._catch_up()
            if query_id in self.texts:
                return self.texts[query_id]
            await asyncio.sleep(0.05)
        return None

    def twice(self) -> int:
        self._catch_up()
        return sum(n - 1 for n in self.tries.values() if n > 1)


async def press(person: Person, message: BotMessage, label: str) -> str:
    """Presses a button without waiting; returns the callback query's id."""
    bot = person.bot
    query_id = f"{bot.id}{len(bot.callback_queries) + 1:09d}"
    await person.press(label, message=message, wait=False)
    return query_id


async def until_answered(
    person: Person, ask: Callable[[], Awaitable[object]], fits: Callable[[BotMessage], bool]
) -> BotMessage:
    """Asks (again and again if need be) until a new message that fits arrives."""
    while True:
        await ask()  # queues the update and returns: nothing arrives before the wait begins
        try:
            return await person.wait_for(fits, new_only=True)
        except TimeoutError:
            continue


def shown(person: Person, message_id: int) -> BotMessage:
    """A message as the person sees it now (edits included)."""
    stored = person.chat.get(message_id)
    assert stored is not None
    return BotMessage(stored, person.emu.files)


def says(message: BotMessage, words: str) -> bool:
    return words in (message.text or "")


def ballot_state(message: BotMessage) -> list[str | None]:
    return [SYMBOLS[row[0].split(" ", 1)[0]] for row in message.buttons]


def changed_to(message_id: int, state: list[str | None]) -> Callable[[BotMessage], bool]:
    return lambda m: m.message_id == message_id and ballot_state(m) == state


def is_ballot(message: BotMessage) -> bool:
    return bool(message.buttons) and all(row[0][:1] in "❔✅🟡❌" for row in message.buttons)


async def open_ballot(person: Person) -> BotMessage:
    menu = await until_answered(
        person, lambda: person.send_text("/me", wait=False), lambda m: says(m, "Mijn conferentie")
    )
    return await until_answered(
        person, lambda: person.press("📅 Wanneer kan ik?", message=menu, wait=False), is_ballot
    )


@dataclass
class Tally:
    taps: int = 0
    confirmed: int = 0
    lost: int = 0
    duplicated: int = 0
    stuck: int = 0
    changes: Counter[int] = field(default_factory=Counter)  # telegram id -> changes stored


async def voter(
    person: Person, rng: random.Random, answers: Answers, stop: asyncio.Event, tally: Tally
) -> list[str | None]:
    """Taps dates until `stop`; returns the state the person last knew."""
    ballot = await open_ballot(person)
    known = ballot_state(ballot)
    while not stop.is_set():
        index = rng.randrange(len(known))
        label = ballot.buttons[index][0]
        tally.taps += 1
        query = await press(person, ballot, label)
        said = await answers.to(query, person.emu.timeout)
        if said is not None and SAVED in said:
            tally.confirmed += 1
            known[index] = NEXT_VOTE[known[index]]
            try:  # the ballot changes in place, just after the answer
                ballot = await person.wait_for(changed_to(ballot.message_id, list(known)))
            except TimeoutError:  # killed between the answer and the change: look again
                ballot = await open_ballot(person)
                seen = ballot_state(ballot)
                tally.lost += sum(1 for a, b in zip(known, seen, strict=True) if a != b)
                known = seen
        else:  # no answer: look again and take what is shown
            ballot = await open_ballot(person)
            seen = ballot_state(ballot)
            for i, (was, now) in enumerate(zip(known, seen, strict=True)):
                if now == was or (i == index and now == NEXT_VOTE[was]):
                    continue
                if i == index and now == NEXT_VOTE[NEXT_VOTE[was]]:
                    tally.duplicated += 1
                else:
                    tally.lost += 1
            known = seen
        await asyncio.sleep(rng.uniform(0.05, 0.4))
    return known


def rsvp_in(menu: BotMessage) -> Rsvp:
    return Rsvp.NO if says(menu, "Je kunt niet komen.") else Rsvp.YES


async def changer(
    person: Person, rng: random.Random, answers: Answers, stop: asyncio.Event, tally: Tally
) -> Rsvp:
    """Changes their mind (yes <-> no) until `stop`; returns what they last knew."""

    async def look() -> BotMessage:
        return await until_answered(
            person,
            lambda: person.send_text("/me", wait=False),
            lambda m: says(m, "Mijn conferentie"),
        )

    menu = await look()
    known = rsvp_in(menu)
    while not stop.is_set():
        wanted = Rsvp.NO if known is Rsvp.YES else Rsvp.YES
        label = "Nee, ik kan niet" if wanted is Rsvp.NO else "✅ Ja, ik kom"
        tally.taps += 1
        menu = shown(person, menu.message_id)
        query = await press(person, menu, label)
        said = await answers.to(query, person.emu.timeout)
        if said is not None and SAVED in said:
            tally.confirmed += 1
            tally.changes[person.id] += 1
            known = wanted
        else:
            menu = await look()
            seen = rsvp_in(menu)
            if seen is wanted:
                tally.changes[person.id] += 1
            known = seen
        await asyncio.sleep(rng.uniform(0.2, 0.8))
    return known


# --- one run -----------------------------------------------------------------------------


async def chaos_on(
    url: str,
    kills: int,
    seed: int,
    workdir: Path,
    outage_s: float,
    patience: float,
    mount: Path | None = None,
) -> Figures:
    figures = Figures()
    rng = random.Random(seed)
    backend = make_url(url).get_backend_name()
    proxy: DatabaseProxy | None = None
    bot_url = url
    world = await prepare(url)
    if backend == "postgresql":
        target = make_url(url)
        proxy = DatabaseProxy(target.host or "127.0.0.1", target.port or 5432)
        port = await proxy.start()
        bot_url = target.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    emu = BotApiEmulator(timeout=patience)  # how long a person waits for an answer
    emu.add_bot(token=TOKEN, username="kring_test_bot", first_name="kring")
    logs = workdir / f"kring-{backend}.log"
    async with emu:
        coordinator = emu.user("Ayse", language_code="nl", user_id=COORDINATOR)
        coordinator.chat.started = True
        people = {}
        for telegram_id, name in [
            *zip(world.voters, VOTERS, strict=True),
            *zip(world.changers, CHANGERS, strict=True),
        ]:
            people[telegram_id] = emu.user(name, language_code="nl", user_id=telegram_id)
            people[telegram_id].chat.started = True
        supervisor = Supervisor(bot_url, emu.base_url, logs)
        supervisor.start()
        await up(emu, supervisor)
        answers, tally, stop = Answers(emu), Tally(), asyncio.Event()
        crowd = [
            asyncio.create_task(voter(people[t], random.Random(seed + t), answers, stop, tally))
            for t in world.voters
        ] + [
            asyncio.create_task(changer(people[t], random.Random(seed + t), answers, stop, tally))
            for t in world.changers
        ]
        outage_after = rng.randrange(kills // 3, max(kills // 3 + 1, 2 * kills // 3))
        database = make_url(url).database or ""
        try:
            for k in range(kills):
                # killed 0.5-4 s after it began polling, and started again at once
                figures.exits += await up(emu, supervisor)
                await asyncio.sleep(rng.uniform(0.5, 4.0))
                if proxy is not None and rng.random() < 0.5:
                    if await terminate_connections(url, database):
                        figures.db_faults += 1
                    await asyncio.sleep(rng.uniform(0.2, 1.5))
                if k == outage_after and (proxy is not None or mount is not None):
                    figures.db_faults += 1
                    await outage(proxy, mount, outage_s)
                    await asyncio.sleep(rng.uniform(0.5, 2.0))
                supervisor.kill()
                figures.kills += 1
                supervisor.start()
            figures.exits += await up(emu, supervisor)
            await asyncio.sleep(5)  # the last taps, undisturbed
            stop.set()
            results = await asyncio.gather(*crowd)
            figures.stuck += await nobody_stuck(people, url)
            figures.lost += await compare(url, world, results)
            figures.duplicated += answers.twice() + extra_notices(coordinator, people, tally)
        finally:
            for task in crowd:
                task.cancel()
            supervisor.stop()
            if proxy is not None:
                await proxy.close()
    figures.taps, figures.confirmed = tally.taps, tally.confirmed
    figures.lost += tally.lost
    figures.duplicated += tally.duplicated
    return figures


async def outage(proxy: DatabaseProxy | None, mount: Path | None, seconds: float) -> None:
    """The database away (PostgreSQL), or the disk full (SQLite), for a while."""
    if proxy is not None:
        proxy.cut()
        await asyncio.sleep(seconds)
        proxy.restore()
    elif mount is not None:
        filler = await asyncio.to_thread(fill, mount)
        await asyncio.sleep(seconds)
        filler.unlink()


async def nobody_stuck(people: dict[int, Person], url: str) -> int:
    """Everyone writes /me once more and is answered within a minute; nothing is left in the
    inbox or unconfirmed at the emulator."""
    stuck = 0

    async def asks(person: Person) -> bool:
        await person.send_text("/me", wait=False)
        try:
            await person.wait_for(lambda m: says(m, "Mijn conferentie"), new_only=True)
        except TimeoutError:
            return False
        return True

    stuck += sum(1 for ok in await asyncio.gather(*map(asks, people.values())) if not ok)
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            waiting, _oldest = await SqlUpdateLog(session).inbox_lag()
            stuck += waiting
    finally:
        await engine.dispose()
    return stuck


async def compare(
    url: str,
    world: World,
    results: Sequence[Sequence[str | None] | Rsvp],
) -> int:
    """What each person last knew against the database: the differences are lost answers."""
    lost = 0
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            votes = {
                (v.invitee_id, v.slot_id): v.vote
                for v in (await session.scalars(select(VoteRow))).all()
            }
            rsvps = {i.id: i.rsvp for i in (await session.scalars(select(InviteeRow))).all()}
    finally:
        await engine.dispose()
    known = dict(zip([*world.voters, *world.changers], results, strict=True))
    for telegram_id, invitee in world.voters.items():
        state = known[telegram_id]
        assert not isinstance(state, Rsvp)
        for slot, vote in zip(world.slots, state, strict=True):
            lost += votes.get((invitee, slot)) != vote
    for telegram_id, invitee in world.changers.items():
        state = known[telegram_id]
        assert isinstance(state, Rsvp)
        lost += rsvps[invitee] != state.value
    return lost


def extra_notices(coordinator: Person, people: dict[int, Person], tally: Tally) -> int:
    """Notices to the coordinator beyond the changes that were stored."""
    extra = 0
    for telegram_id, person in people.items():
        notices = sum(1 for t in coordinator.texts if f": {person.first_name} " in (t or ""))
        extra += max(0, notices - tally.changes[telegram_id])
    return extra


async def run(args: argparse.Namespace) -> Figures:
    total = Figures()
    workdir = Path(tempfile.mkdtemp(prefix="kring-chaos-"))
    print(f"chaos: logs in {workdir}", file=sys.stderr)
    backends = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    for backend in backends:
        started = time.monotonic()
        if backend == "sqlite":
            with small_disk(workdir) as mount:
                where = mount or workdir
                url = f"sqlite+aiosqlite:///{where / 'kring.sqlite3'}"
                figures = await chaos_on(
                    url, args.kills, args.seed, workdir, args.outage, args.patience, mount
                )
                if mount is None:
                    figures.notes.append("sqlite: no full disk (mounting a tmpfs needs root)")
        else:
            async with fresh_database(args.database_url, workdir) as url:
                figures = await chaos_on(
                    url, args.kills, args.seed, workdir, args.outage, args.patience
                )
        print(
            f"{backend}: {figures.line()[len('chaos: ') :]} exits={figures.exits} "
            f"({time.monotonic() - started:.0f} s)",
            file=sys.stderr,
        )
        total.add(figures)
    for note in total.notes:
        print(note, file=sys.stderr)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return total


def main() -> None:
    options = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__)
    options.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    options.add_argument("--kills", type=int, default=100, help="SIGKILLs per database")
    options.add_argument("--seed", type=int, default=20261206)
    options.add_argument(
        "--outage", type=float, default=10.0, help="seconds the database is away or disk full"
    )
    options.add_argument(
        "--database-url",
        default=os.environ.get(
            "KRING_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL server to make the run's database on",
    )
    options.add_argument(
        "--patience",
        type=float,
        default=60.0,
        help="seconds a person waits for an answer before looking again",
    )
    options.add_argument("--keep", action="store_true", help="keep the logs' directory")
    figures = asyncio.run(run(options.parse_args()))
    print(figures.line())


if __name__ == "__main__":
    main()
