"""What Telegram's answer to a delivery's request does to it, its chat's lane and the pace."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message

from bot.outbox.lanes import Delivery, Lane
from bot.outbox.outcomes import Retries, after_send
from bot.outbox.stats import SenderStats
from bot.pace import Pace
from conference.model.ids import PersonId
from conference.model.outbox import Claimed, DeliveryState, Text

CHAT = 7001
METHOD = SendMessage(chat_id=CHAT, text="Hallo")


def delivery(parts: int = 1) -> Delivery:
    claimed = Claimed(1, PersonId(CHAT), tuple(Text(f"deel {n}") for n in range(parts)))
    return Delivery(claimed, 0, [])


def message(message_id: int) -> Message:
    return Message(
        message_id=message_id, date=datetime.now(UTC), chat=Chat(id=CHAT, type="private")
    )


class Answers:
    """One delivery in one lane, answered again and again."""

    def __init__(self, parts: int = 1) -> None:
        self.job, self.lane = delivery(parts), Lane(CHAT)
        self.pace, self.stats = Pace(25), SenderStats()

    def answer(
        self, now: float, sent: Message | None = None, error: BaseException | None = None
    ) -> tuple[DeliveryState, str | None]:
        return after_send(
            self.job,
            self.lane,
            sent,
            error,
            now,
            pace=self.pace,
            retries=Retries(attempts=5, backoff=0.5),
            stats=self.stats,
        )


def test_each_part_sent_moves_the_delivery_on_until_the_last():
    answers = Answers(parts=2)
    assert answers.answer(0.0, message(11)) == (DeliveryState.SENDING, None)
    assert answers.answer(1.0, message(12)) == (DeliveryState.SENT, None)
    assert (answers.job.done, answers.job.message_ids, answers.stats.sent) == (2, [11, 12], 2)


def test_a_429_makes_the_chat_wait_and_slows_everyone_down():
    answers = Answers()
    state = answers.answer(10.0, error=TelegramRetryAfter(METHOD, "Too Many Requests", 30))
    assert state == (DeliveryState.SENDING, None)  # not sent: in hand again
    assert answers.lane.ready_at == 40.0
    assert answers.pace.throttled == 1
    assert answers.pace.current_rate(10.0) < 25


def test_a_403_blocks_the_delivery_and_the_rest_of_its_chat():
    answers = Answers()
    error = TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user")
    assert answers.answer(0.0, error=error) == (
        DeliveryState.BLOCKED,
        "Forbidden: bot was blocked by the user",
    )
    assert answers.lane.blocked
    assert answers.stats.blocked == 1


def test_passing_trouble_is_retried_with_growing_pauses_then_given_up():
    answers = Answers()
    error = TelegramServerError(METHOD, "Bad Gateway")
    waits = []
    for now in (0.0, 10.0, 20.0, 30.0):
        assert answers.answer(now, error=error) == (DeliveryState.SENDING, None)
        waits.append(answers.lane.ready_at - now)
    assert waits == [0.5, 1.0, 2.0, 4.0]
    assert answers.answer(40.0, error=error) == (DeliveryState.FAILED, "Bad Gateway")
    assert (answers.stats.retried, answers.stats.failed) == (4, 1)


def test_a_refusal_fails_at_once_and_an_unexpected_error_names_only_its_kind():
    answers = Answers()
    refused = TelegramBadRequest(METHOD, "Bad Request: message is too long")
    assert answers.answer(0.0, error=refused) == (
        DeliveryState.FAILED,
        "Bad Request: message is too long",
    )
    assert Answers().answer(0.0, error=ValueError("Hallo Edith")) == (
        DeliveryState.FAILED,
        "ValueError",
    )
