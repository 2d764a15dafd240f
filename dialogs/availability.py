"""The invited person and the dates: one message with a button per proposed date that changes
in place (✅ can → 🟡 if need be → ❌ can't), the main person's own proposals, and the answer
to a changed date ("I can still come" / "I can't come anymore")."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from conference.circle import answer
from conference.errors import MeetingError, NotFound, SlotError
from conference.meeting import my_ballot, propose_by_family, vote
from conference.model.circle import Invitee, Rsvp
from conference.model.meeting import Slot, Vote
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
from dialogs.filters import HasText
from dialogs.labels import slot_problem_text, vote_button_text
from dialogs.outbound import coordinator_language, deliver, when
from dialogs.owned import owned
from dialogs.replies import Replies
from dialogs.rsvp_news import tell_coordinator
from dialogs.states import Proposing
from dialogs.texts import _

_CYCLE = {None: Vote.YES, Vote.YES: Vote.IF_NEED_BE, Vote.IF_NEED_BE: Vote.NO, Vote.NO: Vote.YES}


def ballot(
    invitee: Invitee,
    slots: Sequence[Slot],
    votes: dict[int, Vote],
    zone: ZoneInfo,
    locale: str,
    saved: bool = False,
    since: int = 0,
) -> tuple[str, InlineKeyboardMarkup]:
    """The whole vote in one message: the text says how and what the symbols mean, each
    button shows the current choice (a symbol) and a date, and a tap moves it on. With
    `since`, only the dates added from that one on (for those who voted on the earlier ones
    already)."""
    text = (
        _(
            "Wanneer kun je? Tik op een datum om te kiezen: ✅ kan, 🟡 als het moet, ❌ kan "
            "niet. Tik nog eens om te veranderen."
        )
        + "\n"
        + _("❔ nog niet gekozen")
    )
    if saved:
        text = _("Opgeslagen ✓") + "\n\n" + text
    rows = [
        [
            InlineKeyboardButton(
                text=vote_button_text(votes.get(s.id), s.starts_at, zone, locale),
                callback_data=(
                    NewDatesVote(invitee=invitee.id, slot=s.id, since=since)
                    if since
                    else VoteAnswer(invitee=invitee.id, slot=s.id)
                ).pack(),
            )
        ]
        for s in slots
        if s.id >= since
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def router() -> Router:
    r = Router(name="availability")

    @r.callback_query(NewDatesVote.filter())
    @r.callback_query(VoteAnswer.filter())
    async def voted(
        callback: CallbackQuery,
        callback_data: VoteAnswer | NewDatesVote,
        uow: UnitOfWork,
        person: Person,
        i18n: I18n,
        zone: ZoneInfo,
    ) -> None:
        if (found := await owned(callback, uow, person, callback_data.invitee)) is None:
            return
        invitee, message = found
        _invitee, slots, votes = await my_ballot(uow, person.id, invitee.id)
        if callback_data.slot:
            current = votes.get(callback_data.slot)
            choice = (
                Vote(callback_data.vote)
                if callback_data.vote in Vote._value2member_map_
                else _CYCLE[current]
            )
            try:
                await vote(uow, person.id, invitee.id, callback_data.slot, choice, now())
            except NotFound:
                await callback.answer(_("Die datum staat niet meer op de lijst."), show_alert=True)
                return
            except MeetingError:
                await callback.answer(
                    _("De datum staat al vast, kiezen kan niet meer."), show_alert=True
                )
                return
            votes = {**votes, callback_data.slot: choice}
            await callback.answer(_("Opgeslagen ✓"))
            text, markup = ballot(
                invitee,
                slots,
                votes,
                zone,
                i18n.current_locale,
                saved=True,
                since=getattr(callback_data, "since", 0),
            )
            await message.edit_text(text, reply_markup=markup)
            return
        await callback.answer()
        if not slots:
            await message.answer(
                _("Er zijn nog geen datums voorgesteld. Je hoort het zodra dat zo is.")
            )
            return
        text, markup = ballot(invitee, slots, votes, zone, i18n.current_locale)
        await message.answer(text, reply_markup=markup)

    @r.callback_query(FamilyPropose.filter())
    async def propose(
        callback: CallbackQuery,
        callback_data: FamilyPropose,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
    ) -> None:
        if (found := await owned(callback, uow, person, callback_data.invitee)) is None:
            return
        invitee, message = found
        await callback.answer()
        await state.set_state(Proposing.text)
        await state.set_data({"invitee": invitee.id})
        await message.answer(
            _(
                "Het is jullie conferentie. Typ een datum met tijd (bijvoorbeeld "
                "za 3 juli 10:00) of een plek (bijvoorbeeld: bij oma thuis). "
                "De coördinator neemt het met één tik over."
            )
        )

    @r.message(StateFilter(Proposing.text), HasText())
    async def proposed(
        message: Message,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
        i18n: I18n,
        zone: ZoneInfo,
        bot: Bot,
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
            await message.answer(slot_problem_text(error, zone, i18n.current_locale))
            return
        except (NotFound, MeetingError):
            await state.clear()
            await message.answer(_("Voorstellen kan nu niet (meer)."))
            return
        await state.clear()
        await message.answer(_("Opgeslagen ✓ De coördinator krijgt je voorstel."))
        async with coordinator_language(uow, i18n, proposal.conference_id) as request:
            if request is None or request.coordinator_id is None:
                return
            what = (
                when(proposal.starts_at, zone, i18n.current_locale)
                if proposal.starts_at
                else escape(proposal.place or "")
            )
            await deliver(
                bot,
                uow,
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
                                callback_data=ProposalDecision(
                                    id=proposal.id, accept=False
                                ).pack(),
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

    @r.callback_query(MeetingAnswer.filter())
    async def still(
        callback: CallbackQuery,
        callback_data: MeetingAnswer,
        uow: UnitOfWork,
        person: Person,
        i18n: I18n,
        zone: ZoneInfo,
        replies: Replies,
        policy: Policy,
    ) -> None:
        if (found := await owned(callback, uow, person, callback_data.invitee)) is None:
            return
        invitee, message = found
        choice = Rsvp.YES if callback_data.coming else Rsvp.NO
        answered = await answer(uow, person.id, invitee.id, choice, policy=policy, now=now())
        await callback.answer(_("Opgeslagen ✓"))
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(
            _("Fijn, tot dan! Opgeslagen ✓")
            if callback_data.coming
            else _(
                "Jammer, dank je wel dat je het laat weten. De coördinator hoort het meteen. "
                "Opgeslagen ✓"
            )
        )
        await tell_coordinator(replies, uow, i18n, zone, answered, invitee.rsvp)

    return r
