"""The kind answer to a button that is not for the person who pressed it. Routers register these
after their own handlers, for the same buttons: a press that `CoordinatorOf` or `OwnInvitation`
let through was handled; one they refused lands here."""

from __future__ import annotations

from aiogram.types import CallbackQuery

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
