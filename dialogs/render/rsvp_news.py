"""The coordinator hears at once, in their own language, when someone's coming changes after
the date is fixed: "can't come anymore", and "can come after all" when they change back."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n

from conference.circle import coordinator_news
from conference.model.circle import Invitee, Rsvp
from conference.ports import UnitOfWork
from dialogs.clock import now
from dialogs.render.texts import _
from dialogs.replies import Replies
from dialogs.to_others import coordinator_language, notify, when


async def tell_coordinator(
    replies: Replies,
    uow: UnitOfWork,
    i18n: I18n,
    zone: ZoneInfo,
    invitee: Invitee,
    before: Rsvp | None,
) -> None:
    """`invitee` as they answered now, `before` their answer until then; sent after the
    commit."""
    news = coordinator_news(before, invitee.rsvp) if invitee.rsvp is not None else None
    if news is None:
        return
    meeting = await uow.meetings.get(invitee.conference_id)
    if meeting.starts_at is None or not meeting.fixed or meeting.has_begun(now()):
        return
    async with coordinator_language(uow, i18n, invitee.conference_id) as request:
        if request is None or request.coordinator_id is None:
            return
        moment = when(meeting.starts_at, zone, i18n.current_locale)
        text = {
            Rsvp.NO: _("{reference}: {name} kan niet meer komen op {moment}."),
            Rsvp.YES: _("{reference}: {name} kan toch komen op {moment}."),
            Rsvp.MAYBE: _("{reference}: {name} komt misschien toch op {moment}."),
        }[news]
        notify(
            replies,
            request.coordinator_id,
            text.format(reference=request.reference, name=escape(invitee.name), moment=moment),
        )
