"""A chat client in the browser: several phones side by side, each a Telegram user of the
emulator talking to its bot. A local aiohttp app serves one page (emulator/static/, no
third-party code, nothing from the network) and a small JSON API the page polls and posts to.
It knows Bot API concepts only (messages, buttons, keyboards, files), nothing of any bot."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .people import Person
from .state import Chat, StoredMessage

if TYPE_CHECKING:
    from .core import BotApiEmulator

STATIC = Path(__file__).resolve().parent / "static"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "ckb", "yi", "dv"})
START_PARAMETER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LONG_POLL = 20.0  # seconds a GET /api/state waits for a change before answering "nothing"
MAX_TEXT = 4096

Action = Callable[[], Awaitable[str]]  # returns a line to show under the button


@dataclass
class Pane:
    key: str  # in URLs: /api/panes/<key>/...
    person: Person
    title: str  # what the person is here, e.g. "Coordinator"
    lang: str
    direction: str  # "ltr" or "rtl"
    note: str = ""  # a line under the title, e.g. who they are


@dataclass
class PageAction:
    key: str
    label: str
    run: Action


class ChatClient:
    """`add_pane` a person per phone, `add_action` page-wide buttons; `start(port)` serves."""

    def __init__(self, emu: BotApiEmulator, title: str = "Telegram emulator") -> None:
        self.emu = emu
        self.title = title
        self.panes: dict[str, Pane] = {}
        self.actions: dict[str, PageAction] = {}
        self._runner: web.AppRunner | None = None
        self._busy: dict[str, asyncio.Lock] = {}

    def add_pane(
        self,
        person: Person,
        title: str,
        *,
        note: str = "",
        lang: str | None = None,
        key: str | None = None,
    ) -> Pane:
        language = (lang or person.language_code or "en").lower()
        direction = "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"
        pane_key = key or f"u{person.id}"
        pane = Pane(pane_key, person, title, language, direction, note)
        self.panes[pane_key] = pane
        return pane

    def add_action(self, key: str, label: str, run: Action) -> None:
        self.actions[key] = PageAction(key, label, run)
        self._busy[key] = asyncio.Lock()

    # serving

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", STATIC, follow_symlinks=False)
        app.router.add_get("/api/panes", self._panes)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/files/{file_id}", self._file)
        app.router.add_post("/api/panes/{pane}/send", self._send)
        app.router.add_post("/api/panes/{pane}/press", self._press)
        app.router.add_post("/api/panes/{pane}/key", self._key)
        app.router.add_post("/api/panes/{pane}/start", self._start)
        app.router.add_post("/api/panes/{pane}/location", self._location)
        app.router.add_post("/api/actions/{action}", self._action)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # the page and what it reads

    async def _index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def _panes(self, request: web.Request) -> web.Response:
        bot = self.emu.bot()
        return web.json_response(
            {
                "title": self.title,
                "bot": {"username": bot.username, "name": bot.first_name},
                "panes": [
                    {
                        "key": p.key,
                        "title": p.title,
                        "note": p.note,
                        "name": p.person.first_name,
                        "lang": p.lang,
                        "dir": p.direction,
                    }
                    for p in self.panes.values()
                ],
                "actions": [{"key": a.key, "label": a.label} for a in self.actions.values()],
            }
        )

    async def _state(self, request: web.Request) -> web.Response:
        """Every pane whose chat changed since the versions the page knows (`?known=k:v,...`);
        waits up to LONG_POLL seconds for a change when none did."""
        known: dict[str, int] = {}
        for item in request.query.get("known", "").split(","):
            key, _, version = item.partition(":")
            if key in self.panes and version.isdigit():
                known[key] = int(version)
        chats = {key: pane.person.chat for key, pane in self.panes.items()}

        def changed() -> list[str]:
            return [k for k, chat in chats.items() if chat.version != known.get(k, -1)]

        if chats and not changed():
            waits = [
                asyncio.ensure_future(
                    chat.signal.wait_until(_moved(chat, known.get(k, -1)), LONG_POLL)
                )
                for k, chat in chats.items()
            ]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:  # also when the page went away mid-wait
                for wait in waits:
                    wait.cancel()
                await asyncio.gather(*waits, return_exceptions=True)
        return web.json_response(
            {"panes": {key: self._pane_state(chats[key]) for key in changed()}}
        )

    def _pane_state(self, chat: Chat) -> dict[str, Any]:
        keyboard = chat.reply_keyboard
        return {
            "version": chat.version,
            "messages": [
                message_json(stored) for stored in chat.messages.values() if not stored.deleted
            ],
            "keyboard": [[{"text": b["text"]} for b in row] for row in keyboard["keyboard"]]
            if keyboard
            else None,
            "answers": [
                {"text": str(a), "alert": a.show_alert} for a in chat.callback_answers if str(a)
            ],
            "answered": len(chat.callback_answers),
        }

    async def _file(self, request: web.Request) -> web.Response:
        record = self.emu.files.get(request.match_info["file_id"])
        if record is None:
            raise web.HTTPNotFound()
        mime = record.mime_type or "application/octet-stream"
        headers = {"X-Content-Type-Options": "nosniff"}
        if record.file_name and not mime.startswith("image/"):
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", record.file_name)
            headers["Content-Disposition"] = f'attachment; filename="{safe}"'
        return web.Response(body=record.data, content_type=mime, headers=headers)

    # what the page does

    async def _pane(self, request: web.Request) -> tuple[Pane, dict[str, Any]]:
        pane = self.panes.get(request.match_info["pane"])
        if pane is None:
            raise web.HTTPNotFound()
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="expected JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        return pane, body

    async def _send(self, request: web.Request) -> web.Response:
        pane, body = await self._pane(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise web.HTTPBadRequest(text="text: 1 to 4096 characters")
        await pane.person.send_text(text, wait=False)
        return web.json_response({"ok": True})

    async def _press(self, request: web.Request) -> web.Response:
        pane, body = await self._pane(request)
        message_id, row, column = (body.get(k) for k in ("message", "row", "column"))
        if not all(isinstance(v, int) for v in (message_id, row, column)):
            raise web.HTTPBadRequest(text="message, row and column: numbers")
        try:
            await pane.person.press_at(message_id, row, column, wait=False)  # type: ignore[arg-type]
        except AssertionError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return web.json_response({"ok": True})

    async def _key(self, request: web.Request) -> web.Response:
        pane, body = await self._pane(request)
        row, column = body.get("row"), body.get("column")
        if not isinstance(row, int) or not isinstance(column, int):
            raise web.HTTPBadRequest(text="row and column: numbers")
        try:
            await pane.person.press_key(row, column, wait=False)
        except AssertionError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return web.json_response({"ok": True})

    async def _start(self, request: web.Request) -> web.Response:
        """A t.me/<bot>?start=X link opened on this phone: Telegram sends `/start X`."""
        pane, body = await self._pane(request)
        parameter = body.get("start")
        if not isinstance(parameter, str) or not START_PARAMETER.match(parameter):
            raise web.HTTPBadRequest(text="start: 1-64 of A-Z a-z 0-9 _ -")
        await pane.person.send_text(f"/start {parameter}", wait=False)
        return web.json_response({"ok": True})

    async def _location(self, request: web.Request) -> web.Response:
        """📎 Location: the person shares a place (a map pin)."""
        pane, body = await self._pane(request)
        latitude, longitude = body.get("latitude"), body.get("longitude")
        if not (
            isinstance(latitude, (int, float))
            and isinstance(longitude, (int, float))
            and -90 <= latitude <= 90
            and -180 <= longitude <= 180
        ):
            raise web.HTTPBadRequest(text="latitude -90..90 and longitude -180..180")
        await pane.person.send_location(float(latitude), float(longitude), wait=False)
        return web.json_response({"ok": True})

    async def _action(self, request: web.Request) -> web.Response:
        action = self.actions.get(request.match_info["action"])
        if action is None:
            raise web.HTTPNotFound()
        lock = self._busy[action.key]
        if lock.locked():
            return web.json_response({"ok": False, "message": "Still busy with that: wait."})
        async with lock:
            try:
                line = await action.run()
            except Exception as error:  # shown on the page; the playground goes on
                return web.json_response(
                    {"ok": False, "message": f"That failed: {type(error).__name__}: {error}"}
                )
        return web.json_response({"ok": True, "message": line})


def message_json(stored: StoredMessage) -> dict[str, Any]:
    """A message as the page draws it: text and its entities (UTF-16 offsets, as in a
    browser's strings), buttons, and links to its files."""
    data = stored.data
    out: dict[str, Any] = {
        "id": stored.message_id,
        "version": stored.version,
        "from_bot": stored.from_bot,
        "date": data.get("date"),
        "edited": "edit_date" in data,
        "protected": bool(data.get("has_protected_content")),
        "text": data.get("text", data.get("caption")),
        "entities": data.get("entities", data.get("caption_entities", [])),
    }
    if data.get("photo"):
        out["photo"] = _file_url(data["photo"][-1]["file_id"])
    if "document" in data:
        document = data["document"]
        out["document"] = {
            "name": document.get("file_name") or "file",
            "mime": document.get("mime_type"),
            "url": _file_url(document["file_id"]),
        }
    if "venue" in data:
        venue = data["venue"]
        out["venue"] = {
            "title": venue.get("title"),
            "address": venue.get("address"),
            **venue["location"],
        }
    elif "location" in data:
        out["location"] = data["location"]
    if "contact" in data:
        out["contact"] = {
            "phone": data["contact"].get("phone_number"),
            "name": data["contact"].get("first_name"),
        }
    if "sticker" in data:
        out["sticker"] = data["sticker"].get("emoji") or "sticker"
    keyboard = (data.get("reply_markup") or {}).get("inline_keyboard", [])
    out["buttons"] = [
        [{"text": b["text"], **({"url": b["url"]} if "url" in b else {})} for b in row]
        for row in keyboard
    ]
    return out


def _moved(chat: Chat, version: int) -> Callable[[], bool]:
    return lambda: chat.version != version


def _file_url(file_id: str) -> str:
    return f"/api/files/{file_id}"
