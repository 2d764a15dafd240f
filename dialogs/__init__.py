"""One conversation flow per module, each building its own aiogram Router."""


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
from dialogs.filters import checked_in_place, private_chat
from dialogs.routing import Router


def build_router() -> Router:
    """A fresh router tree: a router can belong to one dispatcher only, and tests build several."""
    root = Router(name="kring")
    root.include_routers(groups.router(), membership.router())
    private = Router(name="private")
    private.message.filter(private_chat)
    # The flows whose every handler wants a button, a state or a command of its own: one
    # gate in front of them all lets any other update pass by at once (dialogs/filters.py).
    flows = Router(name="flows")
    flows.include_routers(
        staff.router(), invitation.router(), food.router(), needs.router(), minimum.router(),
        suggest.router(),
        availability.router(), manager.router(), circle.router(), applicant.router(),
        dates.router(),
        fixing.router(), broadcast.router(), plan.router(), followup.router(),
    )
    # Order matters: commands before the intake's "anything typed is an answer".
    private.include_routers(
        flows, start.router(), intake_review.router(), intake.router(), fallback.router(),
    )
    root.include_router(private)
    return checked_in_place(root)
