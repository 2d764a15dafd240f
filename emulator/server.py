"""The HTTP side: aiohttp routes, parameter normalisation, limits, the call log."""

from __future__ import annotations

import json
import logging
import time
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import messages as _messages  # noqa: F401 - registers handlers
from . import service as _service  # noqa: F401 - registers handlers
from .context import METHODS, Ctx
from .errors import ApiError
from .limits import is_limited_method
from .params import Upload, normalise, read_body

if TYPE_CHECKING:
    from .core import BotApiEmulator

log = logging.getLogger("emulator")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int
    result: Any = None
    description: str | None = None
    retry_after: int | None = None
    token: str = ""
    files: dict[str, str] = field(default_factory=dict)  # field -> uploaded file name
    source: str = "http"  # or "webhook" for a method returned in a webhook reply
    timestamp: float = 0.0  # time.time() when the request arrived
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class _Outcome:
    method: str
    params: dict[str, Any]
    result: Any = None
    error: ApiError | None = None


class ApiServer:
    def __init__(self, emu: BotApiEmulator):
        self.emu = emu
        self.in_flight = 0
        self.last_activity = time.monotonic()

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self.handle_file)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        files: dict[str, Upload] = {}
        if request.can_read_body:
            try:
                ctype, headers = request.content_type, request.headers
                body, files = await read_body(ctype, headers, request.content)
                params.update(body)
            except Exception as exc:  # malformed bodies must not kill the server
                error = exc if isinstance(exc, ApiError) else ApiError(400, f"Bad Request: {exc}")
                call = self._log(token, _Outcome(method, params, error=error), {}, time.time())
                return web.json_response(_payload(call), status=call.status, dumps=_dumps)
        status, payload = await self.dispatch(token, method, params, files)
        return web.json_response(payload, status=status, dumps=_dumps)

    async def handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] not in self.emu.bots:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        record = self.emu.files.by_path(request.match_info["path"])
        if record is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(body=record.data, content_type="application/octet-stream")

    async def dispatch(
        self,
        token: str,
        method: str,
        params: dict[str, Any],
        files: dict[str, Upload],
        source: str = "http",
    ) -> tuple[int, dict[str, Any]]:
        started = time.time()
        outcome = _Outcome(method, params)
        busy = method.lower() != "getupdates"  # a waiting long poll is idle time, not work
        self.in_flight += busy
        try:
            await self._execute(token, outcome, files)
        finally:
            self.in_flight -= busy
            if busy:
                self.last_activity = time.monotonic()
        call = self._log(token, outcome, files, started, source)
        return call.status, _payload(call)

    async def _execute(self, token: str, out: _Outcome, files: dict[str, Upload]) -> None:
        bot = self.emu.bots.get(token)
        entry = METHODS.get(out.method.lower())
        try:
            if bot is None:
                raise ApiError(401, "Unauthorized")
            if entry is None:
                raise ApiError(404, "Not Found")
            out.method, handler = entry
            out.params = normalise(out.params)
            chat_id = out.params.get("chat_id")
            self.emu.failures.check(out.method, chat_id)
            if is_limited_method(out.method):
                self.emu.limiter.check((token, chat_id))
            out.result = await handler(Ctx(self.emu, bot, out.method, out.params, files))
        except ApiError as exc:
            out.error = exc
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # Bad input types surface as 400 (and are kept for inspection), never a crash.
            self.emu.internal_errors.append(traceback.format_exc())
            out.error = ApiError(400, f"Bad Request: {type(exc).__name__}: {exc}")
        except Exception as exc:
            self.emu.internal_errors.append(traceback.format_exc())
            log.exception("emulator failure in %s", out.method)
            out.error = ApiError(500, f"Internal Server Error: {exc}")

    def _log(
        self,
        token: str,
        out: _Outcome,
        files: dict[str, Upload],
        started: float,
        source: str = "http",
    ) -> Call:
        call = Call(out.method, out.params, 200, out.result, token=token, source=source)
        call.files = {key: upload.filename for key, upload in files.items()}
        call.timestamp, call.duration = started, time.time() - started
        if out.error is not None:
            call.status, call.description = out.error.error_code, out.error.description
            call.retry_after = out.error.retry_after
        self.emu.calls.append(call)
        return call


def _payload(call: Call) -> dict[str, Any]:
    if call.ok:
        return {"ok": True, "result": call.result}
    return ApiError(call.status, call.description or "", call.retry_after).payload()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
