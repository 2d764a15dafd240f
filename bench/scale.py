"""Issue 13: several `kring serve` instances on one PostgreSQL. One run measures one instance
against three, how the cost grows from 100 conferences in the database to 100,000, and how long
the leader's work stands still when the leader is killed.

The setup is what an operator runs. Each instance is a real `kring serve` process (`python -m
bot serve`) on a port of its own (KRING_LISTEN), all with the same KRING_WEBHOOK_URL and secret.
A round-robin load balancer (emulator/balancer.py, what Caddy or nginx does) sits in front of
them and passes the webhook on. The Bot API emulator runs in this process. It pushes updates to
the balancer as Telegram does: up to KRING_WEBHOOK_MAX_CONNECTIONS (default 40) at once, and
each chat's updates one at a time, in order. Every setup gets a fresh PostgreSQL database
(bench/fresh_database.py), migrated once before its instances start, and dropped at the end.
The instances' output goes to log files in the work directory, never to this one's output.

The workload is bench.throughput's: `--people` invented people do the intake at once, each
step as soon as the bot has answered the last (15 updates a person, 1.8 Bot API calls an
update, checked against bench.throughput's INTAKE every round). The intake writes the
conference data: the year's reference counter, a conference row with its five indexes, an
audit row, the person, the conversation state, and the update's claim and inbox row. After
each round a manager works through `--staff` of the new requests, one step after the other,
on her phone: `/requests` (every open request), open the newest one (its details, and the
coordinators ranked, with the open conferences of each counted over the whole conference
table), and assign it (which notifies the coordinator and the applicant). These are the steps
that read the conference table as a whole. They are counted apart, as "staff views".

Three setups, each with its own emulator, balancer and database:
- `one`: one instance on `--conferences` conferences (100);
- `three`: three instances on as many;
- `large`: one instance on `--conferences-large` (100,000).
Only one setup runs at a time, because each instance's pool keeps up to 32 connections open
(storage/db.py) and this PostgreSQL allows 100 connections, shared with other work. So each
round starts a setup's instances, lets them take a full round unmeasured (every connection its
pools will keep is opened and has prepared its statements, as in a service that has been
running for a while), measures a round and the staff views, for `one` and `three` also a round
at a steady `--rate` (50 updates/s in all), and stops them (SIGTERM). Each round starts with
another setup, so that none is always first. After the rounds, `three` is started once more for
the failover: find the leader on each instance's /metrics (`kring_leader 1`), SIGKILL it, and
time until another instance shows `kring_leader 1`. That is done `--failovers` times, with a
fresh instance in the killed one's place each time but the last. KRING_LEADER_RETRY stays at
its default (5 s), so the figure is what operators get. Then `three` takes a round through the
balancer with its leader dead (the balancer skips the dead backend), and every update must be
answered.

Seeding: a few conferences go through the use cases (identify, submit_request, assign). The rest
are bulk copies of the first one's rows, checked column by column against the others that the
use cases made (bench/reminders.py does the same). Each copy gets its own applicant, reference
number (last year's), moment, and coordinator (8 of them, in turn). The copies are assigned
(status preparing), as older requests are; the only new requests are the rounds' own. Then
VACUUM ANALYZE of the bulk-loaded tables, so that autovacuum does not start on them during the
rounds.

Figures:
- updates/s: the round's updates over its wall time; the median round;
- CPU per update: user and system CPU of the kring processes (/proc/<pid>/stat) over the
  round, over the round's updates; the median round. The database's share is measured apart,
  from the server processes serving the setup's database (when the server runs on this machine);
- p50 and p99 latency: an update sent -> the first new or edited message in that chat
  (bench.throughput's measure), over all rounds;
- cpu_ratio_3_to_1: per round, CPU per update with three instances over CPU per update with
  one, and the median of these ratios (the two ran one after the other, so they met the same
  disturbances from other work on this shared machine), at the steady `--rate`: the waste
  three instances add. Target: at most 1.15. With 2 cores, three instances cannot be faster
  than one, and at saturation five busy processes (three instances, the emulator, PostgreSQL)
  make every call dearer for all of them, coordination or not (one instance beside two
  CPU-bound processes: +18-37% CPU per update); that ratio is printed too ("at saturation").
  With `--rate 0` the last line carries the saturated one;
- growth_100k: the same, `large` over `one` (target: at most 1.2). The database's own growth,
  and that of the staff views, are on the lines above it;
- failover_s: the longest of the failovers measured (target: at most 15).
"preempted" counts how often the kernel took a core from a kring process that could have
gone on (involuntary context switches): a sign of more processes wanting a core than there
are cores. "The rest of the machine" is the share of a core busy with everything else (the
kernel's loopback network, PostgreSQL's own processes, other work on this shared machine):
on a quiet machine about 10-20%; much more, and the round's figures are disturbed.

    python -m bench.scale [--people 40] [--rounds 5] [--staff 5] [--rate 50]
        [--conferences 100] [--conferences-large 100000] [--failovers 3]
        [--database-url URL] [--workdir DIR]

The last line: `scale: ups_1=.. ups_3=.. cpu_ratio_3_to_1=.. p99_ms_3=.. growth_100k=..
failover_s=..`. If PostgreSQL cannot be reached, the run says so in one line and exits with 2.
KRING_BENCH_CPROFILE=prefix runs each instance under cProfile (prefix-<setup>-<n>.prof).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bench.fresh_database import fresh_database
from bench.reminders import NAMES, UNCOMPARED
from bench.throughput import (
    MANAGER_ID,
    TOKEN,
    Action,
    Pace,
    always,
    converse,
    cpu_seconds,
    expected_calls,
    intake_script,
    percentile,
    showing,
    typing,
)
from emulator import BotApiEmulator, Person
from emulator.balancer import RoundRobin

DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
REPO = Path(__file__).resolve().parent.parent
SECRET = "kring-bench-scale-secret-0123456789"
SEED_YEAR = datetime.now(UTC).year - 1  # the copies' year: never this year's reference numbers
SEEDED_FROM = datetime(SEED_YEAR, 1, 5, 9, 0, tzinfo=UTC)
SEED_SPAN = timedelta(days=350)  # the copies' moments are spread over their year
APPLICANT_BASE = 5_000_000  # far below the emulator's own user ids (100,000,001 on)
COORDINATOR_BASE = 7_001
COORDINATORS = 8
THROUGH_USE_CASES = 3
START_TIMEOUT = 120.0  # seconds for an instance to become ready (three start at once on 2 cores)


# seeding


def coordinator_of(c: int) -> int:
    return COORDINATOR_BASE + c % COORDINATORS


def seeded_at(c: int, total: int) -> datetime:
    return SEEDED_FROM + SEED_SPAN * c / max(1, total)


async def through_use_cases(url: str, made: int, total: int) -> None:
    from conference.assignment import assign
    from conference.model.ids import PersonId
    from conference.model.people import Gender, StaffMember, StaffRole
    from conference.model.request import Field, RequestDraft, RequestKind
    from conference.requests import add_staff, identify, submit_request
    from storage.db import create_engine, session_factory
    from storage.uow import SqlUnitOfWork

    draft = RequestDraft(kind=RequestKind.INFO_TALK, region="Utrecht")
    for step in (Field.REGION, Field.CONTACT):
        draft = draft.with_answer(step)
    draft = draft.with_answer(Field.CONSENT, consent=True)
    engine = create_engine(url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await add_staff(
                uow, StaffMember(PersonId(MANAGER_ID), StaffRole.MANAGER, "Marieke", ("nl",))
            )
            for k in range(COORDINATORS):
                await add_staff(
                    uow,
                    StaffMember(
                        PersonId(COORDINATOR_BASE + k),
                        StaffRole.COORDINATOR,
                        NAMES[k],
                        ("nl",),
                        "Utrecht",
                        gender=Gender.FEMALE if k % 2 else Gender.MALE,
                    ),
                )
            for c in range(made):
                at = seeded_at(c, total)
                applicant = PersonId(APPLICANT_BASE + c)
                await identify(uow, applicant, NAMES[c % len(NAMES)], "nl", ("nl", "en"), "nl")
                request = (await submit_request(uow, applicant, "nl", draft, at)).request
                await assign(
                    uow, PersonId(MANAGER_ID), request.id, PersonId(coordinator_of(c)), at
                )
            await uow.commit()
    finally:
        await engine.dispose()


@dataclass
class Rows:
    """One conference's rows: the conference, its applicant, its audit trail."""

    conference: dict[str, Any]
    applicant: dict[str, Any]
    audit: list[dict[str, Any]]


