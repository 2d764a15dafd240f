"""The coordinator writes to (part of) the circle: choose who, type the message, check it,
send. The outbox sends it at Telegram's pace, shows the progress in one message and ends with
a delivery report."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

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

from conference.circle import circle
from conference.errors import AccessDenied
from conference.meeting import audience, left_out, reachable
from conference.model.circle import Group, Invitee
from conference.model.ids import ConferenceId
from conference.model.meeting import Audience
from conference.model.outbox import Batch, Outbound, Text
from conference.model.people import Person
from conference.model.request import ConferenceRequest
from conference.ports import UnitOfWork
from dialogs.callbacks import BroadcastStep
from dialogs.clock import now
from dialogs.filters import ButtonsOf, CoordinatorOf, HasText, UnderMessage
from dialogs.in_place import buttons_in_place
from dialogs.refusals import not_for_you
from dialogs.render.labels import group_label
from dialogs.render.texts import _, joined, ngettext, number
from dialogs.render.web_reach import web_page_only
from dialogs.replies import Replies
from dialogs.states import Broadcasting

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


# The coordinator's buttons (BroadcastStep): CoordinatorOf lets only this conference's
# coordinator through and gives the handler the conference.


async def start(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    uow: UnitOfWork,
    replies: Replies,
) -> None:
    """To whom: everyone, by answer, or a group (with how many each)."""
    people = await uow.invitees.of_conference(conference.id)
    replies.send(callback.answer())
    await state.clear()
    rows = [
        [
            InlineKeyboardButton(
                text=joined([_who(who, None), f"({number(len(audience(people, who)))})"], " "),
                callback_data=_step(conference.id, who.value),
            )
        ]
        for who in Audience
        if who is not Audience.GROUP
    ]
    rows += [
        [
            InlineKeyboardButton(
                text=joined([_who(Audience.GROUP, g), f"({number(n)})"], " "),
                callback_data=_step(conference.id, Audience.GROUP.value, g.value),
            )
        ]
        for g in Group
        if (n := len(audience(people, Audience.GROUP, g)))
    ]
    replies.send(
        message.answer(
            _("Aan wie stuur je een bericht?"),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )
    )


async def chose_audience(
    callback: CallbackQuery,
    callback_data: BroadcastStep,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    replies: Replies,
) -> None:
    if callback_data.group and callback_data.group not in GROUPS:
        replies.send(callback.answer(_("Die keuze ken ik niet."), show_alert=True))
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await state.set_state(Broadcasting.text)
    await state.set_data(
        {
            "conference": conference.id,
            "audience": callback_data.audience,
            "group": callback_data.group,
        }
    )
    replies.send(
        message.answer(
            _(
                "Typ je bericht. Iedereen krijgt het met een korte groet "
                "in zijn of haar eigen taal."
            )
        )
    )


async def typed(
    message: Message, state: FSMContext, uow: UnitOfWork, person: Person, replies: Replies
) -> None:
    """The message, shown back as it will arrive, with how many it reaches."""
    text = (message.text or "").strip()
    if not text or len(text) > MAX_TEXT:
        replies.send(
            message.answer(
                ngettext(
                    "Een bericht mag hoogstens {limit} teken hebben; dit heeft er {length}. "
                    "Kun je het korter maken?",
                    "Een bericht mag hoogstens {limit} tekens hebben; dit heeft er {length}. "
                    "Kun je het korter maken?",
                    MAX_TEXT,
                ).format(limit=MAX_TEXT, length=len(text))
            )
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
    if page_only := len(await web_page_only(uow, can)):
        note += " " + ngettext(
            "{count} van hen heeft geen Telegram en geen e-mail: bel die persoon.",
            "{count} van hen hebben geen Telegram en geen e-mail: bel hen.",
            page_only,
        ).format(count=page_only)
    replies.send(
        message.answer(
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
    )


async def send(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    """Checked and confirmed: the outbox sends it, each with a greeting in their language."""
    data = await state.get_data()
    if int(data["conference"]) != conference.id:
        await earlier_question(callback, replies)
        return
    people = await uow.invitees.of_conference(conference.id)
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
        replies.send(callback.answer(_("Opgeslagen ✓")))
        replies.send(buttons_in_place(message, reply_markup=None))
        replies.send(message.answer(_("Er is niemand om het naar te sturen.")))
        return
    await uow.outbox.enqueue(
        Batch(
            kind="broadcast",
            created_by=person.id,
            conference_id=conference.id,
            report_chat=person.id,
            report_locale=i18n.current_locale,
            skipped=never_opened,
            unreachable=blocked,
        ),
        messages,
        now(),
    )
    await uow.audit.record(person.id, "circle.messaged", conference.id)
    await state.clear()
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(buttons_in_place(message, reply_markup=None))


async def stop(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    await state.clear()
    replies.send(callback.answer(_("Niet verstuurd.")))
    replies.send(buttons_in_place(message, reply_markup=None))


async def earlier_question(callback: CallbackQuery, replies: Replies) -> None:
    """A coordinator's button from an earlier question (or a step already past)."""
    replies.send(callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True))


AUDIENCES = [a.value for a in Audience]
GROUPS = [g.value for g in Group]


def router() -> Router:
    r = Router(name="broadcast")
    r.callback_query.filter(ButtonsOf(BroadcastStep))
    coordinator, on_message = CoordinatorOf(), UnderMessage()
    r.callback_query.register(
        start, BroadcastStep.filter(F.audience == "start"), coordinator, on_message
    )
    r.callback_query.register(
        chose_audience,
        BroadcastStep.filter(F.audience.in_(AUDIENCES)),
        coordinator,
        on_message,
    )
    r.callback_query.register(
        send,
        BroadcastStep.filter(F.audience == "send"),
        StateFilter(Broadcasting.confirm),
        coordinator,
        on_message,
    )
    r.callback_query.register(
        stop, BroadcastStep.filter(F.audience == "stop"), coordinator, on_message
    )
    r.callback_query.register(earlier_question, BroadcastStep.filter(), coordinator)
    r.callback_query.register(not_for_you, BroadcastStep.filter())
    r.message.register(typed, StateFilter(Broadcasting.text), HasText())
    return r


def _group(data: dict[str, str]) -> Group | None:
    return Group(data["group"]) if data.get("group") else None


def _chosen(people: Sequence[Invitee], data: dict[str, str]) -> list[Invitee]:
    return audience(people, Audience(data["audience"]), _group(data))
