"""kring's own filters, as aiogram documents them: `Filter` subclasses with an async `__call__`
(aiogram runs a plain function or an `F` magic filter in a worker thread on every check)."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, TelegramObject

from conference.access import coordinator_of, own_invitation
from conference.errors import AccessDenied, NotFound
from conference.model.circle import Invitee
from conference.model.ids import ConferenceId
from conference.model.people import Person, StaffRole
from conference.ports import UnitOfWork
from dialogs.clock import now


class PrivateChat(Filter):
    """A private chat, or an update without a chat (a button under an inline message)."""

    async def __call__(self, event: Message | CallbackQuery | ChatMemberUpdated) -> bool:
        if isinstance(event, CallbackQuery):
            return event.message is None or event.message.chat.type == "private"
        return event.chat.type == "private"


class ButtonsOf(Filter):
    """A router's own buttons, as the router's filter: a press reaches the handlers of the
    router whose kinds of callback data it carries, and no other router's handlers unpack it."""

    def __init__(self, *kinds: type[CallbackData]) -> None:
        self.prefixes = frozenset(kind.__prefix__ for kind in kinds)

    async def __call__(self, callback: CallbackQuery) -> bool:
        prefix, _, _ = (callback.data or "").partition(":")
        return prefix in self.prefixes


class HasText(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.text is not None


class HasContact(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.contact is not None


class TypedWords(Filter):
    """Text that is not a command (a command in the middle goes to its own handler)."""

    async def __call__(self, message: Message) -> bool:
        return bool(message.text) and not (message.text or "").startswith("/")


class UnderMessage(Filter):
    """A button under a message (not under an inline one, which kring does not send): the
    handler gets it as `message`, a `Message`, or an `InaccessibleMessage` when it is old or
    deleted (see dialogs/in_place.py)."""

    async def __call__(self, callback: CallbackQuery) -> bool | dict[str, Any]:
        if callback.message is None:
            return False
        return {"message": callback.message}


class CoordinatorOf(Filter):
    """A button about a conference (its callback data names it in `field`) pressed by that
    conference's own coordinator: the handler gets the conference as `conference`. Anyone else
    falls through to the router's `not_for_you` handler, registered after the others."""

    def __init__(self, field: str = "conference") -> None:
        self.field = field

    async def __call__(
        self,
        callback: CallbackQuery,
        callback_data: CallbackData,
        uow: UnitOfWork,
        person: Person,
    ) -> bool | dict[str, Any]:
        conference_id = getattr(callback_data, self.field)
        try:
            request = await coordinator_of(uow, person.id, ConferenceId(conference_id))
        except AccessDenied:
            return False
        return {"conference": request}


class OwnInvitation(Filter):
    """A button about an invitation (`invitee` in its callback data) pressed by the invited
    person: the handler gets `invitee`, and `message`, the message the button sits under (an
    `InaccessibleMessage` when it is old or deleted: see dialogs/in_place.py). Anyone else
    falls through to the router's `not_yours` handler."""

    async def __call__(
        self,
        callback: CallbackQuery,
        callback_data: CallbackData,
        uow: UnitOfWork,
        person: Person,
    ) -> bool | dict[str, Any]:
        if callback.message is None:  # under an inline message, which kring does not send
            return False
        try:
            invitee = await own_invitation(uow, person.id, callback_data.invitee)  # type: ignore[attr-defined]
        except NotFound:
            return False
        return {"invitee": invitee, "message": callback.message}


class BeforeTheMeeting(Filter):
    """After `OwnInvitation`: the invitation's meeting has not begun. From then on who comes is
    settled; a press on an old RSVP button falls through to the router's `meeting_has_begun`."""

    async def __call__(self, callback: CallbackQuery, invitee: Invitee, uow: UnitOfWork) -> bool:
        return not (await uow.meetings.get(invitee.conference_id)).has_begun(now())


class HasRole(Filter):
    """A command or button for staff of one role (a regional manager, a coordinator). Anyone
    else falls through to the router's refusal for that role, registered after the others. The
    use cases check again on the server; this keeps the kind answer in one place."""

    def __init__(self, role: StaffRole) -> None:
        self.role = role

    async def __call__(self, event: TelegramObject, uow: UnitOfWork, person: Person) -> bool:
        member = await uow.staff.get(person.id)
        return member is not None and member.role is self.role
