"""What bot/ (the composition root) gives the web door: units of work, catalogs, the clock,
and how the coordinator is told of something in chat."""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from conference.circle import TRIES_IN_TOTAL
from conference.erasure import Forgotten
from conference.errors import InvalidAnswer, SlotError
from conference.model.circle import Invitee, Rsvp, Suggestion
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Meeting, Proposal
from conference.model.plan import Agreement, FollowUp
from conference.model.reminders import Policy
from conference.model.request import ConferenceRequest
from conference.ports import UnitOfWork
from web.mini_app import MAX_AGE


class Notices(Protocol):
    """Messages to the coordinator in chat, queued in the request's unit of work (they go out
    once it commits), in the coordinator's language."""

    async def second_browser(self, uow: UnitOfWork, invitee: Invitee) -> None:
        """Another browser (or a link a Telegram account opened) was refused."""

    async def suggested(self, uow: UnitOfWork, invitee: Invitee, made: Suggestion) -> None:
        """Who else should be asked: for the coordinator to decide with the family."""

    async def answered(self, uow: UnitOfWork, invitee: Invitee, before: Rsvp | None) -> None:
        """Their coming changed after the date was fixed."""

    async def plan_changed(
        self, uow: UnitOfWork, coordinator: PersonId, conference: ConferenceId
    ) -> None:
        """The coordinator changed the plan in the cockpit: the plan as the chat shows it."""

    async def proposed(self, uow: UnitOfWork, invitee: Invitee, proposal: Proposal) -> None:
        """The main person proposes a date or a place: for the coordinator to take over."""

    async def followed_up(
        self,
        uow: UnitOfWork,
        invitee: Invitee,
        agreement: Agreement,
        answer: FollowUp | None,
        comment: str | None,
    ) -> None:
        """The 4-week answer (or comment) on an agreement, as the chat tells it."""

    async def forgotten(self, uow: UnitOfWork, forgotten: Forgotten) -> None:
        """Someone erased their data: each coordinator is told, without the name."""

    def slot_problem(self, error: SlotError, locale: str) -> str:
        """What was wrong with a typed date, in the chat's words."""

    def text_problem(self, error: InvalidAnswer, locale: str) -> str:
        """What was wrong with a typed text (too long, empty ...), in the chat's words."""

    async def minimum_set(
        self,
        uow: UnitOfWork,
        invitee: Invitee,
        request: ConferenceRequest,
        told: Sequence[Invitee],
    ) -> None:
        """A professional set the minimum requirement: the family invited before and the
        coordinator hear it."""


class Calendar(Protocol):
    def __call__(
        self, request: ConferenceRequest, meeting: Meeting, locale: str
    ) -> tuple[str, bytes]:
        """The fixed meeting's calendar file (its name, its bytes) in `locale`."""


@dataclass(frozen=True)
class Door:
    units: Callable[[], AbstractAsyncContextManager[UnitOfWork]]
    catalogs: Mapping[str, gettext.GNUTranslations]  # the shipped languages
    default_locale: str
    zone: ZoneInfo
    policy: Policy
    now: Callable[[], datetime]
    notices: Notices
    calendar: Calendar
    secure_cookie: bool = True  # the public address is https
    refusals_per_hour: int = TRIES_IN_TOTAL
    # the bot's token checks the cockpit's signed init data (Telegram Mini App); None: no cockpit
    mini_app_token: str | None = field(default=None, repr=False)
    mini_app_max_age: timedelta = MAX_AGE

    def words(self, locale: str) -> gettext.NullTranslations:
        """The catalog of `locale`, else of the default language (Dutch: the source)."""
        found = self.catalogs.get(locale) or self.catalogs.get(self.default_locale)
        return found if found is not None else gettext.NullTranslations()

    def locale(self, wanted: str) -> str:
        return wanted if wanted in self.catalogs else self.default_locale
