"""Every call to Telegram passes here: wait out 429s, retry passing failures, give up on 403."""

from __future__ import annotations

import asyncio
import datetime
import logging
import secrets
import ssl
import time
from http import HTTPStatus
from typing import Any, cast

import orjson
from aiogram import Bot, methods
from aiogram import __version__ as aiogram_version
from aiogram.client.default import Default
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import InputFile
from aiohttp.payload import BytesPayload
from pydantic import BaseModel

from bot.transport import LeanHttp, TransportError

log = logging.getLogger(__name__)

_RESPONSE_TYPES: list[Any] = []


def response_types() -> list[Any]:
    """The answers kring reads (built at start, so the first person does not wait for it)."""
    keep_response_types()
    return list(_RESPONSE_TYPES)


def keep_response_types() -> None:
    """aiogram parses every answer as pydantic's Response[T]; pydantic caches such generic
    classes only weakly, so without a strong reference each call builds its schema anew."""
    if _RESPONSE_TYPES:
        return
    for method in (
        methods.GetUpdates, methods.SendMessage, methods.EditMessageText,
        methods.EditMessageReplyMarkup, methods.AnswerCallbackQuery, methods.DeleteMessage,
        methods.SendDocument, methods.SendPhoto, methods.SendLocation, methods.SendVenue,
        methods.SetMyCommands, methods.GetMe, methods.DeleteWebhook, methods.LeaveChat,
    ):
        _RESPONSE_TYPES.append(Response[method.__returning__])  # type: ignore[name-defined]


class JsonSession(AiohttpSession):
    """aiogram's session, lighter on each call. A request goes as one JSON body (the Bot API
    takes JSON; aiogram builds a form with every nested value JSON-encoded on its own) over
    kring's own small HTTP client (bot/transport.py), except one that uploads a file, which
    stays a multipart form sent by aiohttp (as does everything when a proxy is set, or with
    `lean=False`). An answer is parsed by pydantic from its JSON, less the bot's own echo
    (`_drop_echoes`); the updates of the last getUpdates are kept as JSON too (`raw_updates`,
    for the poller's inbox). Anything but a plain success goes through aiogram's own check,
    which raises the errors aiogram raises; a failure on the wire is aiogram's
    TelegramNetworkError, as with aiohttp."""

    def __init__(self, *args: Any, lean: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.raw_updates: dict[int, str] = {}
        # the TLS context aiogram made for aiohttp (certifi's roots): loading one costs 25 ms
        context = self._connector_init.get("ssl")
        self.lean = LeanHttp(
            user_agent=f"kring aiogram/{aiogram_version}", limit=self._connector_init["limit"],
            ssl_context=context if isinstance(context, ssl.SSLContext) else None,
        ) if lean else None

    def _json_body(self, bot: Bot, method: TelegramMethod[TelegramType]) -> bytes | None:
        """The method as one JSON object, or None when it uploads a file. The same fields
        and values as aiogram's prepare_value, at a third of the cost with a keyboard:
        pydantic dumps the method (nested keyboards included) without its unset fields and
        orjson writes it in one pass, handing back only what JSON cannot hold
        (`_json_value`). A nested default that resolves to nothing (aiogram leaves such a
        field out, orjson would write null) sends the method the long way, aiogram's."""
        files: dict[str, Any] = {}
        values = method.model_dump(warnings=False, exclude_none=True)
        for key, value in list(values.items()):
            if isinstance(value, Default):
                value = values[key] = bot.default[value.name]
            if value is None or value == "":
                del values[key]

        def json_value(value: Any) -> Any:
            return _json_value(value, bot, files, self)
        try:
            body = orjson.dumps(values, default=json_value,
                                option=orjson.OPT_PASSTHROUGH_DATETIME)
        except orjson.JSONEncodeError as error:
            if not isinstance(error.__cause__, _LongWay):
                raise
            files.clear()
            long_way = {}
            for key, value in method.model_dump(warnings=False).items():
                prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
                if prepared is not None and prepared != "":
                    long_way[key] = prepared
            body = orjson.dumps(long_way)
        return None if files else body

    def build_form_data(self, bot: Bot, method: TelegramMethod[TelegramType]) -> Any:
        if self.lean is not None and self.proxy is None:
            # reached only for an upload (make_request found files): a form, not JSON again
            return super().build_form_data(bot, method)
        body = self._json_body(bot, method)
        if body is None:
            return super().build_form_data(bot, method)
        return BytesPayload(body, content_type="application/json")

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None,  # noqa: ASYNC109 (aiogram's)
                           ) -> TelegramType:
        body = self._json_body(bot, method) if self.lean and self.proxy is None else None
        if self.lean is None or body is None:
            return await super().make_request(bot, method, timeout)
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            reply = await self.lean.post(
                url, body, timeout=self.timeout if timeout is None else timeout)
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except TransportError as error:
            raise TelegramNetworkError(method=method, message=f"TransportError: {error}"
                                       ) from error
        response = self.check_response(bot, method, reply.status,
                                       reply.body.decode("utf-8", "replace"))
        return cast(TelegramType, response.result)

    async def close(self) -> None:
        if self.lean is not None:
            self.lean.close()
        await super().close()

    def _keep_raw(self, updates: Any) -> None:
        """The last getUpdates answer, update by update, as JSON: the poller stores updates
        in the inbox as they came (serialising the parsed ones again cost more)."""
        self.raw_updates = {u["update_id"]: orjson.dumps(u).decode() for u in updates
                            if isinstance(u, dict) and isinstance(u.get("update_id"), int)
                            } if isinstance(updates, list) else {}

    def check_response(self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int,
                       content: str) -> Response[TelegramType]:
        if status_code == HTTPStatus.OK:
            kind = Response[method.__returning__]  # type: ignore[name-defined]
            try:
                if isinstance(method, LEAN_ANSWERS):
                    data = orjson.loads(content)
                    _drop_echoes(data.get("result"))
                    if isinstance(method, GetUpdates):
                        self._keep_raw(data.get("result"))
                    response: Response[TelegramType] = kind.model_validate(
                        data, context={"bot": bot})
                else:
                    response = kind.model_validate_json(content, context={"bot": bot})
            except ValueError:
                pass
            else:
                if response.ok:
                    return response
        return super().check_response(bot, method, status_code, content)


