"""The Telegram side of kring: aiogram routers and what they show.

- `flows/`: the conversation flows, one per module, each with a `router()` that registers its
  module-level handlers (one per action);
- `render/`: what messages look like (texts, labels, the matrix picture, the .ics file),
  in the reader's language;
- here: what the flows share: button payloads (`callbacks`), filters and the refusals they lead
  to, FSM states, `replies` (replies wait for the commit), `to_others` (messages to someone
  other than the person acting), the intake's draft, the clock."""

from aiogram import Router

from dialogs.filters import PrivateChat
from dialogs.flows import (
    applicant_in_circle,
    availability,
    blocked_bot,
    broadcast,
    circle,
    dates,
    fallback,
    fix_meeting,
    followup,
    food,
    group_chats,
    intake,
    intake_summary,
    invitation,
    manager,
    minimum,
    needs,
    plan,
    privacy,
    staff,
    start,
    web_link,
    who_else,
)


def build_router() -> Router:
    """A fresh router tree: a router can belong to one dispatcher only, and tests build several."""
    root = Router(name="kring")
    root.include_routers(group_chats.router(), blocked_bot.router())
    private = Router(name="private")
    private.message.filter(PrivateChat())
    private.callback_query.filter(PrivateChat())  # a button under a message in a group: not here
    # Order matters: the flows' buttons, states and commands before the intake's "anything
    # typed is an answer", and the fallback last.
    private.include_routers(
        privacy.router(),  # a person's rights come first, whatever they were doing
        staff.router(),
        invitation.router(),
        food.router(),
        needs.router(),
        minimum.router(),
        who_else.router(),
        web_link.router(),
        availability.router(),
        manager.router(),
        circle.router(),
        applicant_in_circle.router(),
        dates.router(),
        fix_meeting.router(),
        broadcast.router(),
        plan.router(),
        followup.router(),
        start.router(),
        intake_summary.router(),
        intake.router(),
        fallback.router(),
    )
    root.include_router(private)
    return root