async def rows_of(connection: AsyncConnection, conference_id: int) -> Rows:
    from storage.tables import AuditRow, ConferenceRow, PersonRow, core_table

    conf, per, aud = (core_table(model) for model in (ConferenceRow, PersonRow, AuditRow))

    async def dicts(query: Any) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in await connection.execute(query)]

    conference = (await dicts(select(conf).where(conf.c.id == conference_id)))[0]
    return Rows(
        conference,
        (await dicts(select(per).where(per.c.id == conference["applicant_id"])))[0],
        await dicts(select(aud).where(aud.c.conference_id == conference_id).order_by(aud.c.id)),
    )


def clone(t: Rows, c: int, total: int) -> Rows:
    """Conference c as the use cases would have written it: ids and reference numbers go up one
    by one (as in a fresh database), every moment moves along with the conference's."""
    from conference.reference import format_reference

    shift = seeded_at(c, total) - seeded_at(0, total)

    def moved(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v + shift if isinstance(v, datetime) else v for k, v in row.items()}

    conference_id = t.conference["id"] + c
    applicant_id = APPLICANT_BASE + c
    conference = {
        **moved(t.conference),
        "id": conference_id,
        "reference": format_reference(SEED_YEAR, c + 1),
        "applicant_id": applicant_id,
        "coordinator_id": coordinator_of(c),
    }
    applicant = {**moved(t.applicant), "id": applicant_id, "first_name": NAMES[c % len(NAMES)]}
    audit = [
        {
            **{k: v for k, v in moved(row).items() if k != "id"},
            "conference_id": conference_id,
            "actor_id": applicant_id if row["actor_id"] == t.applicant["id"] else row["actor_id"],
        }
        for row in t.audit
    ]
    return Rows(conference, applicant, audit)


