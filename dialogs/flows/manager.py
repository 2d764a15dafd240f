"""The regional manager: open requests (/requests), read one, assign a coordinator."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
)
from aiogram.utils.i18n import I18n

from conference.assignment import assign, candidates, open_requests
from conference.errors import AccessDenied, AlreadyAssigned, NotFound
from conference.model.ids import ConferenceId, PersonId
from conference.model.outbox import Outbound, Text
from conference.model.people import Person, StaffRole
from conference.model.request import FAMILY_LANGUAGE_CHOICES, Candidate, Fit, Overdue, Status
from conference.ports import UnitOfWork
from conference.requests import open_request
from dialogs.callbacks import AssignTo, OpenConference, OpenRequest
from dialogs.clock import now
from dialogs.filters import ButtonsOf, HasRole, UnderMessage
from dialogs.in_place import buttons_in_place
from dialogs.refusals import managers_only
from dialogs.render.labels import language_names
from dialogs.render.request_summary import ago, request_details
from dialogs.render.texts import _, joined, labelled
from dialogs.replies import Replies
from dialogs.to_others import notify

MAX_LISTED = 30


def _fits(candidate: Candidate) -> str:
    labels = {Fit.PREFERENCE: _("voorkeur"), Fit.LANGUAGE: _("taal"), Fit.REGION: _("regio")}
    met = [
        labels[fit] + " ✓"
        for fit in (Fit.PREFERENCE, Fit.LANGUAGE, Fit.REGION)
        if fit in candidate.fits
    ]
    member = candidate.coordinator
    about = joined(
        [
            joined(member.languages, ", ") or "?",
            escape(member.region or "?"),
            _("{count} open").format(count=candidate.open_conferences),
        ],
        "; ",
    )
    line = joined([escape(member.name), "(" + about + ")"], " ")
    return labelled("•", labelled(line + ":", joined(met, ", ")) if met else line)


async def list_requests(
    message: Message, uow: UnitOfWork, person: Person, replies: Replies
) -> None:
    waiting = await open_requests(uow, person.id)
    if not waiting:
        replies.send(message.answer(_("Er zijn geen open aanvragen. Fijn!")))
        return
    today = now()
    rows = [
        [
            InlineKeyboardButton(
                text=joined(
                    [request.reference, request.region[:24], ago(request.created_at, today)]
                ),
                callback_data=OpenRequest(id=request.id).pack(),
            )
        ]
        for request in waiting[:MAX_LISTED]
    ]
    replies.send(
        message.answer(
            _("<b>Open aanvragen</b> ({count}), nieuwste eerst:").format(count=len(waiting)),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )
    )


async def open_(
    callback: CallbackQuery,
    callback_data: OpenRequest,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    try:
        request = await open_request(uow, person.id, ConferenceId(callback_data.id))
    except AccessDenied:  # the managers, and the request's own coordinator, may open it
        replies.send(callback.answer(_("Dit is alleen voor regiomanagers."), show_alert=True))
        return
    except NotFound:
        replies.send(callback.answer(_("Deze aanvraag bestaat niet (meer)."), show_alert=True))
        return
    replies.send(callback.answer())
    text = request_details(request, zone, i18n.current_locale, now())
    markup = None
    if request.status is Status.NEW and request.coordinator_id is None:
        names = language_names(
            (*FAMILY_LANGUAGE_CHOICES, *request.family_languages), i18n.available_locales
        )
        ranked = await candidates(uow, person.id, request.id, names)
        if ranked:
            text += "\n\n<b>" + _("Coördinatoren, best passend eerst:") + "</b>\n"
            text += "\n".join(_fits(c) for c in ranked[:8])
            markup = InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=_("Toewijzen aan {name}").format(name=c.coordinator.name),
                            callback_data=AssignTo(
                                conference=request.id, coordinator=c.coordinator.person_id
                            ).pack(),
                        )
                    ]
                    for c in ranked[:8]
                ]
            )
        else:
            text += "\n\n" + _(
                "Er zijn nog geen coördinatoren. Nodig ze uit met "
                "kring staff invite --role coordinator."
            )
    elif request.coordinator_id == person.id:  # the coordinator's way on: the circle
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("👥 Naar de conferentie en de kring"),
                        callback_data=OpenConference(id=request.id).pack(),
                    )
                ]
            ]
        )
    # Case details stay out of forwards.
    replies.send(message.answer(text, reply_markup=markup, protect_content=True))


async def assign_(
    callback: CallbackQuery,
    callback_data: AssignTo,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    default_locale: str,
    replies: Replies,
) -> None:
    try:
        done = await assign(
            uow,
            person.id,
            ConferenceId(callback_data.conference),
            PersonId(callback_data.coordinator),
            now(),
        )
    except AlreadyAssigned:
        replies.send(callback.answer(_("Deze aanvraag is al toegewezen."), show_alert=True))
        return
    except NotFound:
        replies.send(
            callback.answer(
                _("Deze aanvraag of coördinator bestaat niet (meer)."), show_alert=True
            )
        )
        return
    replies.send(callback.answer(_("Toegewezen ✓")))
    request, coordinator = done.request, done.coordinator
    replies.send(buttons_in_place(message, reply_markup=None))
    replies.send(
        message.answer(
            _("{reference} is toegewezen aan {name} ✓").format(
                reference=request.reference, name=escape(coordinator.name)
            )
        )
    )
    shipped = i18n.available_locales
    with i18n.use_locale(coordinator.locale if coordinator.locale in shipped else default_locale):
        text = _(
            "Je bent de coördinator van {reference}. Open de aanvraag om te "
            "beginnen; de aanvrager weet dat je contact opneemt."
        ).format(reference=request.reference)
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("Open aanvraag"),
                        callback_data=OpenRequest(id=request.id).pack(),
                    )
                ]
            ]
        )
    notify(replies, coordinator.person_id, text, markup)
    with i18n.use_locale(
        request.applicant_locale if request.applicant_locale in shipped else default_locale
    ):
        text = _(
            "Goed nieuws over je aanvraag {reference}: coördinator {name} neemt binnen "
            "een paar dagen contact met je op."
        ).format(reference=request.reference, name=escape(coordinator.name.split()[0]))
    notify(replies, request.applicant_id, text)


def router() -> Router:
    r = Router(name="manager")
    r.callback_query.filter(ButtonsOf(AssignTo, OpenRequest))
    manager = HasRole(StaffRole.MANAGER)
    r.message.register(list_requests, Command("requests"), manager)
    r.message.register(managers_only, Command("requests"))
    r.callback_query.register(open_, OpenRequest.filter(), UnderMessage())
    r.callback_query.register(assign_, AssignTo.filter(), manager, UnderMessage())
    r.callback_query.register(managers_only, AssignTo.filter())
    return r


def overdue_notices(i18n: I18n, default_locale: str, overdue: Overdue) -> list[Outbound]:
    """What every manager hears of the requests that still wait for a coordinator, each in
    their own language: for the outbox, in the transaction that flags the requests."""
    notices = []
    for manager in overdue.managers:
        locale = manager.locale if manager.locale in i18n.available_locales else default_locale
        with i18n.context(), i18n.use_locale(locale):
            text = _("Deze aanvragen wachten al meer dan twee werkdagen op een coördinator:")
            buttons = tuple(
                (
                    (
                        joined([request.reference, request.region[:24]]),
                        OpenRequest(id=request.id).pack(),
                    ),
                )
                for request in overdue.requests[:MAX_LISTED]
            )
        notices.append(Outbound(manager.person_id, None, (Text(text, buttons),)))
    return notices
