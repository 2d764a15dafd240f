"""The coordinator and the dates: propose dates, see who can when (a ranking and a picture),
take over what the family proposes, and nudge those who have not answered."""

from __future__ import annotations

import asyncio
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n

from conference.circle import circle
from conference.errors import AccessDenied, MeetingError, NotFound, SlotError
from conference.meeting import availability, decide_proposal, nudge, propose_slots, slot_time
from conference.model.ids import ConferenceId
from conference.model.meeting import Availability, Meeting, Vote
from conference.model.people import Person
from conference.model.reminders import Policy
from conference.ports import UnitOfWork
from dialogs.announce import ask_votes, nudge_people, tell_person
from dialogs.buttons import dates_button, nudge_button
from dialogs.callbacks import Dates, FixSlot, ProposalDecision
from dialogs.clock import now
from dialogs.filters import HasText
from dialogs.fixing import ask_cancel, ask_when, cancel, confirmed
from dialogs.labels import listed, short_when, slot_parts, slot_problem_text, vote_label
from dialogs.outbound import when
from dialogs.states import Dating
from dialogs.texts import _, joined, labelled, ngettext


def not_yours() -> str:
    return _("Dit is alleen voor de coördinator van deze conferentie.")


def _button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=text, callback_data=data)]


def router() -> Router:
    r = Router(name="dates")

    @r.callback_query(Dates.filter())
    async def dates(
        callback: CallbackQuery,
        callback_data: Dates,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
        i18n: I18n,
        zone: ZoneInfo,
        policy: Policy,
        organisation: str,
    ) -> None:
        message, conference = callback.message, ConferenceId(callback_data.conference)
        if not isinstance(message, Message):
            await callback.answer()
            return
        action = callback_data.action
        try:
            await circle(uow, person.id, conference)  # before anything is answered
        except AccessDenied:
            await callback.answer(not_yours(), show_alert=True)
            return
        try:
            if action == "menu":
                await callback.answer()
                await _menu(message, uow, person, conference, i18n, zone)
            elif action == "propose":
                await callback.answer()
                await state.set_state(Dating.slots)
                await state.set_data({"conference": conference})
                await message.answer(
                    _(
                        "Typ 2 tot 8 datums met een begintijd. Zet elke datum op een eigen regel. "
                        "Bijvoorbeeld:"
                        "\n3-7 10:00\nza 10 juli 14:00\n2027-07-17 10:00"
                    )
                )
            elif action == "nudge":
                nudged, cannot = await nudge(uow, person.id, conference)
                await nudge_people(uow, i18n, person, conference, nudged)
                await callback.answer(_("Opgeslagen ✓"))
                text = ngettext(
                    "{count} persoon krijgt een vriendelijke vraag of die kan "
                    "komen (nee zeggen mag ook).",
                    "{count} mensen krijgen een vriendelijke vraag of ze kunnen "
                    "komen (nee zeggen mag ook).",
                    len(nudged),
                ).format(count=len(nudged))
                if cannot:
                    text += "\n" + _(
                        "Nog niet te bereiken via de bot (link niet geopend): "
                        "{names}. Stuur hun link nog eens, bijvoorbeeld via "
                        "WhatsApp."
                    ).format(names=listed([escape(p.name) for p in cannot]))
                await message.answer(text)
            elif action in ("fix", "change"):
                await callback.answer()
                await ask_when(message, state, uow, person, conference, zone)
            elif action == "cancel":
                await callback.answer()
                await ask_cancel(message, uow, person, conference)
            elif action == "cancel_yes":
                await cancel(callback, message, uow, person, conference, i18n, zone, organisation)
            elif action == "send":
                await confirmed(
                    callback, message, state, uow, person, i18n, zone, policy, organisation
                )
            else:
                await callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True)
        except (AccessDenied, NotFound):
            await callback.answer(not_yours(), show_alert=True)
        except MeetingError:
            await callback.answer(
                _("De datum staat al vast. Wijzig hem via 'Datum en plaats'."), show_alert=True
            )

    @r.message(StateFilter(Dating.slots), HasText())
    async def typed(
        message: Message,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
        i18n: I18n,
        zone: ZoneInfo,
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
            await message.answer(
                slot_problem_text(error, zone, locale)
                + "\n"
                + _("Typ de datums nog eens (elk op een eigen regel).")
            )
            return
        except (AccessDenied, MeetingError):
            await state.clear()
            await message.answer(not_yours())
            return
        await state.clear()
        queued = await ask_votes(uow, i18n, zone, person, conference, ask, added)
        await message.answer(
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

    @r.callback_query(ProposalDecision.filter())
    async def decided(
        callback: CallbackQuery,
        callback_data: ProposalDecision,
        uow: UnitOfWork,
        person: Person,
        i18n: I18n,
        zone: ZoneInfo,
    ) -> None:
        try:
            found, added = await decide_proposal(
                uow, person.id, callback_data.id, callback_data.accept, now()
            )
        except (AccessDenied, NotFound):
            await callback.answer(
                _("Hierover is al beslist, of het is niet voor jou."), show_alert=True
            )
            return
        except (SlotError, MeetingError):
            await callback.answer(
                _(
                    "Dat kan niet meer. De datum is voorbij, er zijn al 8 "
                    "datums, of de datum staat al vast."
                ),
                show_alert=True,
            )
            return
        await callback.answer(_("Opgeslagen ✓"))
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
        if isinstance(callback.message, Message):
            await callback.message.edit_reply_markup(reply_markup=None)
            await _menu(callback.message, uow, person, found.conference_id, i18n, zone)

    @r.callback_query(FixSlot.filter(), ~StateFilter(Dating.when))
    async def fix_from_menu(
        callback: CallbackQuery,
        callback_data: FixSlot,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
        zone: ZoneInfo,
    ) -> None:
        # From the ranking: the date is chosen, on to the venue.
        conference = ConferenceId(callback_data.conference)
        try:
            await slot_time(uow, person.id, conference, callback_data.slot)
        except (AccessDenied, MeetingError):
            await callback.answer(not_yours(), show_alert=True)
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await ask_when(
                callback.message, state, uow, person, conference, zone, slot=callback_data.slot
            )

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
    chat: Message,
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
        await chat.answer(
            _fixed_text(meeting, zone, locale),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    _button(
                        _("✏️ Datum, tijd of plaats wijzigen"),
                        Dates(conference=conference, action="change").pack(),
                    ),
                    _button(_("✖️ Afzeggen"), Dates(conference=conference, action="cancel").pack()),
                ]
            ),
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
            await chat.answer_photo(
                BufferedInputFile(page, filename="beschikbaarheid.png"),
                caption=_("Wie kan wanneer"),
                protect_content=True,
            )
    await chat.answer(
        "\n".join(lines),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        protect_content=True,
    )


def _matrix(found: Availability, zone: ZoneInfo, locale: str) -> list[bytes]:
    # Imported here: Pillow is loaded when the first matrix is drawn, not at start-up.
    from dialogs.matrix import MatrixRow, MatrixTexts, render_matrix_pages

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
