"""A round-robin load balancer on loopback, for webhook tests and benchmarks: what Caddy or
nginx does in front of several `kring serve` instances. Each request goes to the next backend
in turn; a backend that refuses the connection is skipped and left out for `rest` seconds
(nginx's `proxy_next_upstream error`), so a killed instance costs no update. When every backend
is down the answer is 502 and Telegram (the emulator) delivers the update again."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from types import TracebackType

import aiohttp
from aiohttp import web

# what is passed on both ways; hop-by-hop headers and lengths are aiohttp's to set
_PASSED = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


class RoundRobin:
    def __init__(self, backends: list[str], *, rest: float = 2.0, timeout: float = 30.0) -> None:
        if not backends:
            raise ValueError("at least one backend")
        self.backends = list(backends)
        self.rest = rest
        self.timeout = timeout
        self.port = 0
        self.served: Counter[str] = Counter()  # backend -> requests it answered
        self._down_until: dict[str, float] = {}
        self._turns = itertools.cycle(range(len(self.backends)))
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> RoundRobin:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> RoundRobin:
        return await self.start()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def _order(self) -> list[str]:
        """Every backend once, starting with the next in turn; those resting go last."""
        first = next(self._turns)
        turn = self.backends[first:] + self.backends[:first]
        now = time.monotonic()
        return sorted(turn, key=lambda backend: self._down_until.get(backend, 0.0) > now)

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body = await request.read()
        headers = {k: request.headers[k] for k in _PASSED if k in request.headers}
        for backend in self._order():
            try:
                async with self._http.request(
                    request.method, backend + request.path_qs, data=body, headers=headers
                ) as answer:
                    content = await answer.read()
                    self.served[backend] += 1
                    return web.Response(
                        status=answer.status,
                        body=content,
                        headers={k: answer.headers[k] for k in _PASSED if k in answer.headers},
                    )
            except (aiohttp.ClientConnectionError, OSError):
                self._down_until[backend] = time.monotonic() + self.rest
        return web.Response(status=502, text="no backend answered")
