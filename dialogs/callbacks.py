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


class AddPerson(CallbackData, prefix="ap"):
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
