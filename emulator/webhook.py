"""Pushing updates to a bot's webhook as Telegram does: up to `max_connections` requests at once,
one chat's updates one at a time in update order, each retried until it gets a 2xx."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from .params import read_body
from .state import BotAccount, WebhookConfig

if TYPE_CHECKING:
    from .core import BotApiEmulator

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class Delivery:
    update_id: int
    url: str
    status: int | None  # None when the connection failed
    error: str | None = None


def queue_of(update: dict[str, Any]) -> int:
    """The queue an update waits in: its chat, else its sender (Telegram's Bot API server keeps
    one queue per chat and sends a queue's updates one after the other)."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        for holder in (value, value.get("message")):
            if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
                return int(holder["chat"]["id"])
        sender = value.get("from") or value.get("user")
        if isinstance(sender, dict):
            return int(sender["id"])
    return 0


async def _reply_method(resp: aiohttp.ClientResponse) -> tuple[dict[str, Any], dict[str, Any]]:
    # A webhook may answer with a method call in its body (aiogram does so as multipart).
    content_type = resp.content_type or ""
    if not content_type.startswith(("multipart/", "application/json")):
        return {}, {}
    try:
        params, files = await read_body(content_type, resp.headers, resp.content)
    except Exception:  # a garbled reply is ignored, as Telegram does
        return {}, {}
    return (params, files) if isinstance(params.get("method"), str) else ({}, {})


async def _deliver(
    emu: BotApiEmulator, bot: BotAccount, config: WebhookConfig, update: dict[str, Any]
) -> bool:
    """One attempt; True once the webhook took it."""
    update_id = update["update_id"]
    headers = {SECRET_HEADER: config.secret_token} if config.secret_token else {}
    error: str
    try:
        timeout = aiohttp.ClientTimeout(total=emu.webhook_timeout)
        post = emu.http.post(config.url, json=update, headers=headers, timeout=timeout)
        async with post as resp:
            if 200 <= resp.status < 300:
                params, files = await _reply_method(resp)
                emu.webhook_deliveries.append(Delivery(update_id, config.url, resp.status))
                if params:
                    method = params.pop("method")
                    await emu.server.dispatch(bot.token, method, params, files, "webhook")
                return True
            error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            status: int | None = resp.status
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        error, status = f"Connection failed: {exc or type(exc).__name__}", None
    emu.webhook_deliveries.append(Delivery(update_id, config.url, status, error))
    config.last_error_date, config.last_error_message = emu.now(), error
    return False


async def _deliver_until_taken(
    emu: BotApiEmulator, bot: BotAccount, config: WebhookConfig, update: dict[str, Any]
) -> None:
    def active() -> bool:
        return bot.webhook is config and not emu.closing

    while active():
        if await _deliver(emu, bot, config, update):
            bot.pending.pop(update["update_id"], None)
            bot.signal.notify()
            return
        await asyncio.sleep(emu.webhook_retry_delay)


async def deliver_updates(emu: BotApiEmulator, bot: BotAccount, config: WebhookConfig) -> None:
    in_flight: dict[int, asyncio.Task[None]] = {}  # queue -> its delivery

    def active() -> bool:
        return bot.webhook is config and not emu.closing

    def next_update() -> dict[str, Any] | None:
        if len(in_flight) >= max(1, config.max_connections):
            return None
        waiting: set[int] = set()  # queues with an earlier update still pending
        for update in bot.pending.values():
            queue = queue_of(update)
            if queue not in in_flight and queue not in waiting:
                return update
            waiting.add(queue)
        return None

    def done(queue: int, _: asyncio.Task[None]) -> None:
        in_flight.pop(queue, None)
        bot.signal.notify()

    try:
        while active():
            await bot.signal.wait_until(lambda: not active() or next_update() is not None, None)
            update = next_update()
            if not active() or update is None:
                continue
            queue = queue_of(update)
            task = asyncio.create_task(_deliver_until_taken(emu, bot, config, update))
            in_flight[queue] = task
            task.add_done_callback(functools.partial(done, queue))
    finally:
        for task in list(in_flight.values()):
            task.cancel()
        await asyncio.gather(*in_flight.values(), return_exceptions=True)
