"""The comparison for bench/reminders.py: what a bare APScheduler 3 setup would do.

An AsyncIOScheduler with its default MemoryJobStore and job defaults (misfire_grace_time 1 s,
coalesce on). At start it reads the pending reminders from the bench's database (a memory job
store forgets everything on a restart, so a bare bot must load its jobs from somewhere) and adds
one date job each, with an explicit id; each job sends one sendMessage through an aiogram Bot
(the same text shape and two buttons as kring's reminder). On a 429 a job sleeps retry_after and
tries again (`--on-429 none`: it fails). No pacing, no outbox: that is what "bare" means.
Prints "bare: ready" once every job is held and the scheduler runs, and its counts at the end.

    python -m bench.apscheduler_bare --database FILE --api-base URL --token T --start ISO
        --epoch UNIX [--on-429 retry|none] [--grace S]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import signal
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

ZONE = ZoneInfo("Europe/Amsterdam")
ATTEMPTS = 1000


@dataclass
class Stats:
    jobs: int = 0
    sent: int = 0
    throttled: int = 0  # 429s seen
    missed: int = 0  # APScheduler's EVENT_JOB_MISSED: later than misfire_grace_time
    errors: int = 0  # jobs that raised


def _sqlite_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--start", required=True, help="the clock's start (see bench/reminders)")
    parser.add_argument("--epoch", type=float, required=True, help="real time of --start")
    parser.add_argument("--on-429", choices=("retry", "none"), default="retry")
    parser.add_argument(
        "--grace",
        type=float,
        default=None,
        help="misfire_grace_time (default: APScheduler's; 0: no limit)",
    )
    args = parser.parse_args()
    start = datetime.fromisoformat(args.start)
    # the bench's clock showed `start` at `epoch`: a due moment in real time
    offset = datetime.fromtimestamp(args.epoch, UTC) - start

    stats = Stats()
    bot = Bot(
        args.token,
        session=AiohttpSession(api=TelegramAPIServer.from_base(args.api_base)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    retry = args.on_429 == "retry"

    async def remind(chat_id: int, invitee_id: int, text: str) -> None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="✅ Ik kom", callback_data=f"ma:{invitee_id}:1")],
                [
                    InlineKeyboardButton(
                        text="Ik kan niet komen", callback_data=f"ma:{invitee_id}:0"
                    )
                ],
            ]
        )
        for _attempt in range(ATTEMPTS):
            try:
                await bot.send_message(chat_id, text, reply_markup=markup)
                stats.sent += 1
                return
            except TelegramRetryAfter as error:
                stats.throttled += 1
                if not retry:
                    raise
                await asyncio.sleep(error.retry_after)

    def listen(event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            stats.missed += 1
        else:
            stats.errors += 1

    defaults = {} if args.grace is None else {"misfire_grace_time": args.grace or None}
    scheduler = AsyncIOScheduler(timezone=UTC, job_defaults=defaults)
    scheduler.add_listener(listen, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    with contextlib.closing(sqlite3.connect(args.database)) as db:
        rows = db.execute(
            "select r.id, r.due_at, i.person_id, i.id, i.name, c.meeting_at, c.venue_name "
            "from reminder r join invitee i on i.id = r.invitee_id "
            "join conference c on c.id = r.conference_id "
            "where r.status = 'pending' order by r.due_at, r.id"
        )
        for reminder_id, due, chat, invitee_id, name, meeting, venue in rows:
            moment = _sqlite_time(meeting).astimezone(ZONE)
            text = (
                f"Herinnering, {name}: de Eigen Kracht-conferentie is "
                f"{moment:%d-%m-%Y om %H:%M} in {venue}. Tot dan!"
            )
            scheduler.add_job(
                remind,
                "date",
                run_date=_sqlite_time(due) + offset,
                args=(chat, invitee_id, text),
                id=f"reminder-{reminder_id}",
                replace_existing=True,
            )
            stats.jobs += 1
    scheduler.start()
    await asyncio.sleep(0)  # start() hands the jobs to the store on the loop
    gc.collect()
    print(f"bare: ready, {stats.jobs} jobs held", flush=True)

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    scheduler.shutdown(wait=False)
    await bot.session.close()
    print(f"bare: stats {json.dumps(asdict(stats))}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
