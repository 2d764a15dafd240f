"""kring's own work per update, without the network: the same dispatcher, handlers and
database as `kring run` (a real SQLite file), but Telegram's answers come from a stand-in
session inside the process, so what is measured is kring's CPU per update and nothing else.
N people do the intake of bench.throughput, step by step, all at once (as in polling: lanes).
Where bench.throughput says how fast, this says where the time goes.

    python -m bench.hotpath [--people 100] [--profile file.prof]

Last line: `hotpath: updates=.. cpu_ms_per_update=.. calls_per_update=..`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import tempfile
import time
from collections import Counter
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import orjson
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update

from bench.throughput import MANAGER_ID, TOKEN
from bot.app import build_dispatcher, build_i18n
from bot.config import load_settings
from bot.processing import Lanes, UpdateProcessor
from bot.telegram_session import keep_response_types
from conference.model.ids import PersonId
from conference.model.people import StaffMember, StaffRole
from conference.model.request import Status
from conference.requests import add_staff
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

STEPS: list[tuple[str, str]] = [  # ("text", what is typed) or ("press", a button's label)
    ("text", "/start"),
    ("press", "Een conferentie aanvragen"),
    ("press", "Familie of vriend(in)"),
    ("text", "Johan"),
    ("text", "8"),
    ("text", "Waar kan Johan (8) veilig opgroeien en wat is daarvoor nodig?"),
    ("press", "Overslaan"),
    ("press", "👪 Familie of persoon"),
    ("press", "Nederlands"),
    ("press", "Klaar ✓"),
    ("press", "Geen voorkeur"),
    ("text", "Utrecht"),
    ("press", "Alleen via Telegram"),
    ("press", "✅ Ja, ik ga akkoord"),
    ("press", "✅ Versturen"),
]


class StandInSession(BaseSession):
    """Answers every method as Telegram would, from memory; keeps what each chat was shown
    (text and buttons) so the people can press them."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()
        self.buttons: dict[int, dict[str, str]] = {}  # chat -> label -> callback data
        self._ids = itertools.count(1000)

    async def close(self) -> None:
        pass

    def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError  # the bench downloads no files

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> Any:
        name = method.__api_method__
        self.calls[name] += 1
        chat = getattr(method, "chat_id", None)
        markup = getattr(method, "reply_markup", None)
        if isinstance(chat, int):
            if isinstance(markup, InlineKeyboardMarkup):
                self.buttons[chat] = {
                    b.text: b.callback_data or "" for row in markup.inline_keyboard for b in row
                }
            elif isinstance(markup, ReplyKeyboardMarkup):
                self.buttons[chat] = {b.text: "" for row in markup.keyboard for b in row}
        returning = method.__returning__
        if returning is bool or name in ("answerCallbackQuery", "setMyCommands"):
            result: Any = True
        else:
            result = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": chat if isinstance(chat, int) else 1, "type": "private"},
                "from": {"id": 1, "is_bot": True, "first_name": "kring"},
                "text": getattr(method, "text", None) or "",
            }
        answer = orjson.dumps({"ok": True, "result": result}).decode()
        return self.check_response(bot, method, 200, answer).result


def update_for(
    update_id: int, person: int, kind: str, value: str, session: StandInSession
) -> dict[str, Any]:
    user = {"id": person, "is_bot": False, "first_name": "Wim", "language_code": "nl"}
    chat = {"id": person, "type": "private", "first_name": "Wim"}
    data = session.buttons.get(person, {}).get(value)
    if kind == "press" and data:  # an inline button
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": user,
                "chat_instance": "1",
                "data": data,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": chat,
                    "from": {"id": 1, "is_bot": True, "first_name": "kring"},
                    "text": "…",
                },
            },
        }
    if kind == "press" and data is None:
        raise SystemExit(f"person {person} has no button {value!r}")
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": chat,
        "from": user,
        "text": value,
    }
    if value.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(value)}]
    return {"update_id": update_id, "message": message}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--profile", help="write a cProfile of the measured part here")
    parser.add_argument(
        "--statements", action="store_true", help="count the SQL statements, by their first words"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kring-hotpath-"))
    url = f"sqlite+aiosqlite:///{workdir / 'hotpath.sqlite3'}"
    settings = load_settings(bot_token=TOKEN, database_url=url)
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    statements: Counter[str] = Counter()
    if args.statements:
        from sqlalchemy import event

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def count_statement(conn: Any, cursor: Any, sql: str, *rest: Any) -> None:
            statements[" ".join(sql.split()[:4])] += 1

    async with SqlUnitOfWork(sessions) as uow:
        await add_staff(
            uow,
            StaffMember(
                person_id=PersonId(MANAGER_ID),
                role=StaffRole.MANAGER,
                name="Marieke",
                languages=("nl",),
            ),
        )
        await uow.commit()
    keep_response_types()
    stand_in = StandInSession()
    bot = Bot(TOKEN, session=stand_in, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    i18n = build_i18n(settings)
    processor = UpdateProcessor(build_dispatcher(settings, i18n), bot, sessions, i18n)
    lanes = Lanes(processor)
    people = [10_000 + i for i in range(args.people)]
    update_ids = itertools.count(1)

    profiler = cProfile.Profile() if args.profile else None
    cpu = 0.0
    for kind, value in STEPS:
        updates = [
            Update.model_validate(
                update_for(next(update_ids), p, kind, value, stand_in), context={"bot": bot}
            )
            for p in people
        ]
        began = time.process_time()
        if profiler:
            profiler.enable()
        for update in updates:
            lanes.submit(update)
        await lanes.drain()
        if profiler:
            profiler.disable()
        cpu += time.process_time() - began
    await engine.dispose()

    check = create_engine(url)
    async with SqlUnitOfWork(session_factory(check)) as uow:
        submitted = await uow.conferences.with_status(Status.NEW)
    await check.dispose()
    assert len(submitted) == args.people, f"{len(submitted)} requests, not {args.people}"
    count = len(STEPS) * args.people
    if profiler and args.profile:
        profiler.dump_stats(args.profile)
    calls = sum(n for name, n in stand_in.calls.items() if name != "setMyCommands")
    print(f"Bot API calls: {dict(stand_in.calls.most_common())}")
    if args.statements:
        for sql, n in statements.most_common():
            print(f"{n / count:6.2f} per update  {sql}")
    print(
        f"hotpath: updates={count} cpu_ms_per_update={cpu / count * 1000:.3f} "
        f"calls_per_update={calls / count:.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
