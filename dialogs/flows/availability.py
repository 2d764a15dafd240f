"""The invited person and the dates: one message with a button per proposed date that changes
in place (✅ can → 🟡 if need be → ❌ can't), the main person's own proposals, and the answer
to a changed date ("I can still come" / "I can't come anymore")."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
)
from aiogram.utils.i18n import I18n

from conference.circle import answer
from conference.errors import AccessDenied, MeetingError, NotFound, SlotError
from conference.meeting import my_ballot, propose_by_family, vote
from conference.model.circle import Invitee, Rsvp
from conference.model.meeting import Proposal, Vote
from conference.model.people import Person
from conference.model.reminders import Policy
from conference.ports import UnitOfWork
from dialogs.callbacks import (
    Dates,
    FamilyPropose,
    MeetingAnswer,
    NewDatesVote,
    ProposalDecision,
    VoteAnswer,
)
from dialogs.clock import now
from dialogs.filters import BeforeTheMeeting, ButtonsOf, HasText, OwnInvitation
from dialogs.in_place import buttons_in_place, edit_in_place
from dialogs.refusals import meeting_has_begun, not_yours
from dialogs.render.buttons import ballot
from dialogs.render.labels import slot_problem_text
from dialogs.render.rsvp_news import tell_coordinator
from dialogs.render.texts import _
from dialogs.replies import Replies
from dialogs.states import Proposing
from dialogs.to_others import coordinator_language, notify, when

_CYCLE = {None: Vote.YES, Vote.YES: Vote.IF_NEED_BE, Vote.IF_NEED_BE: Vote.NO, Vote.NO: Vote.YES}


async def show_ballot(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """The dates to choose from, in a message of their own."""
    _invitee, slots, votes = await my_ballot(uow, person.id, invitee.id)
    replies.send(callback.answer())
    if not slots:
        replies.send(
            message.answer(_("Er zijn nog geen datums voorgesteld. Je hoort het zodra dat zo is."))
        )
        return
    text, markup = ballot(invitee, slots, votes, zone, i18n.current_locale)
    replies.send(message.answer(text, reply_markup=markup))


async def voted(
    callback: CallbackQuery,
    callback_data: VoteAnswer | NewDatesVote,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """A tap on a date: the vote it names, or the next one after the current."""
    _invitee, slots, votes = await my_ballot(uow, person.id, invitee.id)
    choice = (
        Vote(callback_data.vote)
        if callback_data.vote in Vote._value2member_map_
        else _CYCLE[votes.get(callback_data.slot)]
    )
    try:
        await vote(uow, person.id, invitee.id, callback_data.slot, choice, now())
    except NotFound:
        replies.send(callback.answer(_("Die datum staat niet meer op de lijst."), show_alert=True))
        return
    except MeetingError:
        replies.send(
            callback.answer(_("De datum staat al vast, kiezen kan niet meer."), show_alert=True)
        )
        return
    votes = {**votes, callback_data.slot: choice}
    replies.send(callback.answer(_("Opgeslagen ✓")))
    text, markup = ballot(
        invitee,
        slots,
        votes,
        zone,
        i18n.current_locale,
        saved=True,
        since=getattr(callback_data, "since", 0),
    )
    replies.send(edit_in_place(message, text, reply_markup=markup))


async def propose(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    """The main person proposes a date or a place of their own."""
    replies.send(callback.answer())
    await state.set_state(Proposing.text)
    await state.set_data({"invitee": invitee.id})
    replies.send(
        message.answer(
            _(
                "Het is jullie conferentie. Typ een datum met tijd (bijvoorbeeld "
                "za 3 juli 10:00) of een plek (bijvoorbeeld: bij oma thuis). "
                "De coördinator neemt het met één tik over."
            )
        )
    )


async def proposed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    invitee_id = (await state.get_data())["invitee"]
    text = (message.text or "").strip()[:200]
    try:
        proposal = await propose_by_family(
            uow,
            person.id,
            invitee_id,
            text,
            now(),
            zone,
            (i18n.current_locale, *i18n.available_locales),
        )
    except SlotError as error:
        replies.send(message.answer(slot_problem_text(error, zone, i18n.current_locale)))
        return
    except (AccessDenied, NotFound, MeetingError):
        await state.clear()
        replies.send(message.answer(_("Voorstellen kan nu niet (meer).")))
        return
    await state.clear()
    replies.send(message.answer(_("Opgeslagen ✓ De coördinator krijgt je voorstel.")))
    await tell_of_proposal(replies, uow, i18n, zone, proposal)


async def still(
    callback: CallbackQuery,
    callback_data: MeetingAnswer,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    policy: Policy,
    replies: Replies,
) -> None:
    """The date changed: "I can still come" or "I can't come anymore"."""
    choice = Rsvp.YES if callback_data.coming else Rsvp.NO
    answered = await answer(uow, person.id, invitee.id, choice, policy=policy, now=now())
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(buttons_in_place(message, reply_markup=None))
    replies.send(
        message.answer(
            _("Fijn, tot dan! Opgeslagen ✓")
            if callback_data.coming
            else _(
                "Jammer, dank je wel dat je het laat weten. De coördinator hoort het meteen. "
                "Opgeslagen ✓"
            )
        )
    )
    await tell_coordinator(replies, uow, i18n, zone, answered, invitee.rsvp)


async def tell_of_proposal(
    replies: Replies, uow: UnitOfWork, i18n: I18n, zone: ZoneInfo, proposal: Proposal
) -> None:
    """The coordinator hears the family's proposal in their own language, to take it over
    with one tap (the chat's and the web page's alike)."""
    async with coordinator_language(uow, i18n, proposal.conference_id) as request:
        if request is None or request.coordinator_id is None:
            return
        what = (
            when(proposal.starts_at, zone, i18n.current_locale)
            if proposal.starts_at
            else escape(proposal.place or "")
        )
        notify(
            replies,
            request.coordinator_id,
            _("{reference}: {name} stelt voor: {what}").format(
                reference=request.reference, name=escape(proposal.by), what=what
            ),
            markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=_("✓ Overnemen"),
                            callback_data=ProposalDecision(id=proposal.id, accept=True).pack(),
                        ),
                        InlineKeyboardButton(
                            text=_("✗ Nee"),
                            callback_data=ProposalDecision(id=proposal.id, accept=False).pack(),
                        ),
                    ],
                    [
                        InlineKeyboardButton(
                            text=_("📅 Datum en plaats"),
                            callback_data=Dates(conference=request.id, action="menu").pack(),
                        )
                    ],
                ]
            ),
        )


def router() -> Router:
    r = Router(name="availability")
    r.callback_query.filter(ButtonsOf(FamilyPropose, MeetingAnswer, NewDatesVote, VoteAnswer))
    r.callback_query.register(show_ballot, VoteAnswer.filter(F.slot == 0), OwnInvitation())
    r.callback_query.register(show_ballot, NewDatesVote.filter(F.slot == 0), OwnInvitation())
    r.callback_query.register(voted, VoteAnswer.filter(), OwnInvitation())
    r.callback_query.register(voted, NewDatesVote.filter(), OwnInvitation())
    r.callback_query.register(not_yours, VoteAnswer.filter())
    r.callback_query.register(not_yours, NewDatesVote.filter())
    r.callback_query.register(propose, FamilyPropose.filter(), OwnInvitation())
    r.callback_query.register(not_yours, FamilyPropose.filter())
    r.message.register(proposed, StateFilter(Proposing.text), HasText())
    r.callback_query.register(still, MeetingAnswer.filter(), OwnInvitation(), BeforeTheMeeting())
    r.callback_query.register(meeting_has_begun, MeetingAnswer.filter(), OwnInvitation())
    r.callback_query.register(not_yours, MeetingAnswer.filter())
    return r
