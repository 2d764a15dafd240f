"""Button payloads. They come back from the phone: every handler re-checks them against the
conversation state and the database, never trusts them."""

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# Every number on a button is a row id, a page or a small score: at least 0 and within the
# database's BIGINT. A forged one out of that range is refused like any unknown button, before
# a handler or the database sees it.
Number = Annotated[int, Field(ge=0, le=2**63 - 1)]


class Answer(CallbackData, prefix="a"):
    field: str
    value: str


class Nav(CallbackData, prefix="n"):
    action: str  # back, skip, done, edit, submit, stop, resume, restart
    field: str = ""


class Menu(CallbackData, prefix="m"):
    action: str  # apply, info, info_talk, cancel_yes, cancel_no


class PickLanguage(CallbackData, prefix="lang"):
    locale: str


class OpenRequest(CallbackData, prefix="req"):
    id: Number


class AssignTo(CallbackData, prefix="as"):
    conference: Number
    coordinator: Number


class ListRequests(CallbackData, prefix="rl"):
    page: Number = 0


class OpenConference(CallbackData, prefix="cf"):
    id: Number


class SeenUnconfirmed(CallbackData, prefix="us"):
    """The coordinator has seen which silent messages may not have arrived."""

    conference: Number


class AddPerson(CallbackData, prefix="ap"):
    conference: Number


class AddApplicant(CallbackData, prefix="aa"):
    """The applicant into the circle, with one tap."""

    conference: Number


class InviteeChoice(CallbackData, prefix="ic"):
    field: str  # group, locale, must
    value: str


class RsvpAnswer(CallbackData, prefix="rv"):
    invitee: Number
    answer: str


class NoReasonAnswer(CallbackData, prefix="nr"):
    invitee: Number
    reason: str


class MinimumStart(CallbackData, prefix="mi"):
    """A professional of the circle sets or changes the minimum requirement."""

    invitee: Number


class AskMinimum(CallbackData, prefix="am"):
    """The coordinator asks a professional of the circle to set the minimum requirement."""

    conference: Number
    invitee: Number = 0  # 0: choose whom


class NewLink(CallbackData, prefix="nl"):
    invitee: Number


class FoodStep(CallbackData, prefix="fd"):
    invitee: Number
    action: str  # start, consent, diet, allergen, done
    value: str = ""


class SuggestStart(CallbackData, prefix="sg"):
    invitee: Number


class SuggestionDecision(CallbackData, prefix="sd"):
    id: Number
    accept: bool


class NeedsStep(CallbackData, prefix="nd"):
    invitee: Number
    action: str  # menu, interpreter, language, children, count, toggle, done
    value: str = ""


class Dates(CallbackData, prefix="dt"):
    conference: Number
    action: str  # menu, propose, fix, change, cancel, cancel_yes, nudge, send


class FixSlot(CallbackData, prefix="fx"):
    conference: Number
    slot: Number  # 0: keep the date as it is


class VenueChoice(CallbackData, prefix="vn"):
    action: str  # keep, skip


class VoteAnswer(CallbackData, prefix="vt"):
    invitee: Number
    slot: Number  # 0: just show the dates
    vote: str = ""  # empty: the next choice after the current one


class NewDatesVote(CallbackData, prefix="vs"):
    """A vote on a ballot of only the dates added later (slot ids from `since` on); its own
    prefix, so the buttons of ballots already sent keep working."""

    invitee: Number
    slot: Number
    since: Number
    vote: str = ""


class ProposalDecision(CallbackData, prefix="pd"):
    id: Number
    accept: bool


class FamilyPropose(CallbackData, prefix="fp"):
    invitee: Number


class MeetingAnswer(CallbackData, prefix="ma"):
    invitee: Number
    coming: bool


class BroadcastStep(CallbackData, prefix="bc"):
    conference: Number
    audience: str  # conference.meeting.Audience; "send" to confirm, "stop" to drop it
    group: str = ""


class PlanStep(CallbackData, prefix="pl"):
    conference: Number
    action: str  # menu, add, monitor, next, accept, remove, publish, send, who, done, none
    value: Number = 0  # an invitee or agreement id, where the action needs one


class PlanAnswer(CallbackData, prefix="pa"):
    invitee: Number
    accepted: bool


class FollowUpAnswer(CallbackData, prefix="fu"):
    invitee: Number
    agreement: Number
    answer: str


class CheckInAnswer(CallbackData, prefix="ci"):
    invitee: Number
    used: str
    score: Number = 0  # 0: not asked yet


class FollowUpComment(CallbackData, prefix="fc"):
    invitee: Number
    agreement: Number


class Forget(CallbackData, prefix="fg"):
    """/forget's question: erase everything (yes) or keep it (no)."""

    erase: bool


class WebLink(CallbackData, prefix="wl"):
    """The coordinator: this person answers on the web page (`send`: 1 asks for an e-mail
    address, 0 is "no address, I pass the link on myself")."""

    invitee: Number
    send: Number = 1
