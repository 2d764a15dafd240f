"""A broadcast to many through the outbox: does the sender use the rate Telegram allows, and does
everyone get exactly one copy?

The emulator (this process) allows `--rate` messages a second overall and one per chat, answering
429 with retry_after beyond that. A fresh SQLite database gets `--people` participants and one
broadcast, enqueued through the real repository; then the real OutboxSender, in its own process
(as in production, and so the emulator does not take its CPU), sends it at `--rate`.
The rate is measured from the first to the last accepted copy (the emulator's clock); copies are
counted per participant from what the emulator's chats hold.

    python -m bench.broadcast [--people 1000] [--rate 200] [--database-url URL]

KRING_BENCH_PROFILE=file.prof writes a cProfile of the sender process.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotations; the code imports what it needs where it runs
    from emulator import BotApiEmulator, Person

TOKEN = "123456:bench-token"
COORDINATOR = 42
NAMES = (
    "Wim",
    "Johan",
    "Edith",
    "Herman",
    "Kees",
    "Riet",
    "Ans",
    "Els",
    "Piet",
    "Joost",
    "Fatma",
    "Mehmet",
    "Noor",
    "Sanne",
    "Daan",
    "Ilse",
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# the sender process


async def send(database_url: str, api_base: str, rate: float) -> None:
    from bot.config import LOCALES_DIR
    from bot.i18n import CatalogI18n
    from bot.outbox.sender import OutboxSender, outbox_bot
    from bot.telegram_session import keep_response_types
    from storage.db import create_engine, session_factory
    from storage.uow import SqlUnitOfWork

    keep_response_types()
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    sender = OutboxSender(
        outbox_bot(TOKEN, api_base),
        sessions,
        CatalogI18n(path=LOCALES_DIR, default_locale="nl"),
        rate=rate,
    )
    gc.collect()
    gc.freeze()  # as `kring run` does
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await sender.start()
    while not stop.is_set():  # until every batch is reported
        await asyncio.sleep(0.2)
        async with SqlUnitOfWork(sessions) as uow:
            if not await uow.outbox_sending.open_batches():
                break
    await sender.stop()
    await sender.bot.session.close()
    await engine.dispose()
    stats = sender.stats
    print(
        json.dumps(
            {
                "throttled": sender.pace.throttled,
                "retried": stats.retried,
                "failed": stats.failed,
                "edits": stats.edits,
                "round_trip": stats.waiting / max(1, stats.requests),
                "marks": stats.marks,
                "marked": stats.marked,
            }
        ),
        flush=True,
    )


# the bench


async def prepare(
    database_url: str, emu: BotApiEmulator, people: int
) -> tuple[list[Person], Person]:
    from conference.model.ids import PersonId
    from conference.model.outbox import Batch, Outbound, Text
    from storage.db import create_engine, session_factory
    from storage.migrate import upgrade
    from storage.uow import SqlUnitOfWork

    await upgrade(database_url)
    engine = create_engine(database_url)
    coordinator = emu.user("Sanne", language_code="nl", user_id=COORDINATOR)
    coordinator.chat.started = True
    participants = []
    for i in range(people):
        person = emu.user(f"{NAMES[i % len(NAMES)]} {i // len(NAMES) + 1}", language_code="nl")
        person.chat.started = True  # they opened the bot before
        participants.append(person)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        for person in participants:
            await uow.persons.upsert(PersonId(person.id), person.first_name, "nl")
        await uow.outbox.enqueue(
            Batch(
                "broadcast",
                PersonId(COORDINATOR),
                report_chat=PersonId(COORDINATOR),
                report_locale="nl",
            ),
            [
                Outbound(
                    PersonId(p.id),
                    None,
                    (
                        Text(
                            "Beste deelnemer, de conferentie voor Johan is op zaterdag 3 juli om "
                            "10:00 in buurthuis De Kring. Neem gerust iemand mee die wil helpen."
                        ),
                    ),
                )
                for p in participants
            ],
            datetime.now(UTC),
        )
        await uow.commit()
    await engine.dispose()
    return participants, coordinator


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--send", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-base", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.send:
        await send(args.database_url, args.api_base, args.rate)
        return

    from emulator import BotApiEmulator

    workdir = Path(tempfile.mkdtemp(prefix="kring-broadcast-"))
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    async with BotApiEmulator(timeout=60) as emu:
        emu.add_bot(token=TOKEN, username="kring_bench_bot", first_name="kring")
        participants, coordinator = await prepare(database_url, emu, args.people)
        emu.set_limits(per_chat_per_second=1, global_per_second=args.rate, retry_after=1)
        command = [sys.executable]
        if os.environ.get("KRING_BENCH_PROFILE"):
            command += ["-m", "cProfile", "-o", os.environ["KRING_BENCH_PROFILE"]]
        command += [
            "-m",
            "bench.broadcast",
            "--send",
            "--database-url",
            database_url,
            "--api-base",
            emu.base_url,
            "--rate",
            str(args.rate),
        ]
        began = time.perf_counter()
        process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
        cpu = 0.0
        try:
            while process.returncode is None:
                try:
                    cpu = cpu_seconds(process.pid)
                except (FileNotFoundError, ProcessLookupError):
                    pass
                try:
                    await asyncio.wait_for(process.wait(), 0.5)
                except TimeoutError:
                    if time.perf_counter() - began > 600:
                        raise SystemExit("the sender did not finish within 10 minutes") from None
            output = (await process.stdout.read()).decode() if process.stdout else ""
        finally:
            if process.returncode is None:
                process.terminate()
                await process.wait()
        sender = json.loads(output.strip().splitlines()[-1]) if output.strip() else {}
        assert not emu.internal_errors, emu.internal_errors[:1]

        ids = {p.id for p in participants}
        calls = [c for c in emu.calls if c.token == TOKEN]
        copies = [
            c
            for c in calls
            if c.method == "sendMessage" and c.ok and c.params.get("chat_id") in ids
        ]
        times = sorted(c.timestamp for c in copies)
        refused = sum(c.status == 429 for c in calls)
        received = [len(p.chat.bot_messages()) for p in participants]
        lost = sum(n == 0 for n in received)
        duplicated = sum(n > 1 for n in received)
        span = times[-1] - times[0] if len(times) > 1 else float("nan")
        achieved = (len(times) - 1) / span if len(times) > 1 else 0.0
        # how far each copy went out behind a perfect schedule at the allowed rate
        lateness = [t - (times[0] + i / args.rate) for i, t in enumerate(times)]
        gaps = [b - a for a, b in itertools.pairwise(times)]
        report = coordinator.last
        print(
            f"people={args.people} database={database_url.split(':')[0]} "
            f"sender_cpu_incl_startup={cpu:.2f}s span={span:.2f}s requests={len(calls)}"
        )
        print(
            f"429s: emulator={refused} seen_by_sender={sender.get('throttled')} "
            f"retried={sender.get('retried')} failed={sender.get('failed')} "
            f"progress_edits={sender.get('edits')} "
            f"round_trip_mean={sender.get('round_trip', 0) * 1000:.1f}ms "
            f"attempt_marks={sender.get('marked')} in {sender.get('marks')} commits"
        )
        print(
            f"lateness behind a perfect {args.rate:g}/s schedule: "
            f"p50={percentile(lateness, 0.5) * 1000:.0f}ms "
            f"p99={percentile(lateness, 0.99) * 1000:.0f}ms; gap between copies: "
            f"mean={statistics.fmean(gaps) * 1000:.2f}ms max={max(gaps) * 1000:.1f}ms"
        )
        print("report: " + (report.text or "").replace("\n", " | ") if report else "no report")
        print(
            f"broadcast: sent={len(times)} allowed_rate={args.rate:g} "
            f"achieved_rate={achieved:.1f} ratio={achieved / args.rate:.3f} lost={lost} "
            f"duplicated={duplicated}"
        )


if __name__ == "__main__":
    asyncio.run(main())