def differences(made: Rows, copied: Rows) -> list[str]:
    problems = []
    pairs = [("conference", made.conference, copied.conference)]
    pairs.append(("applicant", made.applicant, copied.applicant))
    if len(made.audit) != len(copied.audit):
        problems.append(f"audit: {len(made.audit)} rows made, {len(copied.audit)} copied")
    pairs += [("audit", a, b) for a, b in zip(made.audit, copied.audit, strict=False)]
    for name, a, b in pairs:
        for key in sorted(set(a) | set(b)):
            if key not in UNCOMPARED and a.get(key) != b.get(key):
                problems.append(f"{name}.{key}: made {a.get(key)!r}, copied {b.get(key)!r}")
    return problems


async def seed(url: str, total: int) -> float:
    """Migrate, then `total` conferences; returns the seconds it took."""
    from storage.db import create_engine
    from storage.migrate import upgrade
    from storage.repositories.audit import chain_rows
    from storage.tables import (
        AuditHeadRow,
        AuditRow,
        Base,
        ConferenceRow,
        PersonRow,
        ReferenceCounterRow,
        core_table,
    )

    began = time.perf_counter()
    await upgrade(url)
    made = min(THROUGH_USE_CASES, total)
    await through_use_cases(url, made, total)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            counts = {
                table.name: await connection.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables
            }
            expected = {"person", "staff", "conference", "reference_counter"}
            expected |= {"audit", "audit_head"}
            others = {name: n for name, n in counts.items() if n and name not in expected}
            if others:
                raise SystemExit(f"the use cases wrote rows the copies would miss: {others}")
            first = int(await connection.scalar(select(func.min(ConferenceRow.id))) or 0)
            template = await rows_of(connection, first)
            for c in range(1, made):
                problems = differences(
                    await rows_of(connection, first + c), clone(template, c, total)
                )
                if problems:
                    raise SystemExit(
                        "a copy differs from what the use cases wrote:\n  "
                        + "\n  ".join(problems[:10])
                    )
            # the copies' audit records go on the chain after those the use cases wrote
            head = core_table(AuditHeadRow)
            chain_end = (await connection.execute(select(head.c.position, head.c.hash))).one()
            position, previous = chain_end.position, chain_end.hash
            for start in range(made, total, 5_000):
                copies = [
                    clone(template, c, total) for c in range(start, min(total, start + 5_000))
                ]
                await connection.execute(
                    core_table(PersonRow).insert(), [copy.applicant for copy in copies]
                )
                await connection.execute(
                    core_table(ConferenceRow).insert(), [copy.conference for copy in copies]
                )
                audit = [row for copy in copies for row in copy.audit]
                position, previous = chain_rows(audit, position, previous)
                await connection.execute(core_table(AuditRow).insert(), audit)
            await connection.execute(update(head).values(position=position, hash=previous))
            await connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('conference', 'id'), max(id)) "
                    "FROM conference"
                )
            )
            counter = core_table(ReferenceCounterRow)
            await connection.execute(
                update(counter).where(counter.c.year == SEED_YEAR).values(last=total)
            )
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            # the bulk-loaded tables only: the others stay as in any new database, for
            # autovacuum to look at as they grow
            await autocommit.execute(text("VACUUM ANALYZE person, conference, audit, staff"))
    finally:
        await engine.dispose()
    return time.perf_counter() - began


