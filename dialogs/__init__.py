"""One conversation flow per module, each building its own aiogram Router."""

from aiogram import Router

from dialogs import (
    applicant,
    availability,
    broadcast,
    circle,
    dates,
    fallback,
    fixing,
    followup,
    food,
    groups,
    intake,
    intake_review,
    invitation,
    manager,
    membership,
    minimum,
    needs,
    plan,
    staff,
    start,
    suggest,
)
from dialogs.filters import PrivateChat


def build_router() -> Router:
    """A fresh router tree: a router can belong to one dispatcher only, and tests build several."""
    root = Router(name="kring")
    root.include_routers(groups.router(), membership.router())
    private = Router(name="private")
    private.message.filter(PrivateChat())
    # Order matters: the flows' buttons, states and commands before the intake's "anything
    # typed is an answer", and the fallback last.
    private.include_routers(
        staff.router(),
        invitation.router(),
        food.router(),
        needs.router(),
        minimum.router(),
        suggest.router(),
        availability.router(),
        manager.router(),
        circle.router(),
        applicant.router(),
        dates.router(),
        fixing.router(),
        broadcast.router(),
        plan.router(),
        followup.router(),
        start.router(),
        intake_review.router(),
        intake.router(),
        fallback.router(),
    )
    root.include_router(private)
    return root
