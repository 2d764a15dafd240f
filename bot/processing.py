"""One update, one transaction: claim its update_id, run the handlers, commit. A replayed update
finds its id claimed and changes nothing. Polling commits what of each fetched batch is not
handled yet to the inbox before it moves the offset on, so a crash loses nothing; the next
batch's transaction clears the inbox rows of the updates handled since."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Sequence
from datetime import datetime

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Message, Update
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from pydantic import ValidationError
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.fsm import current_uow
from bot.metrics import Metrics
from conference.model.ids import PersonId
from conference.requests import mark_unreachable
from dialogs.replies import Replies, handling
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

# an update the database could not take is tried again after 0.5, 1, 2, ... at most 30 s
RETRY_FIRST, RETRY_MOST = 0.5, 30.0
# after this many failed tries the person hears that their answer is not stored yet
TELL_AFTER = 3


class DatabaseAway(RuntimeError):
    """The database could not take an update (gone, restarting, full, locked): nothing of it
    was stored, and the same update may well be stored when it is back."""


class UnreadableBatch(RuntimeError):
    """What came back for getUpdates is not a batch of updates at all."""


def is_transient(error: BaseException) -> bool:
    """The database is away, full or busy, rather than the update being bad."""
    if isinstance(error, DBAPIError):
        return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    # asyncpg's own errors when it cannot connect, and the pool's wait for a connection
    return isinstance(error, OSError | TimeoutError | SQLAlchemyTimeoutError)


def sender_of(update: Update) -> int | None:
    """The person whose update it is (None for updates without one)."""
    event = update.event
    user = getattr(event, "from_user", None)
    return user.id if user is not None else None


def _ordering_key(update: Update) -> int:
    """Updates of one person are handled in order; different people in parallel."""
    sender = sender_of(update)
    return sender if sender is not None else 0


class UpdateProcessor:
    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        i18n: I18n,
        metrics: Metrics | None = None,
        in_order: bool = False,
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.sessions = sessions
        self.i18n = i18n
        self.metrics = metrics
        self.in_order = in_order

    async def process(self, update: Update) -> None:
        """Handle one update. With `in_order` (several `kring serve` instances share the
        inbox), a person's earlier updates still waiting in the inbox, taken in by another
        instance, are handled first, here."""
        for _look in range(3):
            earlier = await self._process(update)
            if not earlier:
                return
            log.info("update %s waits for %d earlier ones", update.update_id, len(earlier))
            for _update_id, payload in earlier:
                await self.process(Update.model_validate_json(payload, context={"bot": self.bot}))
        await self._process(update, wait_for_earlier=False)

    async def _process(
        self, update: Update, *, wait_for_earlier: bool = True
    ) -> list[tuple[int, str]]:
        """Handle it; or, if the person's earlier updates wait in the inbox, return those and
        change nothing."""
        began = time.perf_counter()
        replies = Replies()
        failure: BaseException | None = None
        sender = sender_of(update)
        async with SqlUnitOfWork(self.sessions) as uow:
            uow_token = current_uow.set(uow)
            handling_token = handling.set(True)
            try:
                if self.in_order and sender is not None:
                    await uow.updates.take_turn(sender)
                if not await uow.updates.claim(update.update_id):
                    log.info("update %s was handled before, skipped", update.update_id)
                    return []
                if self.in_order and sender is not None and wait_for_earlier:
                    earlier = await uow.updates.waiting_before(sender, update.update_id)
                    if earlier:
                        return earlier  # rolled back: nothing claimed
                await self.dispatcher.feed_update(self.bot, update, uow=uow, replies=replies)
                await uow.commit()
            except Exception as error:
                if is_transient(error):
                    raise DatabaseAway(type(error).__name__) from error
                failure = error
                log.exception("update %s failed", update.update_id)
            finally:
                handling.reset(handling_token)
                current_uow.reset(uow_token)
        if self.metrics is not None:
            if failure is None:
                self.metrics.updates_handled.inc()
                self.metrics.handling_seconds.observe(time.perf_counter() - began)
            else:
                self.metrics.updates_failed.inc()
        if failure is None:
            await self._send(update, replies)
        else:
            await self._after_failure(update, failure)
        return []

    async def _send(self, update: Update, replies: Replies) -> None:
        """The update is committed: now its replies go out, in order. A reply Telegram refuses
        is logged and the rest still go; a person who blocked the bot is marked unreachable."""
        for method in replies:
            try:
                await self.bot(method)
            except TelegramForbiddenError:
                chat = getattr(method, "chat_id", None)
                recipient = chat if isinstance(chat, int) else sender_of(update)
                log.warning("update %s: a recipient is unreachable", update.update_id)
                if recipient is not None:
                    async with SqlUnitOfWork(self.sessions) as uow:
                        await mark_unreachable(uow, PersonId(recipient))
                        await uow.commit()
            except Exception as error:
                log.warning(
                    "update %s: a reply was not delivered: %s",
                    update.update_id,
                    type(error).__name__,
                )

    async def tell_not_stored_yet(self, update: Update) -> None:
        """The database has not taken this update for a while: say so, once, in the person's
        app language (their own choice is in the database, which is away)."""
        event = update.event
        user = getattr(event, "from_user", None)
        message = event if isinstance(event, Message) else getattr(event, "message", None)
        chat = getattr(message, "chat", None)
        if user is None or chat is None or chat.type != "private":
            return
        locale = user.language_code if user.language_code in self.i18n.available_locales else None
        with self.i18n.context(), self.i18n.use_locale(locale or self.i18n.default_locale):
            text = _(
                "Een moment: je antwoord is nog niet opgeslagen, want bij ons hapert iets. "
                "We blijven het proberen en laten het je weten zodra het bewaard is."
            )
        try:
            await self.bot.send_message(chat.id, text)
        except Exception as error:
            log.warning(
                "update %s: could not say it is not stored yet (%s)",
                update.update_id,
                type(error).__name__,
            )

    async def _after_failure(self, update: Update, failure: BaseException | None) -> None:
        """The update's changes were rolled back, so the person's answers stand as they were
        before it. Record it as handled (it would fail again) and say plainly that this one was
        not saved."""
        sender = sender_of(update)
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
                "Sorry, dit is niet opgeslagen: daar ging bij ons iets mis. Wat je eerder "
                "invulde, staat er nog. Probeer het nog eens, of typ /help."
            )
        try:
            await self.bot.send_message(person.id, text)
        except Exception:
            log.warning("could not send the apology for update %s", update.update_id)


class Lanes:
    """Updates of one person are handled in order, different people at once (at most `limit`
    at a time). A lane sends its update's replies after the commit, holding no database
    connection then, so a slow lane (a 429 to wait out) holds up nobody else."""

    def __init__(self, processor: UpdateProcessor, limit: int = 24) -> None:
        self.processor = processor
        self._slots = asyncio.Semaphore(limit)
        self._lanes: dict[int, deque[Update]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, update: Update) -> None:
        key = _ordering_key(update)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = deque()
            task = asyncio.create_task(self._run(key, lane))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        lane.append(update)

    async def _run(self, key: int, lane: deque[Update]) -> None:
        """The person's updates one after the other. An update the database could not take is
        tried again, with a growing pause (holding no slot meanwhile), until it is stored: the
        person's later updates wait behind it, so their order holds, and a database that comes
        back (a restart, space freed on a full disk) is all it takes to go on."""
        failures = 0
        try:
            while lane:
                update = lane[0]
                try:
                    async with self._slots:
                        await self.processor.process(update)
                except Exception as error:  # never lose it, never let the lane die
                    failures += 1
                    delay = min(RETRY_MOST, RETRY_FIRST * 2 ** min(failures - 1, 6))
                    if isinstance(error, DatabaseAway):
                        log.warning(
                            "update %s not stored (%s), try %d, again in %.1fs",
                            update.update_id,
                            error,
                            failures,
                            delay,
                        )
                    else:
                        log.exception("update %s: handling it broke off", update.update_id)
                    if self.processor.metrics is not None:
                        self.processor.metrics.updates_retried.inc()
                    if failures == TELL_AFTER:
                        await self.processor.tell_not_stored_yet(update)
                    await asyncio.sleep(delay)
                    continue
                failures = 0
                lane.popleft()
        finally:
            del self._lanes[key]

    async def drain(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Wait until every submitted update is handled; False if the time ran out."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            return not pending
        return True

    async def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class Poller:
    """Long polling that loses nothing: each fetched batch goes to the lanes, and what they
    have not handled yet is committed to the inbox table, before the offset moves on (so
    Telegram forgets an update only once it is safe with us). On start, whatever the inbox
    still holds is handled first."""

    def __init__(
        self, bot: Bot, processor: UpdateProcessor, timeout: int, allowed_updates: list[str]
    ) -> None:
        self.bot = bot
        self.processor = processor
        self.lanes = Lanes(processor)
        self.timeout = timeout
        self.allowed_updates = allowed_updates
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        try:
            await self._recover_once_possible()
            offset = await self._poll()
            if offset is not None:
                # Confirm the last batch so a restart does not fetch it again (harmless if not).
                with contextlib.suppress(Exception):
                    await self.bot.get_updates(offset=offset, timeout=0, limit=1)
            if not await self.lanes.drain(timeout=10):
                log.warning("stopping with updates still in hand: the inbox keeps them")
        finally:
            await self.lanes.cancel()

    async def recover(self, received_before: datetime | None = None) -> int:
        """Hand whatever the inbox still holds (fetched, not handled) to the lanes; with
        `received_before`, only what has waited since then (`kring serve`'s leader: updates
        an instance took in and died with). Returns how many."""
        async with SqlUnitOfWork(self.processor.sessions) as uow:
            waiting = await uow.updates.inbox(received_before)
        for _update_id, payload in waiting:
            self.lanes.submit(Update.model_validate_json(payload, context={"bot": self.bot}))
        if waiting:
            log.info("handling %d updates left in the inbox", len(waiting))
        return len(waiting)

    async def _recover_once_possible(self) -> None:
        """The inbox first; if the database is away, wait for it (Telegram keeps the rest)."""
        for failures in itertools.count(1):
            try:
                await self.recover()
                return
            except (SQLAlchemyError, OSError) as error:
                delay = min(RETRY_MOST, RETRY_FIRST * 2 ** min(failures, 6))
                log.warning(
                    "the inbox cannot be read (%s), again in %.1fs", type(error).__name__, delay
                )
                try:
                    await asyncio.wait_for(self._stop.wait(), delay)
                    return  # stopped meanwhile
                except TimeoutError:
                    pass

    async def _poll(self) -> int | None:
        offset: int | None = None
        failures = 0
        stopping = asyncio.create_task(self._stop.wait())
        fetch: asyncio.Task[list[Update]] | None = None
        try:
            while not self._stop.is_set():
                fetch = asyncio.create_task(
                    self.bot.get_updates(
                        offset=offset,
                        timeout=self.timeout,
                        allowed_updates=self.allowed_updates,
                        request_timeout=self.timeout + 15,
                    )
                )
                await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()
                    break
                try:
                    try:
                        updates = fetch.result()
                        highest = updates[-1].update_id if updates else None
                    except ClientDecodeError as error:
                        updates, highest = self._readable(error.data)
                    if updates:
                        for update in updates:  # a replay of one handled before changes nothing
                            self.lanes.submit(update)
                        # The lanes take their turn on the database first, so at a steady pace
                        # an update is handled before the inbox is written (which then skips
                        # it); the offset moves on only once the batch is committed either way.
                        await asyncio.sleep(0)
                        await self._store(updates)
                except TelegramRetryAfter as error:
                    await asyncio.sleep(error.retry_after)
                    continue
                # the database away (asyncpg's connection errors are OSErrors): the offset
                # stays, so the same updates come again once the inbox can take them
                except (
                    TelegramNetworkError,
                    TelegramServerError,
                    SQLAlchemyError,
                    OSError,
                ) as error:
                    failures += 1
                    delay = min(60.0, 0.5 * 2 ** min(failures, 7))
                    log.warning(
                        "fetching updates failed (%s), retry in %.1fs", type(error).__name__, delay
                    )
                    await asyncio.sleep(delay)
                    continue
                failures = 0
                if highest is not None:
                    offset = highest + 1
        finally:
            stopping.cancel()
            if fetch is not None and not fetch.done():
                fetch.cancel()
                await asyncio.gather(fetch, return_exceptions=True)
        return offset

    def _readable(self, response: object) -> tuple[list[Update], int]:
        """A batch in which some update does not parse (a field Telegram added, a value out of
        range): the others go on, each bad one is set aside, logged by its id only (never its
        content), so one update cannot stop the bot in a loop. A response that is not a batch
        at all is a network error: fetched again."""
        raw = response.get("result") if isinstance(response, dict) else None
        if not isinstance(raw, list) or not raw:
            raise UnreadableBatch
        ids = [u.get("update_id") if isinstance(u, dict) else None for u in raw]
        if not all(isinstance(i, int) for i in ids):
            raise UnreadableBatch
        updates = []
        for item in raw:
            try:
                updates.append(Update.model_validate(item, context={"bot": self.bot}))
            except ValidationError:
                log.warning("update %s does not parse: set aside", item["update_id"])
                if self.processor.metrics is not None:
                    self.processor.metrics.updates_set_aside.inc()
        return updates, max(i for i in ids if isinstance(i, int))

    async def _store(self, updates: Sequence[Update]) -> None:
        """Commit the batch's updates not handled yet to the inbox (a restart handles them)."""
        async with SqlUnitOfWork(self.processor.sessions) as uow:
            await uow.updates.receive(
                [
                    (u.update_id, sender_of(u), u.model_dump_json(exclude_unset=True))
                    for u in updates
                ]
            )
            await uow.commit()