# Methods whose answer is the message just sent or edited, keyboard and all.
ECHOING = (methods.SendMessage, methods.EditMessageText, methods.EditMessageReplyMarkup,
           methods.EditMessageCaption, methods.SendDocument, methods.SendPhoto,
           methods.SendVenue, methods.SendLocation)
LEAN_ANSWERS = (GetUpdates, *ECHOING)


ECHOED = ("reply_markup", "entities", "caption_entities", "link_preview_options")


def _drop_echoes(result: Any) -> None:
    """Telegram echoes the bot's own message back: its inline keyboard and the formatting of
    its text, in the answer to a send or an edit, and in every button press
    (callback_query.message). kring never reads them: it knows what it sent, and what a client
    sends back is not to be trusted anyway (every callback is checked against the database).
    Left out, a button press or an answer is parsed in a third of the time: pydantic would
    build every button and every bold stretch of that message. What a person sends (their
    own message, a command) is kept whole."""
    if isinstance(result, list):  # getUpdates
        for update in result:
            query = update.get("callback_query") if isinstance(update, dict) else None
            message = query.get("message") if isinstance(query, dict) else None
            if isinstance(message, dict):
                for key in ECHOED:
                    message.pop(key, None)
    elif isinstance(result, dict):
        for key in ECHOED:
            result.pop(key, None)


class _LongWay(Exception):
    """This method needs aiogram's own prepare_value (see JsonSession._json_body)."""


def _json_value(value: Any, bot: Bot, files: dict[str, Any], session: JsonSession) -> Any:
    """A value orjson cannot write, as aiogram's prepare_value would send it."""
    if isinstance(value, Default):
        value = bot.default[value.name]
        if value is None:
            raise _LongWay
        return value
    if isinstance(value, InputFile):
        key = secrets.token_urlsafe(10)
        files[key] = value
        return f"attach://{key}"
    if isinstance(value, datetime.timedelta):
        return round(time.time() + value.total_seconds())
    if isinstance(value, datetime.datetime):
        return round(value.timestamp())
    if isinstance(value, BaseModel):
        return session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
    raise TypeError(f"cannot send a {type(value).__name__}")


# Edits whose answer kring may ignore when Telegram says nothing changed.
EDITS = (methods.EditMessageText, methods.EditMessageReplyMarkup,
         methods.EditMessageCaption)


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
        if isinstance(method, GetUpdates):
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
                log.warning("%s on %s, retry %d in %.1fs", type(error).__name__,
                            method.__api_method__, failures, delay)
                await asyncio.sleep(delay)
