"""What Telegram's answer to a delivery's request means for it. Sent: its next part, or done.
429: the chat waits `retry_after` and the global pace drops (Telegram's 429 may be global), then
climbs back. 5xx or network trouble: retried with exponential back-off, failed after `attempts`
(a request that timed out may have arrived: that retry can repeat one message; the Bot API has
no idempotency key); until the retry is marked anew the delivery is in hand again, so a crash
meanwhile hands it back, the same bet as the retry. 403: blocked, and the person is marked
unreachable. 400 (chat not found, text too long, ...) and the rest: failed at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Message

from bot.outbox.lanes import Delivery, Lane
from bot.outbox.stats import SenderStats
from bot.pace import Pace
from conference.model.outbox import DeliveryState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retries:
    """How often a request that met a 5xx or network trouble is tried, and how long apart."""

    attempts: int = 5
    backoff: float = 0.5  # seconds before the first retry; doubled for each next one

    def delay(self, failures: int) -> float:
        return self.backoff * 2.0 ** (failures - 1)


def after_send(
    job: Delivery,
    lane: Lane,
    message: Message | None,
    error: BaseException | None,
    now: float,
    *,
    pace: Pace,
    retries: Retries,
    stats: SenderStats,
) -> tuple[DeliveryState, str | None]:
    """Take Telegram's answer (the `message` sent, or the `error`) into the delivery, its lane
    and the pace. Returns the delivery's state now, SENDING if it is still in hand (at its next
    part, or the same again later), and for a failure Telegram's words."""
    if error is None:
        assert message is not None
        stats.sent += 1
        job.message_ids.append(message.message_id)
        job.done += 1
        job.attempts = 0
        if job.done == len(job.claimed.parts):
            return DeliveryState.SENT, None
        return DeliveryState.SENDING, None  # in hand again, at its next part
    if isinstance(error, TelegramRetryAfter):
        pace.throttle(now)
        lane.ready_at = max(lane.ready_at, now + error.retry_after)
        return DeliveryState.SENDING, None  # refused, not sent: in hand again
    if isinstance(error, TelegramForbiddenError):
        stats.blocked += 1
        lane.blocked = True
        return DeliveryState.BLOCKED, error.message
    if isinstance(error, TelegramServerError | TelegramNetworkError):
        job.attempts += 1
        if job.attempts >= retries.attempts:
            stats.failed += 1
            return DeliveryState.FAILED, describe(error)
        # the retry is the same bet: in hand again until it is marked anew
        stats.retried += 1
        lane.ready_at = max(lane.ready_at, now + retries.delay(job.attempts))
        return DeliveryState.SENDING, None
    # 400 and the rest: sending again would fail again
    stats.failed += 1
    if not isinstance(error, TelegramAPIError):
        log.error("batch %s: unexpected %s while sending", job.batch_id, type(error).__name__)
    return DeliveryState.FAILED, describe(error)


def describe(error: BaseException) -> str:
    """Telegram's own words (no message content), or the kind of failure."""
    if isinstance(error, TelegramAPIError):
        return error.message
    return type(error).__name__
