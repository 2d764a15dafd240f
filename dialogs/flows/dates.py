"""The coordinator and the dates: propose dates, see who can when (a ranking and a picture),
take over what the family proposes, and nudge those who have not answered."""

from __future__ import annotations

import asyncio
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
)
from aiogram.utils.i18n import I18n

from conference.errors import AccessDenied, MeetingError, NotFound, SlotError
from conference.meeting import availability, decide_proposal, nudge, propose_slots, slot_time
from conference.model.ids import ConferenceId
from conference.model.meeting import Availability, Meeting, Vote
from conference.model.people import Person
from conference.model.request import ConferenceRequest
from conference.ports import UnitOfWork
from dialogs.callbacks import Dates, FixSlot, ProposalDecision
from dialogs.clock import now
from dialogs.filters import ButtonsOf, CoordinatorOf, HasText, UnderMessage
from dialogs.flows.fix_meeting import ask_cancel, ask_when, call_off, confirmed, earlier_question
from dialogs.in_place import buttons_in_place
from dialogs.refusals import not_for_you
from dialogs.render.announce import ask_votes, nudge_people, tell_person
from dialogs.render.buttons import dates_button, nudge_button
from dialogs.render.labels import listed, short_when, slot_parts, slot_problem_text, vote_label
from dialogs.render.texts import _, joined, labelled, ngettext
from dialogs.replies import Replies
from dialogs.states import Dating
from dialogs.to_others import when


def _button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=text, callback_data=data)]


