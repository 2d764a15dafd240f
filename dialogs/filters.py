"""Filters as coroutines: aiogram runs a plain (sync) filter, magic F-filters included, in a
worker thread on every check (asyncio.to_thread), which costs more than the check itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, TelegramObject

Event = Message | CallbackQuery | ChatMemberUpdated


def _chat_type(event: Event) -> str | None:
    if isinstance(event, CallbackQuery):
        message = event.message
        return message.chat.type if message is not None else None
    return event.chat.type


async def private_chat(event: Event) -> bool:
    return _chat_type(event) in ("private", None)


async def group_chat(event: Event) -> bool:
    return not await private_chat(event)


async def has_text(message: Message) -> bool:
    return message.text is not None


async def has_contact(message: Message) -> bool:
    return message.contact is not None


def checked_in_place(root: Router) -> Router:
    """Two things aiogram does on every update, made cheaper for every router under `root`.

    The filters that are still plain functions (a `State` given as a filter, as in
    `@r.message(Intake.contact)`, is one; so is an `F` magic filter) run in place instead of in
    a worker thread: they only compare a few values.

    An update goes from router to router, and in each one aiogram checks every handler's
    filters (a button's callback data is parsed again for every CallbackData filter, a
    command filter parses the text) until one matches. So each router gets a gate in front:
    from the filters of its handlers (and of those in the routers below it) it knows what an
    update must at least have to match any of them (a callback data prefix, a state, a
    command) and lets the others pass by after one look, skipping the routers below it too.
    The gate only says no where every handler would have said no; a router with a handler
    that could take anything gets none."""
    for router in root.chain_tail:
        for name, observer in router.observers.items():
            gate = _Gate.of([handler for below in router.chain_tail
                             for handler in below.observers[name].handlers])
            # _handler holds the router-level filters (`r.message.filter(...)`)
            for handler in (observer._handler, *observer.handlers):
                for check in handler.filters or ():
                    if not check.awaitable:
                        check.callback = _as_coroutine(check.callback)
                        check.awaitable = True
            if gate is not None:
                observer.filter(gate)
    return root


@dataclass(frozen=True)
class _Needs:
    """What one handler's filters require at least (None: anything)."""

    states: frozenset[str | None] | None = None
    callbacks: tuple[str, ...] | None = None  # callback data starts with "prefix:"
    command: str | None = None  # the text or caption starts with one of these characters

    def __and__(self, other: _Needs) -> _Needs:
        states = self.states if other.states is None else (
            other.states if self.states is None else self.states & other.states)
        callbacks = self.callbacks if other.callbacks is None else (
            other.callbacks if self.callbacks is None
            else tuple(c for c in self.callbacks if c in other.callbacks))
        return _Needs(states, callbacks, self.command or other.command)

    def met(self, event: object, raw_state: str | None) -> bool:
        if self.states is not None and raw_state not in self.states:
            return False
        if self.callbacks is not None:
            data = getattr(event, "data", None)
            if not isinstance(data, str) or not data.startswith(self.callbacks):
                return False
        if self.command is not None:
            text = getattr(event, "text", None) or getattr(event, "caption", None)
            if not text or text[0] not in self.command:
                return False
        return True

    @classmethod
    def of(cls, check: Any) -> _Needs:
        """What one filter requires, as far as it is known here (else nothing)."""
        if isinstance(check, CallbackQueryFilter):
            data = check.callback_data
            return cls(callbacks=(data.__prefix__ + data.__separator__,))
        if isinstance(check, Command):
            return cls(command=check.prefix)
        if isinstance(check, State):
            return cls() if check.state == "*" else cls(states=frozenset((check.state,)))
        if isinstance(check, StateFilter):
            states: set[str | None] = set()
            for allowed in check.states:
                if allowed == "*" or (isinstance(allowed, State) and allowed.state == "*"):
                    return cls()
                if allowed is None or isinstance(allowed, str):
                    states.add(allowed)
                elif isinstance(allowed, State):
                    states.add(allowed.state)
                elif isinstance(allowed, type) and issubclass(allowed, StatesGroup):
                    states.update(allowed.__all_states_names__)
                elif isinstance(allowed, StatesGroup):
                    states.update(type(allowed).__all_states_names__)
                else:
                    return cls()
            return cls(states=frozenset(states))
        return cls()


class _Gate(Filter):
    def __init__(self, needs: list[_Needs]) -> None:
        # the needs that are only a callback data prefix, only a state or only a command,
        # each kind folded into one look
        self.prefixes = tuple(p for n in needs if n.states is None and n.command is None
                              for p in (n.callbacks or ()))
        self.states = frozenset(s for n in needs if n.callbacks is None and n.command is None
                                for s in (n.states or ()))
        self.commands = "".join(n.command for n in needs if n.command is not None
                                and n.states is None and n.callbacks is None)
        simple = [n for n in needs if (n.states, n.command).count(None) + (
            n.callbacks is None) == 2]
        self.needs = [n for n in needs if n not in simple]

    @classmethod
    def of(cls, handlers: list[HandlerObject]) -> _Gate | None:
        """None if some handler could take any update (then no gate helps)."""
        needs = []
        for handler in handlers:
            handler_needs = _Needs()
            for check in handler.filters or ():
                handler_needs &= _Needs.of(check.callback)
            if handler_needs == _Needs():
                return None
            needs.append(handler_needs)
        return cls(needs) if needs else None

    async def __call__(self, event: TelegramObject, raw_state: str | None = None) -> bool:
        if self.prefixes:
            data = getattr(event, "data", None)
            if isinstance(data, str) and data.startswith(self.prefixes):
                return True
        if raw_state in self.states:
            return True
        if self.commands:
            text = getattr(event, "text", None) or getattr(event, "caption", None)
            if text and text[0] in self.commands:
                return True
        return any(needs.met(event, raw_state) for needs in self.needs)


def _as_coroutine(function: Callable[..., Any]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return call


async def typed_words(message: Message) -> bool:
    """Text that is not a command (a command in the middle goes to its own handler)."""
    return bool(message.text) and not (message.text or "").startswith("/")
