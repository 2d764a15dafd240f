"""Replies wait for the commit (dialogs/replies.py): a person is told "Saved ✓" only for what
was stored. The real update processor, a real database and the emulator over HTTP; the router
is a small one made for the test, so each case shows one rule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Message
from sqlalchemy import event

from bot.app import build_bot, build_i18n
from bot.config import Settings
from bot.fsm import DatabaseStorage, conversation_key
from bot.middlewares import ActorMiddleware
from bot.processing import UpdateProcessor
from dialogs.replies import Replies
from emulator import BotApiEmulator
from emulator import Person as Phone
from storage.db import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.flows.steps import TOKEN

SAVED = "Opgeslagen ✓"


class CommitFails(Exception):
    pass


def _refuse_commit(session: Any) -> None:
    raise CommitFails("the database went away")


async def remember(message: Message, state: FSMContext, replies: Replies) -> None:
    """Stores a conversation state, then confirms it."""
    await state.set_state("remembered")
    replies.send(message.answer(SAVED))


async def remember_but_commit_fails(
    message: Message, state: FSMContext, replies: Replies, uow: SqlUnitOfWork
) -> None:
    await state.set_state("lost")
    replies.send(message.answer(SAVED))
    event.listen(uow.session.sync_session, "before_commit", _refuse_commit)


async def send_directly(message: Message) -> None:
    await message.answer(SAVED)  # the mistake the guard is there for


def _router() -> Router:
    r = Router()
    r.message.register(remember, Command("remember"))
    r.message.register(remember_but_commit_fails, Command("fail"))
    r.message.register(send_directly, Command("direct"))
    return r


@pytest.fixture
async def setup(
    emu: BotApiEmulator, migrated_url: str
) -> AsyncIterator[tuple[Bot, UpdateProcessor, Any]]:
    settings = Settings(
        bot_token=TOKEN,
        api_base=emu.base_url,  # type: ignore[call-arg]
        database_url=migrated_url,
        _env_file=None,
    )
    engine = create_engine(migrated_url)
    sessions = session_factory(engine)
    i18n = build_i18n(settings)
    bot = build_bot(settings)
    dispatcher = Dispatcher(storage=DatabaseStorage())
    dispatcher.update.outer_middleware(ActorMiddleware(i18n.available_locales, "nl"))
    dispatcher.include_router(_router())
    try:
        yield bot, UpdateProcessor(dispatcher, bot, sessions, i18n), sessions
    finally:
        await bot.session.close()
        await engine.dispose()


async def _handle(bot: Bot, processor: UpdateProcessor, phone: Phone, text: str) -> None:
    await phone.send_text(text, wait=False)
    updates = await bot.get_updates(timeout=0)
    assert updates, "the emulator delivered the update"
    for update in updates:
        await processor.process(update)
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)


async def _state(bot: Bot, sessions: Any, phone: Phone) -> str | None:
    key = conversation_key(StorageKey(bot_id=bot.id, chat_id=phone.id, user_id=phone.id))
    async with SqlUnitOfWork(sessions) as uow:
        state, _ = await uow.conversations.get(key)
    return state


async def test_the_confirmation_follows_the_commit(
    emu: BotApiEmulator, setup: tuple[Bot, UpdateProcessor, Any]
) -> None:
    bot, processor, sessions = setup
    wim = emu.user("Wim", language_code="nl")
    await _handle(bot, processor, wim, "/remember")
    assert [m.text for m in wim.messages] == [SAVED]
    assert await _state(bot, sessions, wim) == "remembered"


async def test_no_confirmation_when_the_commit_fails(
    emu: BotApiEmulator, setup: tuple[Bot, UpdateProcessor, Any]
) -> None:
    bot, processor, sessions = setup
    wim = emu.user("Wim", language_code="nl")
    await _handle(bot, processor, wim, "/remember")  # Wim is known from here on
    await _handle(bot, processor, wim, "/fail")
    assert await _state(bot, sessions, wim) == "remembered", "the failed update left nothing"
    texts = [m.text or "" for m in wim.messages]
    assert texts.count(SAVED) == 1, "only the stored answer was confirmed"
    assert "Sorry" in texts[-1] and "niet opgeslagen" in texts[-1]  # plainly: not saved


async def test_a_message_sent_before_the_commit_is_refused(
    emu: BotApiEmulator, setup: tuple[Bot, UpdateProcessor, Any]
) -> None:
    bot, processor, _sessions = setup
    wim = emu.user("Wim", language_code="nl")
    await _handle(bot, processor, wim, "/remember")
    await _handle(bot, processor, wim, "/direct")
    texts = [m.text or "" for m in wim.messages]
    assert texts.count(SAVED) == 1
    assert "iets mis" in texts[-1]