async def show_dates(
    callback: CallbackQuery,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    await _menu(replies, message, uow, person, conference.id, i18n, zone)


async def ask_for_dates(
    callback: CallbackQuery,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    await state.set_state(Dating.slots)
    await state.set_data({"conference": conference.id})
    replies.send(
        message.answer(
            _(
                "Typ 2 tot 8 datums met een begintijd. Zet elke datum op een eigen regel. "
                "Bijvoorbeeld:"
                "\n3-7 10:00\nza 10 juli 14:00\n2027-07-17 10:00"
            )
        )
    )


async def nudge_unanswered(
    callback: CallbackQuery,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    nudged, cannot = await nudge(uow, person.id, conference.id)
    await nudge_people(uow, i18n, person, conference.id, nudged)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    text = ngettext(
        "{count} persoon krijgt een vriendelijke vraag of die kan komen (nee zeggen mag ook).",
        "{count} mensen krijgen een vriendelijke vraag of ze kunnen komen (nee zeggen mag ook).",
        len(nudged),
    ).format(count=len(nudged))
    if cannot:
        text += "\n" + _(
            "Nog niet te bereiken via de bot (link niet geopend): "
            "{names}. Stuur hun link nog eens, bijvoorbeeld via "
            "WhatsApp."
        ).format(names=listed([escape(p.name) for p in cannot]))
    replies.send(message.answer(text))


async def fix_date(
    callback: CallbackQuery,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """Fix the date (or change the fixed one): the questions in dialogs/flows/fix_meeting.py."""
    replies.send(callback.answer())
    await ask_when(replies, message, state, uow, person, conference.id, zone)


async def fix_ranked_slot(
    callback: CallbackQuery,
    callback_data: FixSlot,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """From the ranking: the date is chosen, on to the venue."""
    try:
        await slot_time(uow, person.id, conference.id, callback_data.slot)
    except NotFound:
        replies.send(callback.answer(_("Die datum ken ik niet (meer)."), show_alert=True))
        return
    replies.send(callback.answer())
    await ask_when(
        replies, message, state, uow, person, conference.id, zone, slot=callback_data.slot
    )


async def ask_to_cancel(
    callback: CallbackQuery,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    await ask_cancel(replies, message, uow, person, conference.id)


async def typed_dates(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    conference = ConferenceId((await state.get_data())["conference"])
    locale = i18n.current_locale
    try:
        added, ask = await propose_slots(
            uow,
            person.id,
            conference,
            message.text or "",
            now(),
            zone,
            (locale, *i18n.available_locales),
        )
    except SlotError as error:
        replies.send(
            message.answer(
                slot_problem_text(error, zone, locale)
                + "\n"
                + _("Typ de datums nog eens (elk op een eigen regel).")
            )
        )
        return
    except (AccessDenied, MeetingError):
        await state.clear()
        replies.send(message.answer(_("Dit is alleen voor de coördinator van deze conferentie.")))
        return
    await state.clear()
    queued = await ask_votes(uow, i18n, zone, person, conference, ask, added)
    replies.send(
        message.answer(
            _("Opgeslagen ✓ Voorgesteld:")
            + "\n"
            + "\n".join(labelled("•", when(s.starts_at, zone, locale)) for s in added)
            + "\n\n"
            + ngettext(
                "{count} persoon krijgt de vraag wanneer die kan.",
                "{count} mensen krijgen de vraag wanneer ze kunnen.",
                queued,
            ).format(count=queued),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[dates_button(conference)]),
        )
    )


async def decided(
    callback: CallbackQuery,
    callback_data: ProposalDecision,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """The family's proposal, taken over or not. The button names the proposal, not the
    conference: the use case checks who may decide."""
    try:
        found, added = await decide_proposal(
            uow, person.id, callback_data.id, callback_data.accept, now()
        )
    except (AccessDenied, NotFound):
        replies.send(
            callback.answer(_("Hierover is al beslist, of het is niet voor jou."), show_alert=True)
        )
        return
    except (SlotError, MeetingError):
        replies.send(
            callback.answer(
                _(
                    "Dat kan niet meer. De datum is voorbij, er zijn al 8 "
                    "datums, of de datum staat al vast."
                ),
                show_alert=True,
            )
        )
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))
    if added is not None:
        people = await uow.invitees.of_conference(found.conference_id)
        await ask_votes(
            uow,
            i18n,
            zone,
            person,
            found.conference_id,
            [p for p in people if p.rsvp is not None or p.opened],
            (added,),
        )
    proposer = await uow.invitees.get(found.invitee_id)
    if proposer is not None and callback_data.accept:
        with i18n.use_locale(proposer.locale):
            await tell_person(
                uow,
                person,
                found.conference_id,
                proposer,
                _("De coördinator heeft je voorstel overgenomen. Dank je wel!"),
            )
    replies.send(buttons_in_place(message, reply_markup=None))
    await _menu(replies, message, uow, person, found.conference_id, i18n, zone)


def router() -> Router:
    r = Router(name="dates")
    r.callback_query.filter(ButtonsOf(Dates, FixSlot, ProposalDecision))
    coordinator, on_message = CoordinatorOf(), UnderMessage()
    for handler, action in (
        (show_dates, "menu"),
        (ask_for_dates, "propose"),
        (nudge_unanswered, "nudge"),
        (ask_to_cancel, "cancel"),
        (call_off, "cancel_yes"),
    ):
        r.callback_query.register(
            handler, Dates.filter(F.action == action), coordinator, on_message
        )
    r.callback_query.register(
        fix_date, Dates.filter(F.action.in_({"fix", "change"})), coordinator, on_message
    )
    r.callback_query.register(
        confirmed,
        Dates.filter(F.action == "send"),
        StateFilter(Dating.confirm),
        coordinator,
        on_message,
    )
    r.callback_query.register(earlier_question, Dates.filter(), coordinator)
    r.message.register(typed_dates, StateFilter(Dating.slots), HasText())
    r.callback_query.register(decided, ProposalDecision.filter(), on_message)
    # a date from the ranking; while fixing, dialogs/flows/fix_meeting.py takes the slot buttons
    r.callback_query.register(
        fix_ranked_slot, FixSlot.filter(), ~StateFilter(Dating.when), coordinator, on_message
    )
    # last: the same buttons, pressed by someone who is not the conference's coordinator
    r.callback_query.register(not_for_you, Dates.filter())
    r.callback_query.register(not_for_you, FixSlot.filter(), ~StateFilter(Dating.when))
    return r


def _score_line(
    index: int, label: str, yes: int, maybe: int, no: int, none: int, blocked: int
) -> str:
    line = _("{index}. {slot}: ✅ {yes} · 🟡 {maybe} · ❌ {no} · ❔ {none}").format(
        index=index, slot=label, yes=yes, maybe=maybe, no=no, none=none
    )
    if blocked:
        line += " " + ngettext(
            "⚠ {count} die er zeker bij moet zijn, kan niet",
            "⚠ {count} die er zeker bij moeten zijn, kunnen niet",
            blocked,
        ).format(count=blocked)
    return line


async def _menu(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
    i18n: I18n,
    zone: ZoneInfo,
) -> None:
    found = await availability(uow, person.id, conference)
    meeting = await uow.meetings.get(conference)
    locale = i18n.current_locale
    if meeting.fixed:
        replies.send(
            chat.answer(
                _fixed_text(meeting, zone, locale),
                reply_markup=InlineKeyboardMarkup(
                    inline_keyboard=[
                        _button(
                            _("✏️ Datum, tijd of plaats wijzigen"),
                            Dates(conference=conference, action="change").pack(),
                        ),
                        _button(
                            _("✖️ Afzeggen"), Dates(conference=conference, action="cancel").pack()
                        ),
                    ]
                ),
            )
        )
        return
    lines = ["<b>" + _("Wanneer kan iedereen?") + "</b>"]
    if not found.slots:
        lines.append(_("Nog geen datums voorgesteld."))
    for i, score in enumerate(found.scores, start=1):
        lines.append(
            _score_line(
                i,
                when(score.slot.starts_at, zone, locale),
                score.yes,
                score.if_need_be,
                score.no,
                score.no_answer,
                score.must_attend_no,
            )
        )
    rows = [
        _button(
            "📌 "
            + _("Vastzetten: {slot}").format(slot=short_when(s.slot.starts_at, zone, locale)),
            FixSlot(conference=conference, slot=s.slot.id).pack(),
        )
        for s in found.scores
    ]
    for proposal in await uow.meetings.proposals(conference):
        what = (
            when(proposal.starts_at, zone, locale)
            if proposal.starts_at
            else escape(proposal.place or "")
        )
        lines.append(_("Voorstel van {name}: {what}").format(name=escape(proposal.by), what=what))
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("✓ Overnemen"),
                    callback_data=ProposalDecision(id=proposal.id, accept=True).pack(),
                ),
                InlineKeyboardButton(
                    text=_("✗ Nee"),
                    callback_data=ProposalDecision(id=proposal.id, accept=False).pack(),
                ),
            ]
        )
    if len(found.slots) < 8:
        rows.append(
            _button(
                _("➕ Datums voorstellen"), Dates(conference=conference, action="propose").pack()
            )
        )
    rows.append(
        _button(_("📌 Andere datum vastzetten"), Dates(conference=conference, action="fix").pack())
    )
    rows.append(nudge_button(conference))
    if found.slots:
        # rendering takes ~50 ms a page: not on the event loop (contextvars go along)
        pages = await asyncio.to_thread(_matrix, found, zone, locale)
        for page in pages:  # 20 people a page: a phone shrinks one tall picture too far
            replies.send(
                chat.answer_photo(
                    BufferedInputFile(page, filename="beschikbaarheid.png"),
                    caption=_("Wie kan wanneer"),
                    protect_content=True,
                )
            )
    replies.send(
        chat.answer(
            "\n".join(lines),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
            protect_content=True,
        )
    )


def _matrix(found: Availability, zone: ZoneInfo, locale: str) -> list[bytes]:
    # Imported here: Pillow is loaded when the first matrix is drawn, not at start-up.
    from dialogs.render.matrix import MatrixRow, MatrixTexts, render_matrix_pages

    order = [s.slot for s in found.scores]
    best = 0 if found.scores and found.scores[0].must_attend_no == 0 else None
    columns = [slot_parts(slot.starts_at, zone, locale) for slot in order]
    rows = [
        MatrixRow(p.name, p.must_attend, [found.ballots.get(p.id, {}).get(s.id) for s in order])
        for p in found.people
    ]
    texts = MatrixTexts(
        title=_("Wie kan wanneer"),
        yes=vote_label_plain("yes"),
        if_need_be=vote_label_plain("ifneedbe"),
        no=vote_label_plain("no"),
        no_answer=vote_label_plain(None),
        must_attend=_("moet er zeker bij zijn"),
        total=_("kunnen (ja + als het moet)"),
    )
    return render_matrix_pages(rows, columns, texts, best=best)


def vote_label_plain(vote: str | None) -> str:
    """The legend's words: the label without its symbol (the picture draws its own)."""
    label = vote_label(Vote(vote) if vote else None)
    return label.split(" ", 1)[1] if " " in label else label


def _fixed_text(meeting: Meeting, zone: ZoneInfo, locale: str) -> str:
    assert meeting.starts_at is not None
    lines = [
        "<b>" + _("De datum staat vast") + "</b>",
        labelled("📅", when(meeting.starts_at, zone, locale)),
    ]
    if meeting.venue:
        lines.append(
            labelled(
                "📍",
                joined([escape(meeting.venue.name), escape(meeting.venue.address or "")], ", "),
            )
        )
    return "\n".join(lines)
