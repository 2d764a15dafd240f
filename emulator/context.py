"""Method registry and the per-request context handed to method handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import BLOCKED, CANT_INITIATE, CHAT_NOT_FOUND, ApiError, bad_request
from .params import Upload
from .state import BotAccount, Chat, FileRecord

if TYPE_CHECKING:
    from .core import BotApiEmulator

Handler = Callable[["Ctx"], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}  # lowercase name -> (canonical name, handler)


def api_method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register


@dataclass
class Ctx:
    emu: BotApiEmulator
    bot: BotAccount
    method: str
    params: dict[str, Any]
    files: dict[str, Upload]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.params.get(key)
        return default if value is None else value

    def require(self, key: str, reason: str | None = None) -> Any:
        value = self.params.get(key)
        if value is None or value == "":
            raise bad_request(reason or f"{key} is empty")
        return value

    def require_int(self, key: str, reason: str | None = None) -> int:
        value = self.require(key, reason)
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_request(f"invalid {key} specified")
        return value

    def chat(self, *, for_sending: bool = True) -> Chat:
        """The private chat addressed by chat_id, with Telegram's reachability errors."""
        chat_id = self.require("chat_id")
        user = self.emu.users.get(chat_id) if isinstance(chat_id, int) else None
        if user is None:
            raise bad_request(CHAT_NOT_FOUND)
        chat = self.bot.chat(user)
        if for_sending and chat.blocked:
            raise ApiError(403, BLOCKED)
        if for_sending and not chat.started:
            raise ApiError(403, CANT_INITIATE)
        return chat

    def file(self, key: str, default_name: str) -> FileRecord:
        """Resolve an InputFile param: attach://part, a direct upload, a file_id or a URL."""
        value = self.params.get(key)
        upload = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = self.files.get(value[len("attach://") :])
            if upload is None:
                raise bad_request(f"file {value} not found in the request")
        elif value is None:
            upload = self.files.get(key)
            if upload is None:
                raise bad_request(f"there is no {key} in the request")
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            if len(upload.data) > 50 * 1024 * 1024:
                raise ApiError(413, "Request Entity Too Large")
            name = upload.filename if upload.filename != key else default_name
            return self.emu.files.add(upload.data, name, upload.content_type)
        if not isinstance(value, str):
            raise bad_request(f"wrong {key} specified")
        if value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or default_name
            return self.emu.files.add(b"", name)  # URLs are not fetched
        record = self.emu.files.get(value)
        if record is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return record


def base_message(ctx: Ctx, chat: Chat) -> dict[str, Any]:
    """Fields of a bot message except message_id, which is assigned only once it is valid."""
    message: dict[str, Any] = {
        "from": ctx.bot.user_dict(),
        "chat": chat.user.chat_dict(),
        "date": ctx.emu.now(),
    }
    reply_to = ctx.get("reply_to_message_id")
    reply_parameters = ctx.get("reply_parameters")
    allow_missing = bool(ctx.get("allow_sending_without_reply"))
    if isinstance(reply_parameters, dict):
        reply_to = reply_parameters.get("message_id")
        allow_missing = bool(reply_parameters.get("allow_sending_without_reply", allow_missing))
    if reply_to is not None:
        target = chat.get(reply_to)
        if target is not None:
            message["reply_to_message"] = {
                k: v for k, v in target.data.items() if k != "reply_to_message"
            }
        elif not allow_missing:
            raise bad_request("message to be replied not found")
    if ctx.get("protect_content"):
        message["has_protected_content"] = True
    return message
