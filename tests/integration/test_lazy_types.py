"""aiogram imported with its types built on first use (bot/lazy_types.py), as `kring run` does:
in a fresh interpreter, every Bot API type and method must still build, and the ones kring
reads must work on first use."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import sys, time
    began = time.perf_counter()
    from bot.lazy_types import import_aiogram
    import_aiogram()
    imported = time.perf_counter() - began
    import aiogram.methods as M
    import aiogram.types as T
    from aiogram.methods.base import Response
    from pydantic import BaseModel

    assert not T.Update.__pydantic_complete__, "the types were built at import after all"

    def first_use():  # as in the bot: deep in a call stack, on first validation
        update = T.Update.model_validate({"update_id": 1, "callback_query": {
            "id": "1", "chat_instance": "1", "data": "a:role:family",
            "from": {"id": 7, "is_bot": False, "first_name": "Wim"},
            "message": {"message_id": 2, "date": 0, "chat": {"id": 7, "type": "private"}}}})
        assert update.callback_query.message.chat.id == 7
        sent = Response[T.Message].model_validate({"ok": True, "result": {
            "message_id": 3, "date": 0, "chat": {"id": 7, "type": "private"}}})
        assert sent.result.message_id == 3
        assert M.SendMessage(chat_id=7, text="Hallo Wim").text == "Hallo Wim"
    first_use()

    import asyncio
    from bot.lazy_types import warm_up
    warmed = [T.ChatMemberUpdated, T.Venue, M.SendVenue, M.EditMessageReplyMarkup]
    assert not any(kind.__pydantic_complete__ for kind in warmed)
    asyncio.run(warm_up(warmed))
    assert all(kind.__pydantic_complete__ for kind in warmed), "warm_up built them"

    unbuilt = []
    for module in (T, M):
        for name in module.__all__:
            kind = getattr(module, name)
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                if not kind.__pydantic_complete__:
                    kind.model_rebuild()
                if not kind.__pydantic_complete__:
                    unbuilt.append(name)
    print(f"imported in {imported:.2f}s; unbuilt: {unbuilt}")
    sys.exit(1 if unbuilt else 0)
''')


def test_every_aiogram_type_builds_on_first_use():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "unbuilt: []" in done.stdout
