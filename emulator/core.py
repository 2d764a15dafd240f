"""BotApiEmulator: owns the state, runs the HTTP server and webhook pushers."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import aiohttp
from aiohttp import web

from .limits import FailureScript, RateLimiter
from .people import Person
from .server import ApiServer, Call
from .state import BotAccount, Chat, FileStore, StoredMessage, UserInfo, WebhookConfig
from .view import BotMessage
from .webhook import Delivery, deliver_updates

BotMessageHook = Callable[[int, BotMessage], Any]


class BotApiEmulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0):
        self.host, self.port = host, port
        self.timeout = timeout  # default wait for confirmations and wait_for()
        self.bots: dict[str, BotAccount] = {}
        self.users: dict[int, UserInfo] = {}
        self.files = FileStore()
        self.calls: list[Call] = []
        self.internal_errors: list[str] = []  # tracebacks of emulator bugs / odd inputs
        self.webhook_deliveries: list[Delivery] = []
        self.on_bot_message: list[BotMessageHook] = []
        self.limiter = RateLimiter()
        self.failures = FailureScript()
        self.clock_offset = 0.0  # seconds the emulator's clock runs ahead: see advance_clock()
        self.strict_html_ampersand = True  # real Telegram keeps a stray "&" literally
        self.settle = 0.0  # extra quiet time after a confirmation, for bots handling in tasks
        # or, better where the bot can tell: a coroutine that returns once it has handled all
        # it confirmed (a bot that confirms updates before handling them, e.g. via an inbox)
        self.settle_hook: Callable[[], Awaitable[Any]] | None = None
        # or, for bots in other processes: a coroutine given the update and where in `calls`
        # the bot's requests since it was queued begin; returns once the bot has answered it
        self.settle_update_hook: Callable[[dict[str, Any], int], Awaitable[Any]] | None = None
        self.webhook_retry_delay = 0.05
        self.webhook_timeout = 10.0
        self.closing = False
        self.server = ApiServer(self)
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._webhook_tasks: dict[str, asyncio.Task[None]] = {}
        self._user_ids = itertools.count(100_000_001)
        self._hook_tasks: set[asyncio.Task[Any]] = set()

    # lifecycle

    async def start(self) -> BotApiEmulator:
        self.closing = False
        self._runner = web.AppRunner(self.server.make_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        for bot in self.bots.values():
            if bot.webhook:
                self.set_webhook(bot, bot.webhook)
        return self

    async def stop(self) -> None:
        self.closing = True
        for bot in self.bots.values():
            bot.signal.notify()  # releases long polls and webhook pushers
        tasks = list(self._webhook_tasks.values())
        self._webhook_tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        return self._http

    # accounts

    def add_bot(
        self,
        token: str = "123456:TEST",
        username: str = "test_bot",
        first_name: str = "Test Bot",
    ) -> BotAccount:
        prefix = token.split(":", 1)[0]
        bot_id = int(prefix) if prefix.isdigit() else 7_000_000_000 + len(self.bots)
        bot = BotAccount(token, bot_id, username, first_name)
        self.bots[token] = bot
        return bot

    def bot(self, token: str | None = None) -> BotAccount:
        if token is not None:
            return self.bots[token]
        if not self.bots:
            raise RuntimeError("no bot registered: call emu.add_bot() first")
        return next(iter(self.bots.values()))

    def user(
        self,
        first_name: str = "User",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
        is_premium: bool = False,
        bot: str | None = None,
    ) -> Person:
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.users:
                user_id = next(self._user_ids)
        info = UserInfo(user_id, first_name, last_name, username, language_code, is_premium)
        self.users[user_id] = info
        return Person(self, info, bot)

    # knobs for tests

    def now(self) -> int:
        """The emulator's clock (Unix time): message dates, and what counts as an old message."""
        return int(time.time() + self.clock_offset)

    def advance_clock(self, seconds: float) -> None:
        """Let `seconds` pass on the emulator's clock (only there: the bot keeps its own).
        A button under a message older than 48 hours then arrives as Telegram sends it: the
        callback query's `message` is an InaccessibleMessage."""
        self.clock_offset += seconds

    def set_limits(
        self,
        per_chat_per_second: float | None = None,
        global_per_second: float | None = None,
        retry_after: int = 1,
    ) -> None:
        self.limiter.configure(per_chat_per_second, global_per_second, retry_after)

    def fail_next(
        self,
        k: int = 1,
        error_code: int = 429,
        retry_after: int = 1,
        *,
        chat_id: int | None = None,
        methods: Iterable[str] | None = None,
        description: str | None = None,
    ) -> None:
        """Next k matching requests fail with no effect (default: send*/edit*/copy*/forward*)."""
        self.failures.add(k, error_code, retry_after, chat_id, methods, description)

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method.lower() == method.lower() and (ok is None or c.ok == ok)
        ]

    # updates and waiting

    def enqueue(self, payload: dict[str, Any], bot: BotAccount | None = None) -> int:
        """Queue a raw update (without update_id) for a bot; returns its update_id."""
        return (bot or self.bot()).enqueue(payload)

    async def wait_confirmed(
        self,
        update_id: int,
        timeout: float | None = None,  # noqa: ASYNC109 - a per-call deadline is the API
        bot: BotAccount | None = None,
    ) -> None:
        account = bot or self.bot()
        timeout = self.timeout if timeout is None else timeout
        update, calls_before = account.pending.get(update_id), len(self.calls)
        try:
            await account.signal.wait_until(lambda: account.is_confirmed(update_id), timeout)
        except TimeoutError:
            how = "answer the webhook with 2xx" if account.webhook else "call getUpdates past it"
            raise TimeoutError(
                f"update {update_id} was not confirmed within {timeout:.1f}s: the bot did not "
                f"{how} (pending: {list(account.pending)})"
            ) from None
        if self.settle_hook is not None:
            await asyncio.wait_for(self.settle_hook(), timeout)
        if self.settle_update_hook is not None and update is not None:
            await asyncio.wait_for(self.settle_update_hook(update, calls_before), timeout)
        if self.settle:
            await self.wait_idle(self.settle, timeout)

    async def wait_idle(
        self,
        quiet: float = 0.05,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> None:
        """Wait until no API request (other than getUpdates) ran for `quiet` seconds."""
        loop = asyncio.get_running_loop()
        timeout = self.timeout if timeout is None else timeout
        deadline = loop.time() + timeout
        began = time.monotonic()  # silence must be observed after this call, not before it
        while True:
            idle_for = time.monotonic() - max(self.server.last_activity, began)
            busy = self.server.in_flight > 0
            if not busy and idle_for >= quiet:
                return
            if loop.time() >= deadline:
                raise TimeoutError(f"the bot did not go quiet within {timeout:.1f}s")
            await asyncio.sleep(0.005 if busy else quiet - idle_for)

    # hooks used by the method handlers

    def set_webhook(self, bot: BotAccount, config: WebhookConfig | None) -> None:
        bot.webhook = config
        bot.signal.notify()
        old = self._webhook_tasks.pop(bot.token, None)
        if old is not None:
            old.cancel()
        if config is not None and self._runner is not None and not self.closing:
            task = asyncio.get_running_loop().create_task(deliver_updates(self, bot, config))
            self._webhook_tasks[bot.token] = task

    def notify_bot_message(self, chat: Chat, stored: StoredMessage) -> None:
        if not self.on_bot_message:
            return
        message = BotMessage(stored, self.files)
        for hook in list(self.on_bot_message):
            result = hook(chat.id, message)
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._hook_tasks.add(task)
                task.add_done_callback(self._hook_tasks.discard)