# the database server's processes


class Backends:
    """CPU of the PostgreSQL processes serving one database, when the server runs here (read
    from /proc as for the kring processes; a backend that ends within a round is missed)."""

    def __init__(self, admin: AsyncEngine, database: str) -> None:
        self.admin = admin
        self.database = database
        self.visible = True
        self.count = 0  # connections at the last snapshot

    async def snapshot(self) -> dict[int, float]:
        async with self.admin.connect() as connection:
            pids = await connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :name"),
                {"name": self.database},
            )
            found = list(pids)
        self.count = len(found)
        seen: dict[int, float] = {}
        for pid in found:
            cpu = postgres_cpu(pid)
            if cpu is not None:
                seen[pid] = cpu
        if found and not seen:
            self.visible = False  # the server runs elsewhere
        return seen


def postgres_cpu(pid: int) -> float | None:
    """The CPU seconds of PostgreSQL's process `pid`, if it runs on this machine."""
    try:
        if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
            return None
        return cpu_seconds(pid)
    except OSError:
        return None


def machine_cpu() -> float:
    """CPU seconds the whole machine has been busy (every process, all cores)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


# the instances


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Instance:
    port: int
    log: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def cpu(self) -> float:
        assert self.process is not None
        return cpu_seconds(self.process.pid)

    def switches(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("nonvoluntary_ctxt_switches:"):
                return int(line.split()[1])
        return 0


@dataclass
class Round:
    ups: float
    latencies: list[float]
    cpu: float  # seconds of the kring processes, over the round
    database: float  # seconds of the database's server processes
    updates: int
    switches: int  # involuntary context switches of the kring processes
    rest: float  # cores the rest of the machine kept busy meanwhile, on average


@dataclass
class Setup:
    """One deployment under test: its emulator, balancer and database, and its `kring serve`
    processes, started anew for each round."""

    label: str
    database_url: str
    size: int  # conferences seeded
    count: int  # instances
    backends: Backends
    workdir: Path
    instances: list[Instance] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)
    staff: list[Round] = field(default_factory=list)
    paced: list[Round] = field(default_factory=list)  # rounds at a steady rate
    startups: list[float] = field(default_factory=list)
    connections: int = 0  # the most connections to its database seen after a round
    served: collections.Counter[str] = field(default_factory=collections.Counter)  # per backend
    emu: BotApiEmulator = field(default_factory=lambda: BotApiEmulator(timeout=60))
    balancer: RoundRobin | None = None
    manager: Person | None = None
    http: aiohttp.ClientSession | None = None
    _people: int = 0
    _spawned: int = 0

    async def open(self) -> None:
        emu = await self.emu.__aenter__()
        emu.add_bot(token=TOKEN, username="kring_bench_bot", first_name="kring")
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self.instances = [
            Instance(free_port(), self.workdir / f"{self.label}-{k}.log")
            for k in range(self.count)
        ]
        self.balancer = await RoundRobin([i.url for i in self.instances]).start()
        self.manager = emu.user("Marieke", language_code="nl", user_id=MANAGER_ID)
        self.manager.chat.started = True  # the manager has opened the bot before
        for k in range(COORDINATORS):
            coordinator = emu.user(NAMES[k], language_code="nl", user_id=COORDINATOR_BASE + k)
            coordinator.chat.started = True

    async def start(self) -> None:
        """Every instance ready (/readyz), the webhook set by each, one of them leading."""
        began = time.perf_counter()
        webhooks = len(self.emu.calls_to("setWebhook", ok=True))
        await asyncio.gather(*(self.spawn(i) for i in self.instances))
        await self.webhook_set(webhooks + len(self.instances))
        await self.leader(within=30)
        await self.emu.wait_idle(0.5, timeout=60)  # each instance publishes the command menu
        self.startups.append(time.perf_counter() - began)

    async def spawn(self, instance: Instance) -> None:
        assert self.balancer is not None and self.http is not None
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("KRING_") or k == "KRING_DATA_KEY"
        }
        env = {
            **clean,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), clean.get("PYTHONPATH")])),
            "KRING_BOT_TOKEN": TOKEN,
            "KRING_API_BASE": self.emu.base_url,
            "KRING_DATABASE_URL": self.database_url,
            "KRING_LOG_LEVEL": "WARNING",
            "KRING_LISTEN": f"127.0.0.1:{instance.port}",
            "KRING_WEBHOOK_URL": f"{self.balancer.url}/telegram",
            "KRING_WEBHOOK_SECRET": SECRET,
        }
        self._spawned += 1
        with instance.log.open("ab") as log:  # the child keeps its own copy of the descriptor
            instance.process = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.profiled(self._spawned),
                "-m",
                "bot",
                "serve",
                env=env,
                cwd=self.workdir,  # no .env of anyone's there
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if not instance.alive or time.monotonic() > deadline:
                raise SystemExit(f"{self.label}: an instance did not start; see {instance.log}")
            with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                async with self.http.get(instance.url + "/readyz") as answer:
                    if answer.status == 200:
                        return
            await asyncio.sleep(0.1)

    def profiled(self, n: int) -> list[str]:
        """KRING_BENCH_CPROFILE=prefix runs each instance under cProfile, writing
        prefix-<setup>-<n>.prof when it stops."""
        prefix = os.environ.get("KRING_BENCH_CPROFILE")
        if not prefix:
            return []
        target = Path(f"{prefix}-{self.label}-{n}.prof").resolve()
        return ["-m", "cProfile", "-o", str(target)]

    async def metric(self, instance: Instance, name: str) -> float | None:
        assert self.http is not None
        try:
            async with self.http.get(instance.url + "/metrics") as answer:
                body = await answer.text()
        except (aiohttp.ClientError, OSError, TimeoutError):
            return None
        for line in body.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    async def leader(self, within: float, among: Sequence[Instance] | None = None) -> Instance:
        """The one instance that shows kring_leader 1 (waits until exactly one does)."""
        deadline = time.monotonic() + within
        among = self.instances if among is None else among
        while True:
            shown = await asyncio.gather(*(self.metric(i, "kring_leader") for i in among))
            leading = [i for i, value in zip(among, shown, strict=True) if value == 1]
            if len(leading) == 1:
                return leading[0]
            if time.monotonic() > deadline:
                raise SystemExit(f"{self.label}: {len(leading)} leaders after {within:.0f} s")
            await asyncio.sleep(0.05)

    def cpu(self) -> float:
        return sum(i.cpu() for i in self.instances if i.alive)

    def switches(self) -> int:
        """How often the kring processes were preempted (the kernel's count of involuntary
        context switches): a sign of more processes wanting a core than there are cores."""
        return sum(i.switches() for i in self.instances if i.alive)

    async def measured(
        self,
        people: Sequence[Person],
        scripts: Callable[[Person], list[Action]],
        rate: float | None = None,
    ) -> Round:
        latencies: list[float] = []
        pace = Pace(rate)
        backends = await self.backends.snapshot()
        cpu, switches, machine = self.cpu(), self.switches(), machine_cpu()
        own = time.process_time()
        began = time.perf_counter()
        await asyncio.gather(*(converse(p, scripts(p), pace, latencies) for p in people))
        elapsed = time.perf_counter() - began
        cpu, switches = self.cpu() - cpu, self.switches() - switches
        own = time.process_time() - own
        machine = machine_cpu() - machine
        database = used(backends, await self.backends.snapshot())
        print(
            f"{self.label}: {len(latencies)} updates in {elapsed:.2f}s"
            f"{f' at {rate:g}/s' if rate else ''}, the kring processes {cpu:.2f}s CPU "
            f"({switches} times preempted), the database {database:.2f}s, this process "
            f"(emulator, balancer, people) {own:.2f}s, the rest of the machine (the kernel, "
            f"PostgreSQL's own processes, other work) "
            f"{machine - cpu - database - own:.2f}s",
            file=sys.stderr,
        )
        rest = (machine - cpu - database - own) / elapsed
        return Round(
            len(latencies) / elapsed, latencies, cpu, database, len(latencies), switches, rest
        )

    async def round(
        self, people: int, staff: int = 0, rate: float | None = None, *, record: bool = True
    ) -> Round:
        """`people` do the intake at once (with `rate`: offering that many updates a second in
        all), then the manager takes on `staff` of the new requests."""
        emu, manager = self.emu, self.manager
        assert manager is not None and self.balancer is not None
        persons = [
            emu.user(NAMES[(self._people + i) % len(NAMES)], language_code="nl")
            for i in range(people)
        ]
        self._people += people
        calls_before, notices_before = len(emu.calls), len(manager.messages)
        served = collections.Counter(self.balancer.served)
        intake = await self.measured(persons, lambda _: intake_script(), rate)
        await emu.wait_idle(0.2, timeout=60)  # the last replies may still be on their way
        assert not emu.bot().pending, "every update was confirmed"
        methods = collections.Counter(c.method for c in emu.calls[calls_before:])
        if methods != expected_calls(people):
            raise SystemExit(
                f"{self.label} made the Bot API calls {dict(methods)}, INTAKE in bench/"
                f"throughput.py says {dict(expected_calls(people))}"
            )
        if len(manager.messages) - notices_before != people:
            raise SystemExit(f"{self.label}: not every request reached the manager")
        self.connections = max(self.connections, self.backends.count)
        if record:
            (self.paced if rate else self.rounds).append(intake)
            if not rate:
                self.served.update(collections.Counter(self.balancer.served) - served)
        if staff:
            views = await self.measured([manager], lambda _: triage(staff))
            await manager.wait_for("toegewezen aan", timeout=60)
            await emu.wait_idle(0.2, timeout=60)
            if record:
                self.staff.append(views)
        return intake

    async def failover(self) -> float:
        """SIGKILL the leader; seconds until another instance shows kring_leader 1."""
        leader = await self.leader(within=30)
        others = [i for i in self.instances if i is not leader]
        assert leader.process is not None
        leader.process.send_signal(signal.SIGKILL)
        killed = time.perf_counter()
        await leader.process.wait()
        await self.leader(within=60, among=others)
        return time.perf_counter() - killed

    async def replace(self, instance: Instance) -> None:
        """A fresh instance on the killed one's port (the balancer's list stays)."""
        webhooks = len(self.emu.calls_to("setWebhook", ok=True))
        await self.spawn(instance)
        await self.webhook_set(webhooks + 1)
        await self.emu.wait_idle(0.5, timeout=60)

    async def webhook_set(self, times: int) -> None:
        """Until setWebhook was called `times` times in all (once by each instance started)."""
        deadline = time.monotonic() + START_TIMEOUT
        while len(self.emu.calls_to("setWebhook", ok=True)) < times:
            if time.monotonic() > deadline:
                raise SystemExit(f"{self.label}: the instances did not all set the webhook")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """SIGTERM to every instance: each finishes what it holds and goes."""
        for instance in self.instances:
            if instance.alive:
                assert instance.process is not None
                instance.process.terminate()
        for instance in self.instances:
            if instance.process is not None:
                try:
                    await asyncio.wait_for(instance.process.wait(), 30)
                except TimeoutError:
                    instance.process.kill()
                    await instance.process.wait()

    async def close(self) -> None:
        await self.stop()
        if self.balancer is not None:
            await self.balancer.stop()
        if self.http is not None:
            await self.http.close()
        await self.emu.__aexit__(None, None, None)

    # figures

    @property
    def ups(self) -> float:
        """The median round: one round disturbed by the machine's other work does not count."""
        return statistics.median(r.ups for r in self.rounds)

    def ms(self, share: float, rounds: list[Round] | None = None) -> float:
        latencies = [x for r in (self.rounds if rounds is None else rounds) for x in r.latencies]
        return percentile(latencies, share) * 1000

    def summary(self) -> str:
        visible = self.backends.visible
        database = f"{per_update(self.rounds, 'database'):.2f} ms" if visible else "n/a"
        return (
            f"{self.count} instance(s), {self.size} conferences: "
            f"{sum(r.updates for r in self.rounds)} updates in {len(self.rounds)} rounds, median "
            f"round {self.ups:.1f} updates/s ({', '.join(f'{r.ups:.0f}' for r in self.rounds)}), "
            f"CPU per update {per_update(self.rounds, 'cpu'):.2f} ms kring "
            f"({', '.join(f'{r.cpu / r.updates * 1000:.1f}' for r in self.rounds)}), "
            f"{database} database; preempted {per_update(self.rounds, 'switches') / 1000:.2f} "
            f"times per update; p50 {self.ms(0.5):.1f} ms, p99 {self.ms(0.99):.1f} ms; the "
            f"rest of the machine busy {', '.join(f'{r.rest:.0%}' for r in self.rounds)} of a core"
        )

    def paced_summary(self) -> str:
        rate = statistics.median(r.ups for r in self.paced)
        return (
            f"{self.count} instance(s) at {rate:.1f} updates/s: CPU per update "
            f"{per_update(self.paced, 'cpu'):.2f} ms kring "
            f"({', '.join(f'{r.cpu / r.updates * 1000:.1f}' for r in self.paced)}), preempted "
            f"{per_update(self.paced, 'switches') / 1000:.2f} times per update; p50 "
            f"{self.ms(0.5, self.paced):.1f} ms, p99 {self.ms(0.99, self.paced):.1f} ms"
        )

    def staff_cpu_ms(self) -> tuple[float, float]:
        """CPU per update of the staff views, all rounds together: kring, the database."""
        updates = sum(r.updates for r in self.staff)
        return (
            sum(r.cpu for r in self.staff) / updates * 1000,
            sum(r.database for r in self.staff) / updates * 1000,
        )

    def staff_summary(self) -> str:
        kring, database = self.staff_cpu_ms()
        return (
            f"{self.size} conferences: {sum(r.updates for r in self.staff)} updates, CPU per "
            f"update {kring:.2f} ms kring, "
            f"{f'{database:.2f} ms' if self.backends.visible else 'n/a'} database; "
            f"p50 {self.ms(0.5, self.staff):.1f} ms, max {self.ms(1.0, self.staff):.1f} ms"
        )


