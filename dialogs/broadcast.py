"""The coordinator writes to (part of) the circle: choose who, type the message, check it,
send. The outbox sends it at Telegram's pace, shows the progress in one message and ends with
a delivery report."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from conference.circle import circle
from conference.errors import AccessDenied
from conference.meeting import audience, left_out, reachable
from conference.model.circle import Group, Invitee
from conference.model.ids import ConferenceId
from conference.model.meeting import Audience
from conference.model.outbox import Batch, Outbound, Text
from conference.model.people import Person
from conference.ports import UnitOfWork
from dialogs.callbacks import BroadcastStep
from dialogs.clock import now
from dialogs.filters import HasText
from dialogs.labels import group_label
from dialogs.states import Broadcasting
from dialogs.texts import _, joined, ngettext, number

MAX_TEXT = 3000  # leaves room for the greeting within Telegram's 4096 characters


def _who(who: Audience, group: Group | None) -> str:
    if who is Audience.GROUP and group is not None:
        return _("groep: {group}").format(group=group_label(group))
    return {
        Audience.EVERYONE: _("iedereen"),
        Audience.YES: _("wie ja zei"),
        Audience.MAYBE: _("wie misschien zei"),
        Audience.NOT_ANSWERED: _("wie nog niet antwoordde"),
        Audience.GROUP: _("een groep"),
    }[who]


def _step(conference: int, who: str, group: str = "") -> str:
    return BroadcastStep(conference=conference, audience=who, group=group).pack()


def router() -> Router:
    r = Router(name="broadcast")

    @r.callback_query(BroadcastStep.filter())
    async def step(
        callback: CallbackQuery,
        callback_data: BroadcastStep,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
        i18n: I18n,
    ) -> None:
        message, conference = callback.message, ConferenceId(callback_data.conference)
        try:
            _request, people = await circle(uow, person.id, conference)
        except AccessDenied:
            await callback.answer(
                _("Dit is alleen voor de coördinator van deze conferentie."), show_alert=True
            )
            return
        if not isinstance(message, Message):
            await callback.answer()
            return
        choice = callback_data.audience
        if choice == "start":
            await callback.answer()
            await state.clear()
            rows = [
                [
                    InlineKeyboardButton(
                        text=joined(
                            [_who(who, None), f"({number(len(audience(people, who)))})"], " "
                        ),
                        callback_data=_step(conference, who.value),
                    )
                ]
                for who in Audience
                if who is not Audience.GROUP
            ]
            rows += [
                [
                    InlineKeyboardButton(
                        text=joined([_who(Audience.GROUP, g), f"({number(n)})"], " "),
                        callback_data=_step(conference, Audience.GROUP.value, g.value),
                    )
                ]
                for g in Group
                if (n := len(audience(people, Audience.GROUP, g)))
            ]
            await message.answer(
                _("Aan wie stuur je een bericht?"),
                reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
            )
        elif choice in Audience._value2member_map_:
            if callback_data.group and callback_data.group not in Group._value2member_map_:
                await callback.answer(_("Die keuze ken ik niet."), show_alert=True)
                return
            await callback.answer(_("Opgeslagen ✓"))
            await state.set_state(Broadcasting.text)
            await state.set_data(
                {"conference": conference, "audience": choice, "group": callback_data.group}
            )
            await message.answer(
                _(
                    "Typ je bericht. Iedereen krijgt het met een korte groet "
                    "in zijn of haar eigen taal."
                )
            )
        elif choice == "send" and await state.get_state() == Broadcasting.confirm.state:
            await _send(callback, message, state, uow, person, i18n, conference, people)
        elif choice == "stop":
            await state.clear()
            await callback.answer(_("Niet verstuurd."))
            await message.edit_reply_markup(reply_markup=None)
        else:
            await callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True)

    @r.message(StateFilter(Broadcasting.text), HasText())
    async def typed(message: Message, state: FSMContext, uow: UnitOfWork, person: Person) -> None:
        text = (message.text or "").strip()
        if not text or len(text) > MAX_TEXT:
            await message.answer(
                ngettext(
                    "Een bericht mag hoogstens {limit} teken hebben; dit heeft er {length}. "
                    "Kun je het korter maken?",
                    "Een bericht mag hoogstens {limit} tekens hebben; dit heeft er {length}. "
                    "Kun je het korter maken?",
                    MAX_TEXT,
                ).format(limit=MAX_TEXT, length=len(text))
            )
            return
        data = await state.get_data()
        conference = ConferenceId(data["conference"])
        try:
            _request, people = await circle(uow, person.id, conference)
        except AccessDenied:
            await state.clear()
            return
        chosen = _chosen(people, data)
        can, cannot = reachable(chosen)
        await state.update_data(text=text)
        await state.set_state(Broadcasting.confirm)
        note = ngettext(
            "Naar {count} persoon ({who}).", "Naar {count} mensen ({who}).", len(can)
        ).format(count=len(can), who=_who(Audience(data["audience"]), _group(data)))
        if cannot:
            note += " " + ngettext(
                "{count} van hen is niet te bereiken via de bot.",
                "{count} van hen zijn niet te bereiken via de bot.",
                len(cannot),
            ).format(count=len(cannot))
        await message.answer(
            _("<b>Voorbeeld</b>") + "\n\n" + escape(text) + "\n\n" + note,
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=_("📣 Versturen"), callback_data=_step(conference, "send")
                        )
                    ],
                    [
                        InlineKeyboardButton(
                            text=_("Niet versturen"), callback_data=_step(conference, "stop")
                        )
                    ],
                ]
            ),
        )

    return r


def _group(data: dict[str, str]) -> Group | None:
    return Group(data["group"]) if data.get("group") else None


def _chosen(people: Sequence[Invitee], data: dict[str, str]) -> list[Invitee]:
    return audience(people, Audience(data["audience"]), _group(data))


async def _send(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    conference: ConferenceId,
    people: Sequence[Invitee],
) -> None:
    data = await state.get_data()
    if int(data["conference"]) != conference:
        await callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True)
        return
    staff = await uow.staff.get(person.id)
    can, cannot = reachable(_chosen(people, data))
    never_opened, blocked = left_out(cannot)
    messages = []
    for invitee in can:
        with i18n.use_locale(invitee.locale):
            header = _("Bericht van je coördinator {name}:").format(
                name=escape(staff.name if staff else person.first_name)
            )
        assert invitee.person_id is not None
        messages.append(
            Outbound(
                invitee.person_id, invitee.id, (Text(header + "\n\n" + escape(data["text"])),)
            )
        )
    if not messages:
        await state.clear()
        await callback.answer(_("Opgeslagen ✓"))
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(_("Er is niemand om het naar te sturen."))
        return
    await uow.outbox.enqueue(
        Batch(
            kind="broadcast",
            created_by=person.id,
            conference_id=conference,
            report_chat=person.id,
            report_locale=i18n.current_locale,
            skipped=never_opened,
            unreachable=blocked,
        ),
        messages,
        now(),
    )
    await state.clear()
    await callback.answer(_("Opgeslagen ✓"))
    await message.edit_reply_markup(reply_markup=None)
