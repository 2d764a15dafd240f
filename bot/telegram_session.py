"""The bot's HTTP session (aiogram's own) and its request middlewares: wait out 429s, retry
passing failures, take an edit that changes nothing as done."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from aiogram import Bot, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType

log = logging.getLogger(__name__)


def api_session(api_base: str, proxy: str | None = None) -> AiohttpSession:
    """aiogram's own HTTP session for the Bot API at `api_base`, through `proxy` when one is
    set (KRING_PROXY), reading and writing JSON with orjson."""
    return AiohttpSession(
        proxy=proxy,
        api=TelegramAPIServer.from_base(api_base),
        json_loads=orjson.loads,
        json_dumps=_json_dumps,
    )


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


_RESPONSE_TYPES: list[Any] = []


def keep_response_types() -> None:
    """aiogram parses every answer as pydantic's Response[T]; pydantic caches such generic
    classes only weakly, so without a strong reference each call builds its schema anew."""
    if _RESPONSE_TYPES:
        return
    for method in (
        methods.GetUpdates,
        methods.SendMessage,
        methods.EditMessageText,
        methods.EditMessageReplyMarkup,
        methods.AnswerCallbackQuery,
        methods.DeleteMessage,
        methods.SendDocument,
        methods.SendPhoto,
        methods.SendLocation,
        methods.SendVenue,
        methods.SetMyCommands,
        methods.GetMe,
        methods.DeleteWebhook,
        methods.LeaveChat,
    ):
        # a type held in a class attribute, subscripted at run time: mypy takes it for a name
        _RESPONSE_TYPES.append(Response[method.__returning__])  # type: ignore[name-defined]


# Edits whose answer kring may ignore when Telegram says nothing changed.
EDITS = (methods.EditMessageText, methods.EditMessageReplyMarkup, methods.EditMessageCaption)


class UnchangedEditMiddleware(BaseRequestMiddleware):
    """An edit that would change nothing is refused by Telegram (400 "message is not
    modified"), but the screen already shows what was wanted: a double tap that redraws the
    same view, a keyboard taken away twice. That is not a failure of the update (which would
    be rolled back, with an apology to the person): the edit answers True, as Telegram does
    for an edit it accepts without returning the message."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            if isinstance(method, EDITS) and "message is not modified" in error.message:
                return True
            raise


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(self, attempts: int = 5, base_delay: float = 0.5, max_wait: float = 300) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_wait = max_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        if method.__api_method__ == GetUpdates.__api_method__:
            return await make_request(bot, method)  # the polling loop has its own back-off
        failures = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                # Waiting for a 429 is not a failure: Telegram told us when to come back.
                wait = min(float(error.retry_after), self.max_wait)
                log.warning("429 on %s, waiting %.1fs", method.__api_method__, wait)
                await asyncio.sleep(wait)
            except (TelegramServerError, TelegramNetworkError) as error:
                failures += 1
                if failures >= self.attempts:
                    raise
                delay = self.base_delay * 2 ** (failures - 1)
                log.warning(
                    "%s on %s, retry %d in %.1fs",
                    type(error).__name__,
                    method.__api_method__,
                    failures,
                    delay,
                )
                await asyncio.sleep(delay)
