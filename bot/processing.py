"""One update, one transaction: claim its update_id, run the handlers, commit. Polling moves its
offset only after the whole batch is committed, so a crash replays updates instead of losing
them, and the claimed update_id makes a replay change nothing."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.fsm import current_uow
from conference.model import PersonId
from conference.requests import mark_unreachable
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


def _sender_id(update: Update) -> int | None:
    event = update.event
    user = getattr(event, "from_user", None)
    return user.id if user is not None else None


def _ordering_key(update: Update) -> int:
    """Updates of one person are handled in order; different people in parallel."""
    sender = _sender_id(update)
    return sender if sender is not None else 0


class UpdateProcessor:
    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        i18n: I18n,
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.sessions = sessions
        self.i18n = i18n

    async def process_batch(self, updates: Sequence[Update]) -> None:
        lanes: dict[int, list[Update]] = defaultdict(list)
        for update in updates:
            lanes[_ordering_key(update)].append(update)
        await asyncio.gather(*(self._process_lane(lane) for lane in lanes.values()))

    async def _process_lane(self, lane: list[Update]) -> None:
        for update in lane:
            await self.process(update)

    async def process(self, update: Update) -> None:
        failure: BaseException | None = None
        async with SqlUnitOfWork(self.sessions) as uow:
            token = current_uow.set(uow)
            try:
                if await uow.updates.seen(update.update_id):
                    log.info("update %s was handled before, skipped", update.update_id)
                    return
                await self.dispatcher.feed_update(self.bot, update, uow=uow)
                await uow.updates.record(update.update_id)
                await uow.commit()
                return
            except (TelegramForbiddenError, TelegramBadRequest) as error:
                failure = error
                log.warning("update %s: Telegram refused a reply: %s", update.update_id,
                            type(error).__name__)
            except Exception as error:
                failure = error
                log.exception("update %s failed", update.update_id)
            finally:
                current_uow.reset(token)
        await self._after_failure(update, failure)

    async def _after_failure(self, update: Update, failure: BaseException | None) -> None:
        """The update's changes were rolled back, so the person's answers stand as they were
        before it. Record it as handled (it would fail again) and say so kindly."""
        sender = _sender_id(update)
        async with SqlUnitOfWork(self.sessions) as uow:
            if not await uow.updates.claim(update.update_id):
                return
            if sender is not None and isinstance(failure, TelegramForbiddenError):
                await mark_unreachable(uow, PersonId(sender))
            await uow.commit()
            person = await uow.persons.get(PersonId(sender)) if sender is not None else None
        if person is None or isinstance(failure, TelegramForbiddenError):
            return
        with self.i18n.context(), self.i18n.use_locale(person.locale or self.i18n.default_locale):
            text = _(
                "Sorry, daar ging bij ons iets mis. Je antwoorden tot nu toe zijn bewaard. "
                "Probeer het nog eens, of typ /help."
            )
        try:
            await self.bot.send_message(sender, text)  # type: ignore[arg-type]
        except Exception:
            log.warning("could not send the apology for update %s", update.update_id)


class Poller:
    """Long polling that confirms updates to Telegram only after they are committed."""

    def __init__(self, bot: Bot, processor: UpdateProcessor, timeout: int,
                 allowed_updates: list[str]) -> None:
        self.bot = bot
        self.processor = processor
        self.timeout = timeout
        self.allowed_updates = allowed_updates
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        offset: int | None = None
        failures = 0
        stopping = asyncio.create_task(self._stop.wait())
        try:
            while not self._stop.is_set():
                fetch = asyncio.create_task(self.bot.get_updates(
                    offset=offset, timeout=self.timeout, allowed_updates=self.allowed_updates,
                    request_timeout=self.timeout + 15,
                ))
                await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()
                    break
                try:
                    updates = fetch.result()
                except TelegramRetryAfter as error:
                    await asyncio.sleep(error.retry_after)
                    continue
                except (TelegramNetworkError, TelegramServerError) as error:
                    failures += 1
                    delay = min(60.0, 0.5 * 2 ** min(failures, 7))
                    log.warning("getUpdates failed (%s), retry in %.1fs",
                                type(error).__name__, delay)
                    await asyncio.sleep(delay)
                    continue
                failures = 0
                if updates:
                    await self.processor.process_batch(updates)
                    offset = updates[-1].update_id + 1
            if offset is not None:
                # Confirm the last batch so a restart does not fetch it again (harmless if not).
                try:
                    await self.bot.get_updates(offset=offset, timeout=0, limit=1)
                except Exception:
                    log.info("could not confirm the last offset on stop")
        finally:
            stopping.cancel()