def each(r: Round, what: str) -> float:
    """A round's figure (cpu, database, switches) per update."""
    return float(getattr(r, what)) / r.updates


def per_update(rounds: list[Round], what: str) -> float:
    """The median round's figure per update, in thousandths (CPU: ms)."""
    return statistics.median(each(r, what) for r in rounds) * 1000


def paired(base: list[Round], other: list[Round], what: str = "cpu") -> list[float]:
    """Per round, `other`'s figure per update over `base`'s (the two ran one after the other,
    so they met the same disturbances)."""
    return [each(o, what) / each(b, what) for b, o in zip(base, other, strict=True)]


# the manager's steps


def listing_shown(person: Person) -> bool:
    return person.last is not None and "Open aanvragen" in (person.last.text or "")


def candidates_shown(person: Person) -> bool:
    last = person.last
    return last is not None and any("Toewijzen aan" in b for row in last.buttons for b in row)


def open_newest(person: Person) -> Awaitable[int]:
    assert person.last is not None
    return person.press(person.last.buttons[0][0], wait=False)


def assign_first(person: Person) -> Awaitable[int]:
    return person.press("Toewijzen aan", contains=True, wait=False)


def triage(requests: int) -> list[Action]:
    """The manager: the open requests, the newest one, assign it; `requests` times."""
    actions: list[Action] = []
    for n in range(requests):
        actions.append((typing("/requests"), showing("toegewezen aan") if n else always))
        actions.append((open_newest, listing_shown))
        actions.append((assign_first, candidates_shown))
    return actions


