"""Method handlers for the bot itself: identity, updates, webhooks, commands, chats, files."""

from __future__ import annotations

import re
from typing import Any

from .context import Ctx, api_method
from .errors import POLL_CONFLICT, WEBHOOK_CONFLICT, ApiError, bad_request
from .state import WebhookConfig, scope_key
from .validation import validate_commands, validate_language, validate_scope

SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MAX_POLL_TIMEOUT = 50


@api_method("getMe")
async def get_me(ctx: Ctx) -> dict[str, Any]:
    return {
        **ctx.bot.user_dict(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _int_param(ctx: Ctx, key: str, default: int) -> int:
    value = ctx.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"invalid {key} specified")
    return value


def _set_allowed_updates(ctx: Ctx) -> None:
    allowed = ctx.get("allowed_updates")
    if allowed is None:
        return
    if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
        raise bad_request("can't parse allowed_updates JSON object")
    ctx.bot.allowed_updates = allowed
    ctx.bot.drop_disallowed()


@api_method("getUpdates")
async def get_updates(ctx: Ctx) -> list[dict[str, Any]]:
    bot = ctx.bot
    if bot.webhook is not None:
        raise ApiError(409, WEBHOOK_CONFLICT)
    offset = _int_param(ctx, "offset", 0)
    limit = min(max(_int_param(ctx, "limit", 100), 1), 100)
    timeout = min(max(_int_param(ctx, "timeout", 0), 0), MAX_POLL_TIMEOUT)
    _set_allowed_updates(ctx)
    if offset > 0:
        bot.confirm_below(offset)
    elif offset < 0:  # keep only the last -offset updates
        for update_id in list(bot.pending)[: max(len(bot.pending) + offset, 0)]:
            del bot.pending[update_id]
    # A newer getUpdates terminates an older long poll, as on the real server.
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.signal.notify()

    def ready() -> str | None:
        if generation != bot.poll_generation:
            return "conflict"
        if ctx.emu.closing or bot.webhook is not None:
            return "stop"
        return "updates" if bot.pending else None

    try:
        state = await bot.signal.wait_until(ready, timeout)
    except TimeoutError:
        return []
    if state == "conflict":
        raise ApiError(409, POLL_CONFLICT)
    if state == "stop":
        return []
    return list(bot.pending.values())[:limit]


@api_method("setWebhook")
async def set_webhook(ctx: Ctx) -> bool:
    url = ctx.get("url", "")
    if not isinstance(url, str):
        raise bad_request("bad webhook: invalid URL")
    secret = ctx.get("secret_token")
    if secret is not None and (not isinstance(secret, str) or not SECRET_RE.match(secret)):
        raise bad_request("secret token contains unallowed characters")
    if url and not re.match(r"^https?://[^/\s]+", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    _set_allowed_updates(ctx)
    if ctx.get("drop_pending_updates"):
        ctx.bot.drop_pending()
    max_connections = _int_param(ctx, "max_connections", 40)
    config = WebhookConfig(url, secret, max_connections) if url else None
    ctx.emu.set_webhook(ctx.bot, config)
    return True


@api_method("deleteWebhook")
async def delete_webhook(ctx: Ctx) -> bool:
    if ctx.get("drop_pending_updates"):
        ctx.bot.drop_pending()
    ctx.emu.set_webhook(ctx.bot, None)
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(ctx: Ctx) -> dict[str, Any]:
    config = ctx.bot.webhook
    info: dict[str, Any] = {
        "url": config.url if config else "",
        "has_custom_certificate": False,
        "pending_update_count": len(ctx.bot.pending),
    }
    if config:
        info["max_connections"] = config.max_connections
        if config.last_error_date:
            info["last_error_date"] = config.last_error_date
            info["last_error_message"] = config.last_error_message
    if ctx.bot.allowed_updates:
        info["allowed_updates"] = ctx.bot.allowed_updates
    return info


def _commands_key(ctx: Ctx) -> tuple[str, str]:
    scope = validate_scope(ctx.get("scope"))
    return scope_key(scope), validate_language(ctx.get("language_code"))


@api_method("setMyCommands")
async def set_my_commands(ctx: Ctx) -> bool:
    commands = validate_commands(ctx.require("commands", "commands is empty"))
    key = _commands_key(ctx)
    if commands:
        ctx.bot.commands[key] = commands
    else:
        ctx.bot.commands.pop(key, None)
    return True


@api_method("getMyCommands")
async def get_my_commands(ctx: Ctx) -> list[dict[str, str]]:
    return list(ctx.bot.commands.get(_commands_key(ctx), []))


@api_method("deleteMyCommands")
async def delete_my_commands(ctx: Ctx) -> bool:
    ctx.bot.commands.pop(_commands_key(ctx), None)
    return True


@api_method("getChat")
async def get_chat(ctx: Ctx) -> dict[str, Any]:
    chat = ctx.chat(for_sending=False)
    return {
        **chat.user.chat_dict(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


@api_method("leaveChat")
async def leave_chat(ctx: Ctx) -> bool:
    ctx.chat(for_sending=False)
    return True


@api_method("getFile")
async def get_file(ctx: Ctx) -> dict[str, Any]:
    record = ctx.emu.files.get(str(ctx.require("file_id")))
    if record is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": len(record.data),
        "file_path": record.file_path,
    }


@api_method("logOut")
async def log_out(ctx: Ctx) -> bool:
    return True


@api_method("close")
async def close(ctx: Ctx) -> bool:
    return True
