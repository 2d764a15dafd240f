"""The invited person's buttons carry an invitee id: resolve it to their own invitation."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from conference.access import own_invitation
from conference.errors import NotFound
from conference.model.circle import Invitee
from conference.model.people import Person
from conference.ports import UnitOfWork
from dialogs.texts import _


async def owned(
    callback: CallbackQuery, uow: UnitOfWork, person: Person, invitee_id: int
) -> tuple[Invitee, Message] | None:
    """Their invitation and the message the button sits on; None (and a kind alert) if the
    button names someone else's invitation."""
    message = callback.message
    try:
        invitee = await own_invitation(uow, person.id, invitee_id)
    except NotFound:
        invitee = None
    if invitee is None or not isinstance(message, Message):
        await callback.answer(_("Deze uitnodiging is niet van jou."), show_alert=True)
        return None
    return invitee, message