# the run


async def reachable(server: str) -> str | None:
    """None when PostgreSQL answers, else why not."""
    engine = create_async_engine(server, connect_args={"timeout": 5})
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    finally:
        await engine.dispose()
    return None


async def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of each setup")
    parser.add_argument(
        "--staff", type=int, default=5, help="requests the manager takes on after each round"
    )
    parser.add_argument("--conferences", type=int, default=100, help="seeded for one, three")
    parser.add_argument("--conferences-large", type=int, default=100_000, help="seeded for large")
    parser.add_argument("--failovers", type=int, default=3)
    parser.add_argument(
        "--rate",
        type=float,
        default=50,
        help="one and three also take a round at this many updates/s in all (0: not)",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER,
        help="a PostgreSQL server (and a database there for the admin statements); each "
        "setup gets a fresh database, dropped at the end",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="for the instances' logs")
    args = parser.parse_args()
    server = make_url(args.database_url)
    if server.get_backend_name() != "postgresql":
        print("scale: needs PostgreSQL (--database-url postgresql+asyncpg://...)")
        return 2
    why = await reachable(args.database_url)
    if why is not None:
        print(f"scale: PostgreSQL at {server.render_as_string()} is unreachable ({why})")
        return 2
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kring-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"work directory (the instances' logs): {workdir}", file=sys.stderr)
    failovers: list[float] = []
    admin = create_async_engine(args.database_url, pool_size=1, max_overflow=1)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(admin.dispose)
        setups: list[Setup] = []
        for label, size, count in (
            ("one", args.conferences, 1),
            ("three", args.conferences, 3),
            ("large", args.conferences_large, 1),
        ):
            url = await stack.enter_async_context(fresh_database(args.database_url, workdir))
            took = await seed(url, size)
            print(f"{label}: {size} conferences seeded in {took:.1f}s", file=sys.stderr)
            setup = Setup(
                label, url, size, count, Backends(admin, make_url(url).database or ""), workdir
            )
            setups.append(setup)
            await setup.open()
            stack.push_async_callback(setup.close)
        one, three, large = setups
        # One setup runs at a time: each instance's pool may keep up to 32 connections open.
        # Each round starts with another setup, so that none is always first or last.
        for n in range(args.rounds):
            for setup in setups[n % 3 :] + setups[: n % 3]:
                await setup.start()
                # a full round first: every connection each pool will keep is opened, and has
                # prepared its statements, before anything is measured (as in a running service)
                await setup.round(args.people, 1, record=False)
                await setup.round(args.people, args.staff)
                if args.rate and setup is not large:
                    await setup.round(args.people, rate=args.rate)
                await setup.stop()
            print(f"round {n + 1} of {args.rounds} done", file=sys.stderr)
        await three.start()
        for n in range(args.failovers):
            failovers.append(await three.failover())
            print(f"three: failover {n + 1}: {failovers[-1]:.2f}s", file=sys.stderr)
            if n + 1 < args.failovers:
                await three.replace(next(i for i in three.instances if not i.alive))
        after = await three.round(args.people, record=False)
        survivors = sum(i.alive for i in three.instances)
        await three.stop()

    print(
        f"people={args.people} steps=15 rounds={args.rounds} staff={args.staff} "
        f"database=postgresql; start-up (ready, webhook set, a leader): "
        + ", ".join(f"{s.label} {statistics.median(s.startups):.1f}s" for s in setups)
    )
    for setup in setups:
        print(f"{setup.label + ':':6} {setup.summary()}")
    print(
        f"three: webhook requests per instance {sorted(three.served.values())}; connections "
        f"to PostgreSQL after a round, at most: one {one.connections}, three "
        f"{three.connections}, large {large.connections}"
    )
    ratios = paired(one.rounds, three.rounds)
    saturated = statistics.median(ratios)
    cpu_1, cpu_3 = per_update(one.rounds, "cpu"), per_update(three.rounds, "cpu")
    print(
        f"cpu_ms_1={cpu_1:.2f} cpu_ms_3={cpu_3:.2f} (ratio of these medians {cpu_3 / cpu_1:.2f}); "
        f"per round, three over one: {' '.join(f'{r:.2f}' for r in ratios)}, median "
        f"at saturation {saturated:.2f}; p99_ms_1={one.ms(0.99):.1f} "
        f"p99_ms_3={three.ms(0.99):.1f}"
    )
    cpu_ratio = saturated
    if args.rate:
        print(f"steady, one:   {one.paced_summary()}")
        print(f"steady, three: {three.paced_summary()}")
        steady = paired(one.paced, three.paced)
        # The overhead three instances add, measured where neither setup is short of a core:
        # at saturation, five busy processes on two cores make every call dearer (more
        # preemptions and cold caches: the same calls, 16% more CPU), which is the machine,
        # not coordination. The saturated ratio stays on the line above.
        cpu_ratio = statistics.median(steady)
        print(
            f"steady at {args.rate:g} updates/s, per round three over one: "
            f"{' '.join(f'{r:.2f}' for r in steady)}, median cpu_ratio_3_to_1={cpu_ratio:.2f}"
        )
    growths = paired(one.rounds, large.rounds)
    growth = statistics.median(growths)
    database = (
        f"{statistics.median(paired(one.rounds, large.rounds, 'database')):.2f}"
        if one.backends.visible
        else "n/a"
    )
    print(
        f"growth ({args.conferences_large} against {args.conferences} conferences), per round "
        f"large over one: {' '.join(f'{r:.2f}' for r in growths)}, median: kring {growth:.2f}, "
        f"database {database}"
    )
    if args.staff:
        print(f"staff views, one:   {one.staff_summary()}")
        print(f"staff views, large: {large.staff_summary()}")
        (k0, d0), (k1, d1) = one.staff_cpu_ms(), large.staff_cpu_ms()
        print(
            f"staff views growth: kring {k1 / k0:.2f}, database "
            f"{f'{d1 / d0:.2f}' if one.backends.visible and d0 else 'n/a'}"
        )
    print(
        f"failover (KRING_LEADER_RETRY default 5 s): {', '.join(f'{s:.2f}' for s in failovers)} s;"
        f" then {after.updates} updates through the balancer with {survivors} of 3 "
        f"instances alive, all answered ({after.ups:.0f} updates/s)"
    )
    print(
        f"scale: ups_1={one.ups:.1f} ups_3={three.ups:.1f} cpu_ratio_3_to_1={cpu_ratio:.2f} "
        f"p99_ms_3={three.ms(0.99):.1f} growth_100k={growth:.2f} "
        f"failover_s={max(failovers) if failovers else float('nan'):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
