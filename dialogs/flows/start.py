"""The way in: /start, /apply, "tell me more", /help, /cancel and /language."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import I18n

from conference.circle import my_invitations
from conference.errors import NotFound
from conference.intake import first_step, step_number
from conference.model.people import Person
from conference.model.request import RequestDraft, RequestKind
from conference.ports import UnitOfWork
from conference.requests import set_language
from dialogs.callbacks import Menu, PickLanguage
from dialogs.filters import ButtonsOf, UnderMessage
from dialogs.flows.staff import staff_help, staff_menu
from dialogs.in_place import buttons_in_place, edit_in_place
from dialogs.intake_draft import current_step, load_draft, reask, show
from dialogs.render.button_text import button_text
from dialogs.render.labels import field_label, locale_own_name
from dialogs.render.texts import _
from dialogs.replies import Replies
from dialogs.states import Intake


def _buttons(*rows: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=Menu(action=action).pack())]
            for text, action in rows
        ]
    )


async def show_welcome(
    replies: Replies, chat: MaybeInaccessibleMessageUnion, name: str | None = None
) -> None:
    greeting = _("Hallo {name}!").format(name=name) if name else _("Hallo!")
    replies.send(
        chat.answer(
            greeting
            + "\n\n"
            + _(
                "Ik ben kring. Via mij vraag je een Eigen Kracht-conferentie aan: een "
                "bijeenkomst waarin familie, vrienden en buren samen een plan maken. Wat wil "
                "je doen?"
            ),
            reply_markup=_buttons(
                (button_text("Een conferentie aanvragen"), "apply"),
                (button_text("Ik wil eerst meer weten"), "info"),
            ),
        )
    )


async def start_intake(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    kind: RequestKind,
    edit: bool = False,
) -> None:
    draft = RequestDraft(kind=kind)
    await state.set_data({"draft": draft.to_dict()})
    await show(replies, chat, state, draft, first_step(draft), edit=edit)


async def ask_stop(replies: Replies, chat: MaybeInaccessibleMessageUnion) -> None:
    replies.send(
        chat.answer(
            _("Wil je stoppen met de aanvraag? Wat je hebt ingevuld wordt dan gewist."),
            reply_markup=_buttons(
                (button_text("Ja, stoppen"), "cancel_yes"),
                (button_text("Nee, doorgaan"), "cancel_no"),
            ),
        )
    )


async def start(
    message: Message,
    state: FSMContext,
    person: Person,
    uow: UnitOfWork,
    i18n: I18n,
    replies: Replies,
) -> None:
    if await state.get_state() is not None:
        replies.send(
            message.answer(
                _("Je was nog bezig met een aanvraag. Wat wil je doen?"),
                reply_markup=_buttons(
                    (button_text("Verder waar ik was"), "resume"),
                    (button_text("Opnieuw beginnen"), "restart"),
                ),
            )
        )
        return
    await show_welcome(replies, message, person.first_name)
    member = await uow.staff.get(person.id)
    if member is not None:
        replies.send(message.answer(staff_help(member.role)))
        # added by id before they ever opened the bot: their menu could not be set then
        replies.send(staff_menu(i18n, person.id, member.role, i18n.current_locale))


async def apply(message: Message, state: FSMContext, replies: Replies) -> None:
    if await state.get_state() is not None:
        await reask(
            replies, message, state, _("Je bent al bezig met een aanvraag. We waren hier:")
        )
        return
    await start_intake(replies, message, state, RequestKind.CONFERENCE)


async def apply_pressed(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    await _begin(callback, message, state, replies, RequestKind.CONFERENCE)


async def info_talk_pressed(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    await _begin(callback, message, state, replies, RequestKind.INFO_TALK)


async def _begin(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
    kind: RequestKind,
) -> None:
    replies.send(callback.answer())
    if await state.get_state() is not None:
        # a button of an older menu: never throw away answers without asking
        await reask(
            replies, message, state, _("Je bent al bezig met een aanvraag. We waren hier:")
        )
        return
    await start_intake(replies, message, state, kind, edit=True)


async def restart(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    await start_intake(replies, message, state, RequestKind.CONFERENCE, edit=True)


async def info(
    callback: CallbackQuery, message: MaybeInaccessibleMessageUnion, replies: Replies
) -> None:
    replies.send(callback.answer())
    replies.send(
        message.answer(
            _(
                "<b>Wat is een Eigen Kracht-conferentie?</b>\n\n"
                "Soms lukt het niet meer alleen. Dan maak je samen een eigen plan, met "
                "familie, vrienden en buren.\n"
                "Een coördinator helpt met de voorbereiding. Die is onafhankelijk en geeft geen "
                "advies. Het plan is van jullie.\n"
                "Iedereen mag een conferentie aanvragen. Dat kan jijzelf zijn, iemand uit de "
                "familie of een professional, zoals een leraar.\n\n"
                "Eerst even praten? Vraag een gratis informatiegesprek aan met een regiomanager."
            ),
            reply_markup=_buttons(
                (button_text("Informatiegesprek aanvragen"), "info_talk"),
                (button_text("Een conferentie aanvragen"), "apply"),
            ),
        )
    )


async def resume(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    if await state.get_state() is not None:
        await reask(replies, message, state)


async def help_(
    message: Message, state: FSMContext, uow: UnitOfWork, person: Person, replies: Replies
) -> None:
    raw = await state.get_state()
    step = await current_step(state)
    if raw is None or raw not in Intake:  # not in the middle of a request
        replies.send(message.answer(await help_by_role(uow, person)))
        return
    if step is None:
        note: str = _(
            "Je ziet de samenvatting van je aanvraag. Tik op een onderdeel om "
            "het te wijzigen, of verstuur de aanvraag. Met /cancel stop je."
        )
    else:
        number, total = step_number(await load_draft(state), step)
        note = _(
            "Je bent bezig met een aanvraag: stap {number} van {total}, "
            '"{label}". Typ je antwoord of tik op een knop. Met ⬅ Terug ga je een '
            "stap terug, met /cancel stop je. Wat je invulde blijft bewaard."
        ).format(number=number, total=total, label=field_label(step))
    await reask(replies, message, state, note)


async def cancel(message: Message, state: FSMContext, replies: Replies) -> None:
    if await state.get_state() is None:
        replies.send(
            message.answer(
                _("Er is niets om te stoppen. Met /start begin je."),
                reply_markup=ReplyKeyboardRemove(),
            )
        )
        return
    await ask_stop(replies, message)


async def cancel_yes(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    replies.send(buttons_in_place(message, reply_markup=None))
    if await state.get_state() is not None:
        await state.clear()
        replies.send(
            message.answer(
                _("Gestopt. Wat je had ingevuld is gewist. Met /start begin je opnieuw."),
                reply_markup=ReplyKeyboardRemove(),
            )
        )


async def cancel_no(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    replies.send(callback.answer(_("We gaan verder.")))
    replies.send(buttons_in_place(message, reply_markup=None))
    if await state.get_state() is not None:
        await reask(replies, message, state)


async def language(message: Message, i18n: I18n, replies: Replies) -> None:
    replies.send(
        message.answer(
            _("Kies je taal:"),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=locale_own_name(locale),
                            callback_data=PickLanguage(locale=locale).pack(),
                        )
                    ]
                    for locale in i18n.available_locales
                ],
            ),
        )
    )


async def language_chosen(
    callback: CallbackQuery,
    callback_data: PickLanguage,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    try:
        await set_language(uow, person.id, callback_data.locale, i18n.available_locales)
    except NotFound:
        replies.send(callback.answer(_("Die taal ken ik niet."), show_alert=True))
        return
    if (member := await uow.staff.get(person.id)) is not None:  # their menu follows
        replies.send(staff_menu(i18n, person.id, member.role, callback_data.locale))
    with i18n.use_locale(callback_data.locale):
        replies.send(callback.answer(_("Opgeslagen ✓")))
        replies.send(
            edit_in_place(
                message,
                _("De taal is nu: {language} ✓").format(
                    language=locale_own_name(callback_data.locale)
                ),
            )
        )
        if await state.get_state() is not None:
            await reask(replies, message, state)


async def help_by_role(uow: UnitOfWork, person: Person) -> str:
    """What this person can do here: a regional manager, a coordinator, someone invited to
    a conference (a relative, a friend, a professional), or someone who may apply."""
    member = await uow.staff.get(person.id)
    if member is not None:
        return staff_help(member.role) + "\n\n" + _("Met /language kies je een andere taal.")
    if await my_invitations(uow, person.id):
        return _(
            "Met /me zie je je uitnodiging: je antwoord, eten en drinken, wat je nodig "
            "hebt om te komen, en de datums. Daar kun je alles veranderen. Met /language "
            "kies je een andere taal."
        )
    return _(
        "Met /apply vraag je een Eigen Kracht-conferentie aan. Met /start zie je wat "
        "kring kan, en met /language kies je een andere taal."
    )


def router() -> Router:
    r = Router(name="start")
    r.callback_query.filter(ButtonsOf(Menu, PickLanguage))
    on_message = UnderMessage()
    r.message.register(start, CommandStart())
    r.message.register(apply, Command("apply"))
    r.callback_query.register(apply_pressed, Menu.filter(F.action == "apply"), on_message)
    r.callback_query.register(info_talk_pressed, Menu.filter(F.action == "info_talk"), on_message)
    r.callback_query.register(restart, Menu.filter(F.action == "restart"), on_message)
    r.callback_query.register(info, Menu.filter(F.action == "info"), on_message)
    r.callback_query.register(resume, Menu.filter(F.action == "resume"), on_message)
    r.message.register(help_, Command("help"))
    r.message.register(cancel, Command("cancel"))
    r.callback_query.register(cancel_yes, Menu.filter(F.action == "cancel_yes"), on_message)
    r.callback_query.register(cancel_no, Menu.filter(F.action == "cancel_no"), on_message)
    r.message.register(language, Command("language"))
    r.callback_query.register(language_chosen, PickLanguage.filter(), on_message)
    return r
