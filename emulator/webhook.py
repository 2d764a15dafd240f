"""Pushing updates to a bot's webhook, one at a time in update order, retrying until 2xx."""

from __future__ import annotations

import asyncio
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


async def deliver_updates(emu: BotApiEmulator, bot: BotAccount, config: WebhookConfig) -> None:
    headers = {SECRET_HEADER: config.secret_token} if config.secret_token else {}

    def active() -> bool:
        return bot.webhook is config and not emu.closing

    while active():
        await bot.signal.wait_until(lambda: not active() or bool(bot.pending), None)
        if not active():
            return
        update_id, update = next(iter(bot.pending.items()))
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
                    bot.pending.pop(update_id, None)
                    bot.signal.notify()
                    continue
                error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
                status: int | None = resp.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            error, status = f"Connection failed: {exc or type(exc).__name__}", None
        emu.webhook_deliveries.append(Delivery(update_id, config.url, status, error))
        config.last_error_date, config.last_error_message = emu.now(), error
        await asyncio.sleep(emu.webhook_retry_delay)
