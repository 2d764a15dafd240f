"""Button payloads. They come back from the phone: every handler re-checks them against the
conversation state and the database, never trusts them."""

from aiogram.filters.callback_data import CallbackData


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
    id: int


class AssignTo(CallbackData, prefix="as"):
    conference: int
    coordinator: int


class ListRequests(CallbackData, prefix="rl"):
    page: int = 0


class OpenConference(CallbackData, prefix="cf"):
    id: int


class SeenUnconfirmed(CallbackData, prefix="us"):
    """The coordinator has seen which silent messages may not have arrived."""

    conference: int


class AddPerson(CallbackData, prefix="ap"):
    conference: int


class AddApplicant(CallbackData, prefix="aa"):
    """The applicant into the circle, with one tap."""

    conference: int


class InviteeChoice(CallbackData, prefix="ic"):
    field: str  # group, locale, must
    value: str


class RsvpAnswer(CallbackData, prefix="rv"):
    invitee: int
    answer: str


class NoReasonAnswer(CallbackData, prefix="nr"):
    invitee: int
    reason: str


class MinimumStart(CallbackData, prefix="mi"):
    """A professional of the circle sets or changes the minimum requirement."""

    invitee: int


class AskMinimum(CallbackData, prefix="am"):
    """The coordinator asks a professional of the circle to set the minimum requirement."""

    conference: int
    invitee: int = 0  # 0: choose whom


class NewLink(CallbackData, prefix="nl"):
    invitee: int


class FoodStep(CallbackData, prefix="fd"):
    invitee: int
    action: str  # start, consent, diet, allergen, done
    value: str = ""


class SuggestStart(CallbackData, prefix="sg"):
    invitee: int


class SuggestionDecision(CallbackData, prefix="sd"):
    id: int
    accept: bool


class NeedsStep(CallbackData, prefix="nd"):
    invitee: int
    action: str  # menu, interpreter, language, children, count, toggle, done
    value: str = ""


class Dates(CallbackData, prefix="dt"):
    conference: int
    action: str  # menu, propose, fix, change, cancel, cancel_yes, nudge, send


class FixSlot(CallbackData, prefix="fx"):
    conference: int
    slot: int  # 0: keep the date as it is


class VenueChoice(CallbackData, prefix="vn"):
    action: str  # keep, skip


class VoteAnswer(CallbackData, prefix="vt"):
    invitee: int
    slot: int  # 0: just show the dates
    vote: str = ""  # empty: the next choice after the current one


class NewDatesVote(CallbackData, prefix="vs"):
    """A vote on a ballot of only the dates added later (slot ids from `since` on); its own
    prefix, so the buttons of ballots already sent keep working."""

    invitee: int
    slot: int
    since: int
    vote: str = ""


class ProposalDecision(CallbackData, prefix="pd"):
    id: int
    accept: bool


class FamilyPropose(CallbackData, prefix="fp"):
    invitee: int


class MeetingAnswer(CallbackData, prefix="ma"):
    invitee: int
    coming: bool


class BroadcastStep(CallbackData, prefix="bc"):
    conference: int
    audience: str  # conference.meeting.Audience; "send" to confirm, "stop" to drop it
    group: str = ""


class PlanStep(CallbackData, prefix="pl"):
    conference: int
    action: str  # menu, add, monitor, next, accept, remove, publish, send, who, done, none
    value: int = 0  # an invitee or agreement id, where the action needs one


class PlanAnswer(CallbackData, prefix="pa"):
    invitee: int
    accepted: bool


class FollowUpAnswer(CallbackData, prefix="fu"):
    invitee: int
    agreement: int
    answer: str


class CheckInAnswer(CallbackData, prefix="ci"):
    invitee: int
    used: str
    score: int = 0  # 0: not asked yet


class FollowUpComment(CallbackData, prefix="fc"):
    invitee: int
    agreement: int
