"""The kind answer to a button or command that is not for the person who used it. Routers
register these after their own handlers, for the same buttons and commands: what `CoordinatorOf`,
`OwnInvitation` or `HasRole` let through was handled; what they refused lands here."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from dialogs.render.texts import _
from dialogs.replies import Replies


async def not_for_you(callback: CallbackQuery, replies: Replies) -> None:
    """A conference's button, pressed by someone who is not its coordinator."""
    replies.send(
        callback.answer(
            _("Dit is alleen voor de coördinator van deze conferentie."), show_alert=True
        )
    )


async def not_yours(callback: CallbackQuery, replies: Replies) -> None:
    """An invitation's button, pressed by someone else."""
    replies.send(callback.answer(_("Deze uitnodiging is niet van jou."), show_alert=True))


async def meeting_has_begun(callback: CallbackQuery, replies: Replies) -> None:
    """An answer to an invitation (yes, no, "I can still come") after the meeting began."""
    replies.send(
        callback.answer(
            _("De conferentie is al begonnen. Je antwoord blijft zoals het was."),
            show_alert=True,
        )
    )


async def managers_only(event: Message | CallbackQuery, replies: Replies) -> None:
    """A regional manager's command or button, used by someone else."""
    text = _("Dit is alleen voor regiomanagers.")
    if isinstance(event, CallbackQuery):
        replies.send(event.answer(text, show_alert=True))
    else:
        replies.send(event.answer(text))


async def coordinators_only(message: Message, replies: Replies) -> None:
    """A coordinator's command, used by someone else."""
    replies.send(message.answer(_("Dit is alleen voor coördinatoren.")))
