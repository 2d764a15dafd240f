"""Issue 4 §5: many pending reminders, a minute in which thousands fall due at once.

A fresh SQLite database gets `--conferences` conferences of `--invitees` people each (bound to
invented Telegram ids, RSVP yes, reachable), a fixed meeting each, and one pending reminder per
person (`before_3h`, the meeting's version): with the meeting less than a day away that is all
the default policy (3d,1d,3h) plans. `--hot` of them fall due at the same moment H, `--lead`
seconds after the process under test is spawned; the rest later (10 min to 2h40 after H).
The first conferences are made through the use cases (identify, submit, assign, invite, open,
answer, fix_meeting); the rest are bulk copies of the first one's rows, checked column by column
against the others the use cases made.

`plan()` gives every person of a conference the same moment, so "one per conference due in the
minute" (`--hot-per-conference 1`, the default, as the issue asks) cannot come from it alone:
there the other people's rows keep what `plan()` wrote except `due_at`, which is moved later.
With `--hot-per-conference 10` (all of a conference) the rows are untouched.

Then, each against its own emulator (in this process; `--rate` messages a second overall and one
per chat, 429 with retry_after=1 beyond that):
- kring: the real `kring run` (`python -m bot run`, KRING_SEND_RATE=rate), its clock
  (KRING_CLOCK, speed 1) showing the seeding's start at the moment it is spawned;
- bare APScheduler (bench/apscheduler_bare.py): an AsyncIOScheduler with the default
  MemoryJobStore holding the same pending reminders as date jobs, read from the same database at
  start, each sending one sendMessage through an aiogram Bot, and on a 429 sleeping retry_after
  and trying again (`--bare-429 none`: no retry; a bare setup has no other flood control).

Figures, from the emulator's clock: startup_s (spawn -> polling and the first look at the
reminders; bare: spawn -> every job held and the scheduler started), rss_mb (VmRSS after start-up,
at the end, and the peak, VmHWM), lateness per hot reminder (the accepted sendMessage's arrival
minus its due moment), ideal_s = hot / rate, achieved = the last accepted send - H, ratio =
ideal / achieved (with some missed: delivered / rate / achieved); duplicates (extra copies) and
missed (none) per person, from the emulator; startup_vs_bare = kring's startup_s over bare
APScheduler's (both run, in the same run). Bare's start-up grows with the pending reminders
(one job each), kring's does not: both first import aiogram (its line "for scale" says how long
that takes here), so with few reminders the two are close.

    python -m bench.reminders [--conferences 10000] [--invitees 10] [--hot 10000]
        [--hot-per-conference 1] [--rate 200] [--lead 30] [--spread 0] [--skip-bare]
        [--bare-429 retry|none] [--bare-grace S] [--database-url URL] [--workdir DIR]

KRING_BENCH_PROFILE=file.prof writes a cProfile of the kring process; KRING_BENCH_SPY=file.svg a
py-spy flame graph of each process under test from the hot moment on (file-kring.svg, ...);
KRING_BENCH_DUMP=prefix writes the accepted sends' moments (seconds after H) as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for the annotations; imported where it runs
    from emulator import BotApiEmulator

TOKEN = "123456:bench-reminders"
BARE_TOKEN = "654321:bench-bare-apscheduler"
START = datetime(2027, 3, 20, 6, 0, tzinfo=UTC)  # the kring clock shows this at spawn
PLANNED_AT = START - timedelta(hours=1)  # when the use cases fixed the meetings
MANAGER, COORDINATOR = 9001, 7001
APPLICANT_BASE = 5_000_000
PERSON_BASE = 10_000_000
THROUGH_USE_CASES = 3  # conferences made by the use cases; the rest are copies of the first
NAMES = (
    "Frank",
    "Sandra",
    "Wim",
    "Edith",
    "Herman",
    "Jan",
    "Riet",
    "Johan",
    "Fatma",
    "Noor",
    "Kees",
    "Ans",
    "Mehmet",
    "Ilse",
    "Daan",
    "Els",
)
TELEGRAM_RATE = 30  # messages a second Telegram allows a bot overall


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def proc_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# the layout


@dataclass(frozen=True)
class Layout:
    conferences: int
    invitees: int
    hot: int
    hot_per_conference: int
    lead: float
    spread: float

    @property
    def hot_conferences(self) -> int:
        return self.hot // self.hot_per_conference

    @property
    def moment(self) -> datetime:
        """H: when the hot reminders fall due (kring's clock)."""
        return START + timedelta(seconds=self.lead)

    def meeting(self, c: int) -> datetime:
        if c < self.hot_conferences:
            return self.moment + timedelta(hours=3, seconds=self.spread * c / self.hot_conferences)
        return self.moment + timedelta(hours=3, minutes=10 + (c * 7) % 150)

    def due(self, c: int, j: int) -> datetime:
        """Where the row lies: meeting - 3 h (what plan() writes), except for the people of a
        hot conference beyond the first `hot_per_conference`: 10 min to 2h40 after H."""
        if c < self.hot_conferences and j >= self.hot_per_conference:
            return self.moment + timedelta(
                minutes=10 + (c * self.invitees + j) % 150, seconds=(c * 13 + j) % 60
            )
        return self.meeting(c) - timedelta(hours=3)

    @staticmethod
    def person(c: int, j: int, invitees: int) -> int:
        return PERSON_BASE + c * invitees + j

    def name(self, j: int) -> str:
        return NAMES[j % len(NAMES)]

    @staticmethod
    def locale(j: int) -> str:
        return "en" if j % 3 == 0 else "nl"


# seeding


async def through_use_cases(url: str, layout: Layout, count: int) -> None:
    from zoneinfo import ZoneInfo

    from conference.assignment import assign
    from conference.circle import answer, invite, open_invitation
    from conference.meeting import fix_meeting
    from conference.model.circle import Group, InviteeDraft, Rsvp
    from conference.model.ids import PersonId
    from conference.model.meeting import Venue
    from conference.model.people import Gender, StaffMember, StaffRole
    from conference.model.reminders import Policy
    from conference.model.request import Field, RequestDraft, RequestKind
    from conference.reminders import parse_offsets
    from conference.requests import identify, submit_request
    from storage.db import create_engine, session_factory
    from storage.uow import SqlUnitOfWork

    policy = Policy(parse_offsets("3d,1d,3h"), ZoneInfo("Europe/Amsterdam"))
    draft = RequestDraft(kind=RequestKind.INFO_TALK, region="Utrecht")
    for step in (Field.REGION, Field.CONTACT):
        draft = draft.with_answer(step)
    draft = draft.with_answer(Field.CONSENT, consent=True)
    engine = create_engine(url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await uow.staff.add(StaffMember(PersonId(MANAGER), StaffRole.MANAGER, "Marieke", ("nl",)))
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
        for c in range(count):
            applicant = PersonId(APPLICANT_BASE + c)
            await identify(uow, applicant, "Edith", "nl", ("nl", "en"), "nl")
            request = (await submit_request(uow, applicant, "nl", draft, PLANNED_AT)).request
            await assign(uow, PersonId(MANAGER), request.id, PersonId(COORDINATOR), PLANNED_AT)
            for j in range(layout.invitees):
                telegram_id = PersonId(layout.person(c, j, layout.invitees))
                invitee, token = await invite(
                    uow,
                    PersonId(COORDINATOR),
                    request.id,
                    InviteeDraft(
                        layout.name(j), "familie", Group.FAMILY, layout.locale(j), j == 0
                    ),
                    PLANNED_AT,
                )
                await identify(uow, telegram_id, layout.name(j), "nl", ("nl", "en"), "nl")
                await open_invitation(uow, telegram_id, token, PLANNED_AT)
                await answer(uow, telegram_id, invitee.id, Rsvp.YES, policy=policy, now=PLANNED_AT)
            await fix_meeting(
                uow,
                PersonId(COORDINATOR),
                request.id,
                layout.meeting(c),
                Venue("Buurthuis De Linde", "Lindelaan 4, Utrecht"),
                PLANNED_AT,
                policy,
            )
        await uow.commit()
    await engine.dispose()


@dataclass
class Template:
    """Conference 0's rows as the use cases wrote them."""

    conference: dict[str, Any]
    applicant: dict[str, Any]
    invitees: list[dict[str, Any]]
    persons: list[dict[str, Any]]
    reminders: list[dict[str, Any]]
    audit: list[dict[str, Any]]


def rows_of(connection: Any, c: int, layout: Layout, conference_id: int) -> Template:
    from sqlalchemy import select

    from storage.tables import (
        AuditRow,
        ConferenceRow,
        InviteeRow,
        PersonRow,
        ReminderRow,
        core_table,
    )

    conf, inv, per, rem, aud = (
        core_table(model)
        for model in (ConferenceRow, InviteeRow, PersonRow, ReminderRow, AuditRow)
    )

    def dicts(query: Any) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in connection.execute(query)]

    conference = dicts(select(conf).where(conf.c.id == conference_id))[0]
    invitees = dicts(select(inv).where(inv.c.conference_id == conference_id).order_by(inv.c.id))
    persons = dicts(
        select(per)
        .where(
            per.c.id.in_([layout.person(c, j, layout.invitees) for j in range(layout.invitees)])
        )
        .order_by(per.c.id)
    )
    return Template(
        conference,
        dicts(select(per).where(per.c.id == conference["applicant_id"]))[0],
        invitees,
        persons,
        dicts(
            select(rem)
            .where(rem.c.conference_id == conference_id)
            .order_by(rem.c.invitee_id, rem.c.kind)
        ),
        dicts(select(aud).where(aud.c.conference_id == conference_id).order_by(aud.c.id)),
    )


def clone(t: Template, c: int, layout: Layout) -> Template:
    """Conference c as the use cases would have written it (ids go up one by one, as they do
    in a fresh database), with the layout's due moments."""
    n = layout.invitees
    shift = layout.meeting(c) - layout.meeting(0)
    conference_id = t.conference["id"] + c
    year, number = t.conference["reference"].rsplit("-", 1)
    conference = {
        **t.conference,
        "id": conference_id,
        "reference": f"{year}-{int(number) + c:04d}",
        "applicant_id": APPLICANT_BASE + c,
        "meeting_at": t.conference["meeting_at"] + shift,
    }
    applicant = {**t.applicant, "id": APPLICANT_BASE + c}
    invitees, persons, reminders = [], [], []
    for j, (invitee, person) in enumerate(zip(t.invitees, t.persons, strict=True)):
        invitee_id = t.invitees[0]["id"] + c * n + j
        telegram_id = layout.person(c, j, n)
        invitees.append(
            {
                **invitee,
                "id": invitee_id,
                "conference_id": conference_id,
                "person_id": telegram_id,
                "token_hash": f"{telegram_id:064x}",
            }
        )  # unique; nobody opens it again
        persons.append({**person, "id": telegram_id})
    for reminder in t.reminders:
        j = reminder["invitee_id"] - t.invitees[0]["id"]
        reminders.append(
            {
                **reminder,
                "id": t.reminders[0]["id"] + c * len(t.reminders) + j,
                "conference_id": conference_id,
                "invitee_id": t.invitees[0]["id"] + c * n + j,
                "due_at": reminder["due_at"] + shift,
            }
        )
    applicant_id = t.applicant["id"]
    audit = [
        {
            key: value
            for key, value in {
                **row,
                "conference_id": conference_id,
                "actor_id": APPLICANT_BASE + c
                if row["actor_id"] == applicant_id
                else row["actor_id"],
            }.items()
            if key != "id"
        }
        for row in t.audit
    ]
    return Template(conference, applicant, invitees, persons, reminders, audit)


# Columns the use cases fill from the wall clock or at random: not compared.
# (position and hash are the audit chain's; salt and who random per record)
UNCOMPARED = {
    "token_hash",
    "created_at",
    "updated_at",
    "at",
    "id",
    "position",
    "hash",
    "salt",
    "who",
}


def compare(made: Template, copied: Template) -> list[str]:
    problems = []
    for name in ("conference", "applicant", "invitees", "persons", "reminders", "audit"):
        a, b = getattr(made, name), getattr(copied, name)
        a, b = (a, b) if isinstance(a, list) else ([a], [b])
        if len(a) != len(b):
            problems.append(f"{name}: {len(a)} rows made, {len(b)} copied")
            continue
        for x, y in zip(a, b, strict=True):
            for key in sorted(set(x) | set(y)):
                if key in UNCOMPARED and not (name == "reminders" and key == "id"):
                    continue
                if x.get(key) != y.get(key):
                    problems.append(f"{name}.{key}: made {x.get(key)!r}, copied {y.get(key)!r}")
    return problems


def seed(url: str, path: Path, layout: Layout) -> dict[str, int]:
    from sqlalchemy import create_engine, func, select, update

    from storage.keys import keys_from_environment
    from storage.migrate import upgrade
    from storage.repositories.audit import chain_rows
    from storage.sealed import use_keys
    from storage.tables import (
        AuditHeadRow,
        AuditRow,
        Base,
        ConferenceRow,
        InviteeRow,
        PersonRow,
        ReferenceCounterRow,
        ReminderRow,
        core_table,
    )

    asyncio.run(upgrade(url))
    made = min(THROUGH_USE_CASES, layout.conferences)
    asyncio.run(through_use_cases(url, layout, made))
    engine = create_engine(f"sqlite:///{path}")
    # the copies go through the sealed columns' types (the venue, for one): the same keys
    use_keys(engine.dialect, keys_from_environment(url))
    with engine.begin() as connection:
        # nothing but these tables may hold rows of a conference: else the copies miss them
        counts = {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
        expected = {
            "person",
            "staff",
            "conference",
            "reference_counter",
            "invitee",
            "reminder",
            "audit",
            "audit_head",
        }
        others = {name: n for name, n in counts.items() if n and name not in expected}
        if others:
            raise SystemExit(f"the use cases wrote rows the copies would miss: {others}")
        first_id = int(connection.scalar(select(func.min(ConferenceRow.id))) or 0)
        template = rows_of(connection, 0, layout, first_id)
        if len(template.reminders) != layout.invitees:
            raise SystemExit(
                f"expected one reminder per person, the use cases planned "
                f"{len(template.reminders)} for {layout.invitees} people"
            )
        for c in range(1, made):
            problems = compare(
                rows_of(connection, c, layout, first_id + c), clone(template, c, layout)
            )
            if problems:
                raise SystemExit(
                    "a copy differs from what the use cases wrote:\n  "
                    + "\n  ".join(problems[:10])
                )
        reminder = core_table(ReminderRow)
        for c in range(made):  # the layout's due moments for the use cases' conferences too
            for j in range(layout.invitees):
                connection.execute(
                    update(reminder)
                    .where(
                        reminder.c.invitee_id
                        == template.invitees[0]["id"] + c * layout.invitees + j
                    )
                    .values(due_at=layout.due(c, j))
                )
        chunk: dict[str, list[dict[str, Any]]] = {
            "conference": [],
            "person": [],
            "invitee": [],
            "reminder": [],
            "audit": [],
        }

        # the copies' audit records go on the chain after those the use cases wrote
        head = core_table(AuditHeadRow)
        chain_end = connection.execute(select(head.c.position, head.c.hash)).one()
        position, previous = chain_end.position, chain_end.hash

        def write() -> None:
            nonlocal position, previous
            position, previous = chain_rows(chunk["audit"], position, previous)
            for table in (PersonRow, ConferenceRow, InviteeRow, ReminderRow, AuditRow):
                rows = chunk[table.__tablename__]
                if rows:
                    connection.execute(core_table(table).insert(), rows)
                    rows.clear()

        for c in range(made, layout.conferences):
            copy = clone(template, c, layout)
            chunk["conference"].append(copy.conference)
            chunk["person"].extend([copy.applicant, *copy.persons])
            chunk["invitee"].extend(copy.invitees)
            for j, row in enumerate(copy.reminders):
                chunk["reminder"].append({**row, "due_at": layout.due(c, j)})
            chunk["audit"].extend(copy.audit)
            if len(chunk["reminder"]) >= 20_000:
                write()
        write()
        connection.execute(update(head).values(position=position, hash=previous))
        counter = core_table(ReferenceCounterRow)
        connection.execute(update(counter).values(last=counter.c.last + layout.conferences - made))
        pending = connection.scalar(
            select(func.count()).select_from(reminder).where(reminder.c.status == "pending")
        )
        hot = connection.scalar(
            select(func.count())
            .select_from(reminder)
            .where(
                reminder.c.status == "pending",
                reminder.c.due_at <= layout.moment + timedelta(seconds=layout.spread),
            )
        )
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return {"pending": int(pending or 0), "hot": int(hot or 0), "made": made}


# measuring one process


@dataclass
class Run:
    label: str
    spawned: float = 0.0
    ready: float = float("nan")
    rss_start: int = 0
    rss_end: int = 0
    rss_peak: int = 0
    cpu: float = 0.0
    lines: list[str] = field(default_factory=list)
    stamps: list[float] = field(default_factory=list)  # when each line arrived
    output: str = ""
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def startup(self) -> float:
        return self.ready - self.spawned


async def _read_lines(
    stream: asyncio.StreamReader, run: Run, log: Path, marker: str, seen: asyncio.Event
) -> None:
    with log.open("a") as out:
        while line := await stream.readline():
            text = line.decode(errors="replace").rstrip("\n")
            out.write(text + "\n")
            run.lines.append(text)
            run.stamps.append(time.time())
            if marker in text and not seen.is_set():
                run.ready = time.time()
                seen.set()


async def measure(
    emu: BotApiEmulator,
    label: str,
    token: str,
    command: list[str],
    env: dict[str, str],
    marker: str,
    wants_polling: bool,
    hot: dict[int, float],
    layout: Layout,
    rate: float,
    log: Path,
    epoch_at: Callable[[float], None],
) -> Run:
    run = Run(label)
    seen = asyncio.Event()
    epoch = time.time()
    epoch_at(epoch)
    command = [part.replace("{epoch}", repr(epoch)) for part in command]
    env = {**env, "KRING_CLOCK": f"{START.isoformat()}*1@{epoch!r}"}
    run.spawned = time.time()
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    assert process.stdout is not None
    reader = asyncio.create_task(_read_lines(process.stdout, run, log, marker, seen))
    spy: asyncio.subprocess.Process | None = None
    try:
        deadline = run.spawned + layout.lead + 120
        while not seen.is_set() or (wants_polling and not emu.calls_to("getUpdates")):
            if process.returncode is not None or time.time() > deadline:
                raise SystemExit(f"{label} did not start; see {log}")
            await asyncio.sleep(0.01)
        if wants_polling:
            polled = min(c.timestamp for c in emu.calls_to("getUpdates"))
            run.ready = max(run.ready, polled)
        await asyncio.sleep(0.2)
        run.rss_start = proc_kb(process.pid, "VmRSS")
        spy = await start_profiler(process.pid, epoch + layout.lead - 1, label)
        # until every hot person has their reminder, then a little longer for duplicates
        moment = epoch + layout.lead
        limit = moment + max(120.0, 6 * len(hot) / rate)
        received: set[int] = set()
        scanned = 0
        peak = run.rss_start
        while time.time() < limit and process.returncode is None:
            calls = emu.calls
            for call in calls[scanned:]:
                if call.token == token and call.method == "sendMessage" and call.ok:
                    received.add(call.params["chat_id"])
            scanned = len(calls)
            peak = max(peak, proc_kb(process.pid, "VmRSS"))
            if hot.keys() <= received:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(3.0)  # anything sent twice would come now
        if process.returncode is None:
            run.rss_end = proc_kb(process.pid, "VmRSS")
            run.rss_peak = max(peak, run.rss_end, proc_kb(process.pid, "VmHWM"))
            run.cpu = cpu_seconds(process.pid)
    finally:
        if spy is not None and spy.returncode is None:
            spy.send_signal(signal.SIGINT)
            await spy.wait()
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader, 5)
    assert not emu.internal_errors, emu.internal_errors[:1]
    run.figures = figures(emu, token, hot, rate)
    return run


def figures(emu: BotApiEmulator, token: str, hot: dict[int, float], rate: float) -> dict[str, Any]:
    """From the emulator's record: hot maps each hot person's chat to their due moment (real
    seconds, the emulator's clock)."""
    accepted: dict[int, list[float]] = {}
    refused = 0
    for call in emu.calls:
        if call.token != token or call.method != "sendMessage":
            continue
        if call.ok:
            accepted.setdefault(call.params["chat_id"], []).append(call.timestamp)
        elif call.status == 429:
            refused += 1
    late = [min(accepted[chat]) - due for chat, due in hot.items() if chat in accepted]
    duplicates = sum(len(accepted[chat]) - 1 for chat in hot if chat in accepted)
    missed = sum(chat not in accepted for chat in hot)
    unexpected = sum(len(times) for chat, times in accepted.items() if chat not in hot)
    first_due = min(hot.values())
    last = max((t for chat in hot for t in accepted.get(chat, ())), default=float("nan"))
    first = min((t for chat in hot for t in accepted.get(chat, ())), default=float("nan"))
    ideal = len(hot) / rate
    achieved = last - first_due
    delivered = len(hot) - missed
    times = sorted(min(accepted[chat]) for chat in hot if chat in accepted)
    low, high = int(0.1 * len(times)), int(0.9 * len(times))
    steady = (high - low) / (times[high] - times[low]) if high > low + 1 else float("nan")
    gap = max((b - a for a, b in itertools.pairwise(times)), default=float("nan"))
    if os.environ.get("KRING_BENCH_DUMP"):  # accepted sends, seconds after H
        Path(os.environ["KRING_BENCH_DUMP"] + f"-{token.split(':')[1]}.json").write_text(
            json.dumps([t - first_due for t in times])
        )
    return {
        "p50": percentile(late, 0.5),
        "p99": percentile(late, 0.99),
        "max": max(late, default=float("nan")),
        "ideal": ideal,
        "achieved": achieved,
        # what was delivered against the time it needed at the rate allowed (nothing
        # missed: ideal / achieved)
        "ratio": delivered / rate / achieved if achieved > 0 else float("nan"),
        "first": first - first_due,
        "duplicates": duplicates,
        "missed": missed,
        "unexpected": unexpected,
        "refused": refused,
        "steady": steady,
        "gap": gap,
    }


async def start_profiler(pid: int, at: float, label: str) -> asyncio.subprocess.Process | None:
    """KRING_BENCH_SPY=file.svg (or .txt: collapsed stacks): py-spy records the process under
    test from just before H."""
    target = os.environ.get("KRING_BENCH_SPY")
    if not target:
        return None
    await asyncio.sleep(max(0.0, at - time.time()))
    return await asyncio.create_subprocess_exec(
        "py-spy",
        "record",
        "--pid",
        str(pid),
        "-r",
        "200",
        "--nonblocking",
        "-f",
        "flamegraph" if target.endswith(".svg") else "raw",
        "-o",
        target.replace(".", f"-{label}.", 1),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def hot_people(layout: Layout, epoch: float) -> dict[int, float]:
    """Telegram id -> due moment in real seconds (the process under test was spawned at
    `epoch`, when its clock showed START)."""
    return {
        layout.person(c, j, layout.invitees): epoch + (layout.due(c, j) - START).total_seconds()
        for c in range(layout.hot_conferences)
        for j in range(layout.hot_per_conference)
    }


def database_after(path: Path) -> str:
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as db:
        reminders = dict(db.execute("select status, count(*) from reminder group by status"))
        deliveries = dict(db.execute("select state, count(*) from outbox_delivery group by state"))
        batches = db.execute("select count(*), count(finished_at) from outbox_batch").fetchone()
    return (
        f"reminders {json.dumps(reminders, sort_keys=True)} deliveries "
        f"{json.dumps(deliveries, sort_keys=True)} batches={batches[0]} "
        f"finished={batches[1]}"
    )


def line(label: str, pending: int, run: Run) -> str:
    f = run.figures
    return (
        f"{label}: pending={pending} startup_s={run.startup:.2f} "
        f"rss_mb={run.rss_peak / 1024:.0f} p99_late_s={f['p99']:.2f} "
        f"ideal_s={f['ideal']:.1f} ratio={f['ratio']:.3f} duplicates={f['duplicates']} "
        f"missed={f['missed']}"
    )


def phases(run: Run, marks: dict[str, str]) -> str:
    """When the first line of each kind arrived, seconds after the spawn."""
    found = []
    for name, text in marks.items():
        at = next((t for line, t in zip(run.lines, run.stamps, strict=True) if text in line), None)
        if at is not None:
            found.append(f"{name}={at - run.spawned:.2f}")
    return " ".join(found)


def detail(run: Run) -> str:
    f = run.figures
    return (
        f"  {run.label}: rss_mb start={run.rss_start / 1024:.0f} "
        f"end={run.rss_end / 1024:.0f} peak={run.rss_peak / 1024:.0f} "
        f"cpu_s={run.cpu:.1f} first_send_s={f['first']:.2f} p50_late_s={f['p50']:.2f} "
        f"p99_late_s={f['p99']:.2f} max_late_s={f['max']:.2f} "
        f"achieved_s={f['achieved']:.1f} steady_rate={f['steady']:.1f}/s "
        f"max_gap_ms={f['gap'] * 1000:.0f} 429s={f['refused']} "
        f"unexpected={f['unexpected']}"
    )


async def against_emulator(
    label: str,
    token: str,
    command: list[str],
    env: dict[str, str],
    marker: str,
    wants_polling: bool,
    layout: Layout,
    rate: float,
    log: Path,
) -> Run:
    from emulator import BotApiEmulator

    gc.collect()
    gc.freeze()  # the emulator is this process: no long collection of the last run's calls
    async with BotApiEmulator(timeout=60) as emu:
        emu.add_bot(token=token, username="kring_bench_bot", first_name="kring")
        hot: dict[int, float] = {}

        def at_spawn(epoch: float) -> None:
            hot.update(hot_people(layout, epoch))

        for c in range(layout.hot_conferences):
            for j in range(layout.hot_per_conference):
                person = emu.user(
                    layout.name(j),
                    language_code=layout.locale(j),
                    user_id=layout.person(c, j, layout.invitees),
                    bot=token,
                )
                person.chat.started = True  # they opened their invitation link before
        emu.set_limits(per_chat_per_second=1, global_per_second=rate, retry_after=1)
        command = [part.replace("{api}", emu.base_url) for part in command]
        env = {**env, "KRING_API_BASE": emu.base_url, "KRING_BOT_TOKEN": token}
        return await measure(
            emu,
            label,
            token,
            command,
            env,
            marker,
            wants_polling,
            hot,
            layout,
            rate,
            log,
            at_spawn,
        )


async def import_floor() -> tuple[float, int]:
    """What any aiogram bot pays before it can start: seconds and peak KB of importing it."""
    began = time.time()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import aiogram, pathlib; print(pathlib.Path("
        "'/proc/self/status').read_text().split('VmHWM:')[1].split()[0])",
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await process.communicate()
    return time.time() - began, int(output.decode().strip() or 0)


def fresh(workdir: Path, database: Path) -> bool:
    workdir.mkdir(parents=True, exist_ok=True)
    return not database.exists()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conferences", type=int, default=10_000)
    parser.add_argument("--invitees", type=int, default=10)
    parser.add_argument("--hot", type=int, default=10_000)
    parser.add_argument("--hot-per-conference", type=int, default=1)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument(
        "--lead",
        type=float,
        default=30,
        help="seconds from spawning the process to the hot moment",
    )
    parser.add_argument(
        "--spread", type=float, default=0, help="seconds over which the hot reminders fall due"
    )
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument("--skip-kring", action="store_true")
    parser.add_argument("--bare-429", choices=("retry", "none"), default="retry")
    parser.add_argument(
        "--bare-grace",
        type=float,
        default=None,
        help="the bare scheduler's misfire_grace_time (default: APScheduler's, "
        "1 s; 0: none, however late)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a SQLite URL (sqlite+aiosqlite:///file); default: a fresh file",
    )
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    layout = Layout(
        args.conferences, args.invitees, args.hot, args.hot_per_conference, args.lead, args.spread
    )
    if (
        args.hot % args.hot_per_conference
        or layout.hot_conferences > args.conferences
        or (args.hot_per_conference > args.invitees)
    ):
        raise SystemExit("--hot must be a multiple of --hot-per-conference, within the people")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="kring-reminders-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    path = Path(url.split("///", 1)[1])
    if not fresh(workdir, path):
        raise SystemExit(f"{path} exists: the bench wants a fresh database")

    began = time.perf_counter()
    seeded = await asyncio.to_thread(seed, url, path, layout)
    print(
        f"seeded in {time.perf_counter() - began:.1f}s: conferences={args.conferences} "
        f"people={args.conferences * args.invitees} pending={seeded['pending']} "
        f"due_at_H={seeded['hot']} ({args.hot_per_conference} per conference"
        f"{f', spread over {args.spread:g}s' if args.spread else ', the same second'}); "
        f"{seeded['made']} conferences through the use cases, the rest copied; "
        f"database {path}",
        flush=True,
    )
    print(
        f"limits: {args.rate:g} messages/s overall and 1/s per chat at the emulator and in "
        f"the sender (Telegram allows about {TELEGRAM_RATE}/s: there {args.hot} would take "
        f"at least {args.hot / TELEGRAM_RATE:.0f}s)",
        flush=True,
    )

    clean = {k: v for k, v in os.environ.items() if not k.startswith("KRING_")}
    floor = await import_floor()
    print(
        f"for scale, on this machine: `python -c 'import aiogram'` takes {floor[0]:.2f}s "
        f"and {floor[1] / 1024:.0f} MB (its types build ~600 pydantic models at import)",
        flush=True,
    )
    runs: dict[str, Run] = {}
    if not args.skip_bare:  # it only reads the database: first, so kring finds it untouched
        command = [
            sys.executable,
            "-m",
            "bench.apscheduler_bare",
            "--database",
            str(path),
            "--token",
            BARE_TOKEN,
            "--start",
            START.isoformat(),
            "--on-429",
            args.bare_429,
            "--api-base",
            "{api}",
            "--epoch",
            "{epoch}",
        ]
        if args.bare_grace is not None:
            command += ["--grace", str(args.bare_grace)]
        runs["bare"] = await against_emulator(
            "bare",
            BARE_TOKEN,
            command,
            clean,
            "bare: ready",
            False,
            layout,
            args.rate,
            workdir / "bare.log",
        )
    if not args.skip_kring:
        command = [sys.executable]
        if os.environ.get("KRING_BENCH_PROFILE"):
            command += ["-m", "cProfile", "-o", os.environ["KRING_BENCH_PROFILE"]]
        env = {
            **clean,
            "KRING_DATABASE_URL": url,
            "KRING_SEND_RATE": f"{args.rate:g}",
            "KRING_POLLING_TIMEOUT": "10",
            "KRING_LOG_LEVEL": "INFO",
        }
        runs["kring"] = await against_emulator(
            "kring",
            TOKEN,
            [*command, "-m", "bot", "run"],
            env,
            "reminders: first look done",
            True,
            layout,
            args.rate,
            workdir / "kring.log",
        )
        print("database after kring: " + database_after(path), flush=True)
        traceback = [x for x in runs["kring"].lines if "Traceback" in x]
        if traceback:
            print(f"kring logged {len(traceback)} tracebacks: see {workdir / 'kring.log'}")
    for run in runs.values():
        print(detail(run))
    if "kring" in runs:  # start-up: mostly importing aiogram (its types build pydantic models)
        print(
            "  kring start-up, s after spawn: "
            + phases(
                runs["kring"],
                {
                    "first_log_line": "",
                    "kring_runs_as": "kring runs as",
                    "first_look": "reminders: first look done",
                },
            )
            + f" ready={runs['kring'].startup:.2f}"
        )
    if "bare" in runs:
        summary = [x for x in runs["bare"].lines if x.startswith("bare: stats")]
        on_429 = (
            "a 429 -> sleep retry_after, again" if args.bare_429 == "retry" else "no retry on 429"
        )
        grace = (
            "APScheduler's default misfire_grace_time (1 s)"
            if args.bare_grace is None
            else f"misfire_grace_time={args.bare_grace:g}s"
            if args.bare_grace
            else "no misfire_grace_time (however late)"
        )
        print(f"  bare: {on_429}, {grace}; {summary[-1] if summary else ''}")
        print(line("apscheduler_bare", seeded["pending"], runs["bare"]))
    if "kring" in runs:
        last = line("reminders", seeded["pending"], runs["kring"])
        if "bare" in runs:  # the start-up target: at most half of bare APScheduler's
            last += f" startup_vs_bare={runs['kring'].startup / runs['bare'].startup:.2f}"
        print(last)


if __name__ == "__main__":
    asyncio.run(main())
