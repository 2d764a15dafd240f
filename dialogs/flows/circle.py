"""The coordinator builds the circle: /conferences, open one, add a person, hand out their
personal invitation (a link that only works for the first phone that opens it)."""

from __future__ import annotations

import io
from collections import Counter
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
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

from conference.circle import (
    acknowledge_unconfirmed,
    applicant_of,
    catering,
    invite,
    my_conferences,
    needs_summary,
    reissue,
    view_circle,
)
from conference.errors import AccessDenied, InvalidAnswer, NotFound
from conference.intake import clean_text
from conference.model.circle import Group, Invitee, InviteeDraft, Rsvp
from conference.model.ids import ConferenceId, on_the_web
from conference.model.people import Person, StaffRole
from conference.model.request import ConferenceRequest, Field
from conference.ports import UnitOfWork
from dialogs.callbacks import (
    AddApplicant,
    AddPerson,
    InviteeChoice,
    NewLink,
    OpenConference,
    SeenUnconfirmed,
)
from dialogs.clock import now
from dialogs.filters import ButtonsOf, CoordinatorOf, HasRole, HasText, UnderMessage
from dialogs.flows.intake import problem_text
from dialogs.flows.minimum import ask_button
from dialogs.in_place import buttons_in_place, edit_in_place
from dialogs.refusals import coordinators_only, not_for_you
from dialogs.render.buttons import (
    broadcast_button,
    cockpit_button,
    dates_button,
    nudge_button,
    plan_button,
    web_link_button,
)
from dialogs.render.labels import (
    allergen_label,
    diet_label,
    field_label,
    group_label,
    invite_languages,
    invitee_state_label,
    language_name,
    model_label,
    no_reason_label,
    status_label,
    unconfirmed_lines,
    upcoming_lines,
)
from dialogs.render.long_text import split_message
from dialogs.render.texts import _, bare_link, joined, labelled, number
from dialogs.render.web_reach import web_page_only, web_page_only_label
from dialogs.replies import Replies
from dialogs.states import AddInvitee


def qr_png(link: str) -> bytes:
    """The link as a QR code (PNG) to print on a paper invitation."""
    import segno  # loaded when the first code is drawn, not at start-up

    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=8, border=4)
    return out.getvalue()


def _rows(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data)] for text, data in buttons
        ]
    )


def _choice(field: str, value: str) -> str:
    return InviteeChoice(field=field, value=value).pack()


def _why(person: Invitee) -> str:
    """Why someone can't come: the reason they tapped and what they typed (for the
    coordinator only)."""
    said = ([no_reason_label(person.no_reason)] if person.no_reason else []) + (
        [f"“{escape(person.no_reason_text)}”"] if person.no_reason_text else []
    )
    return f" ({joined(said, '; ')})" if said and person.rsvp is Rsvp.NO else ""


async def conference_view(
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
    i18n: I18n,
    zone: ZoneInfo,
    public_url: str | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The coordinator's view of one conference: who is in the circle and how they answered,
    what they need, what the bot sent that may not have arrived, what is planned next."""
    request, people = await view_circle(uow, person.id, conference)
    lines: list[str] = [joined([f"<b>{request.reference}</b>", status_label(request.status)])]
    if request.subject_name:
        lines.append(
            _("Hoofdpersoon: {name}").format(
                name=escape(request.subject_name)
                + (
                    " (" + number(request.subject_age) + ")"
                    if request.subject_age is not None
                    else ""
                )
            )
        )
    if request.model:
        lines.append(model_label(request.model))
    lines.append(escape(request.question or ""))
    if request.minimum_requirement:
        lines.append(
            "⚖️ "
            + field_label(Field.MINIMUM_REQUIREMENT)
            + ": "
            + escape(request.minimum_requirement)
        )
    lines += ["", "<b>" + _("De kring") + "</b>"]
    web_only = await web_page_only(uow, people)
    lines += [
        _("• {name} ({relation}, {group}): {state}").format(
            name=escape(p.name)
            + (" ★" if p.must_attend else "")
            + (" · " + _("aanvrager") if p.person_id == request.applicant_id else "")
            + (" · " + _("op de webpagina") if p.person_id and on_the_web(p.person_id) else ""),
            relation=escape(p.relation),
            group=group_label(p.group),
            state=invitee_state_label(p.state)
            + _why(p)
            + (" · " + web_page_only_label() if p.id in web_only else ""),
        )
        for p in people
    ]
    if not people:
        lines.append(_("Nog niemand. Vraag de hoofdpersoon: wie hoort erbij?"))
    else:
        counts = Counter(p.rsvp for p in people)
        lines.append(
            _(
                "✅ ja {yes} · 🤔 misschien {maybe} · ❌ nee {no} · ❔ nog geen antwoord {none}"
            ).format(
                yes=counts[Rsvp.YES],
                maybe=counts[Rsvp.MAYBE],
                no=counts[Rsvp.NO],
                none=counts[None],
            )
        )
    wanted = needs_summary(people)
    parts: list[str] = [
        _("tolk {language} {count}").format(
            language=language_name(code, i18n.current_locale), count=n
        )
        for code, n in wanted.interpreters.items()
    ]
    if wanted.children:
        parts.append(
            _("kinderen {count} (opvang {childcare})").format(
                count=wanted.children, childcare=wanted.childcare
            )
        )
    if wanted.transport:
        parts.append(_("vervoer {count}").format(count=wanted.transport))
    if wanted.accessibility:
        parts.append(_("toegankelijk {count}").format(count=wanted.accessibility))
    if parts:
        lines += ["", labelled("<b>" + _("Nodig") + "</b>:", joined(parts, ", "))]
    diets, allergens = catering(people)
    if diets or allergens:
        eaten = joined((joined([diet_label(d), number(n)], " ") for d, n in diets.items()), ", ")
        avoided = (
            joined(
                (joined([allergen_label(a), number(n)], " ") for a, n in allergens.items()), ", "
            )
            or "-"
        )
        lines += [
            "",
            labelled(
                "<b>" + _("Eten") + "</b>:",
                joined([eaten, labelled(_("allergieën") + ":", avoided)], "; "),
            ),
        ]
    unconfirmed = await uow.outbox.unconfirmed(request.id)
    lines += unconfirmed_lines(unconfirmed, zone, i18n.current_locale)
    lines += upcoming_lines(await uow.reminders.pending(request.id), zone, i18n.current_locale)
    buttons: list[tuple[str, str]] = [
        (_("➕ Persoon toevoegen"), AddPerson(conference=request.id).pack())
    ]
    if applicant_of(request, people) is None:  # kring knows them: no link needed
        buttons.append(
            (
                _("➕ {name} (aanvrager) in de kring").format(name=request.applicant_name),
                AddApplicant(conference=request.id).pack(),
            )
        )
    first = len(buttons)
    rows = [dates_button(request.id), broadcast_button(request.id), plan_button(request.id)]
    if public_url and public_url.startswith("https://"):  # Telegram opens Mini Apps so only
        rows.insert(0, cockpit_button(public_url, request.id))
    if any(p.rsvp is None for p in people):
        rows.append(nudge_button(request.id))
    if any(p.group is Group.PROFESSIONAL for p in people):
        rows.append(ask_button(request.id))
    if unconfirmed:
        rows.append(
            [
                InlineKeyboardButton(
                    text=_("✓ Gezien: wegzetten wat mogelijk niet aankwam"),
                    callback_data=SeenUnconfirmed(conference=request.id).pack(),
                )
            ]
        )
    buttons += [
        (_("🔁 Nieuwe link voor {name}").format(name=p.name), NewLink(invitee=p.id).pack())
        for p in people[:40]
    ]
    markup = _rows(*buttons)
    markup.inline_keyboard[first:first] = rows
    return "\n".join(lines), markup


def _show_view(
    replies: Replies,
    message: MaybeInaccessibleMessageUnion,
    text: str,
    markup: InlineKeyboardMarkup,
    in_place: bool,
) -> None:
    """The view, in place of `message` when it fits one message; a big circle's view comes
    in several, the buttons under the last."""
    parts = split_message(text)
    if in_place and len(parts) == 1:
        replies.send(edit_in_place(message, text, reply_markup=markup))
        return
    for part in parts[:-1]:
        replies.send(message.answer(part, protect_content=True))
    replies.send(message.answer(parts[-1], protect_content=True, reply_markup=markup))


async def list_conferences(
    message: Message, uow: UnitOfWork, person: Person, replies: Replies
) -> None:
    mine = await my_conferences(uow, person.id)
    if not mine:
        replies.send(message.answer(_("Je hebt nog geen conferenties.")))
        return
    replies.send(
        message.answer(
            _("<b>Mijn conferenties</b>"),
            reply_markup=_rows(
                *(
                    (
                        joined([c.reference, c.subject_name or c.region, status_label(c.status)]),
                        OpenConference(id=c.id).pack(),
                    )
                    for c in mine
                )
            ),
        )
    )


async def open_conference(
    callback: CallbackQuery,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    public_url: str | None = None,
) -> None:
    text, markup = await conference_view(uow, person, conference.id, i18n, zone, public_url)
    replies.send(callback.answer())
    _show_view(replies, message, text, markup, in_place=False)


async def seen_unconfirmed(
    callback: CallbackQuery,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
    public_url: str | None = None,
) -> None:
    put_away = await acknowledge_unconfirmed(uow, person.id, conference.id, now())
    replies.send(callback.answer(_("Weggezet ✓")))
    if put_away:  # a double tap: done already
        text, markup = await conference_view(uow, person, conference.id, i18n, zone, public_url)
        _show_view(replies, message, text, markup, in_place=True)


async def add_person(
    callback: CallbackQuery,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    await state.set_state(AddInvitee.name)
    await state.set_data({"conference": conference.id})
    replies.send(
        message.answer(_("Wat is de naam van de persoon? (zoals de familie hem of haar noemt)"))
    )


async def typed_name(message: Message, state: FSMContext, replies: Replies) -> None:
    try:
        name = clean_text(Field.SUBJECT_NAME, message.text or "")
    except InvalidAnswer as error:
        replies.send(message.answer(problem_text(error)))
        return
    await state.update_data(name=name)
    await state.set_state(AddInvitee.relation)
    replies.send(
        message.answer(
            _(
                "Wat is {name} van de hoofdpersoon? Bijvoorbeeld: vader, "
                "tante, buurvrouw, gezinsvoogd."
            ).format(name=escape(name))
        )
    )


async def typed_relation(message: Message, state: FSMContext, replies: Replies) -> None:
    try:
        relation = clean_text(Field.SUBJECT_NAME, message.text or "")
    except InvalidAnswer as error:
        replies.send(message.answer(problem_text(error)))
        return
    await state.update_data(relation=relation)
    await ask_group(replies, message, state, (await state.get_data())["name"])


async def kept_relation(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    """The relation as the family suggested it (see `ask_relation`)."""
    data = await state.get_data()
    if not data.get("suggested"):
        await earlier_question(callback, replies)
        return
    await state.update_data(relation=data["suggested"])
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(buttons_in_place(message, reply_markup=None))
    await ask_group(replies, message, state, data["name"])


async def chose_group(
    callback: CallbackQuery,
    callback_data: InviteeChoice,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    i18n: I18n,
    replies: Replies,
) -> None:
    await state.update_data(group=callback_data.value)
    await state.set_state(AddInvitee.locale)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(
        edit_in_place(
            message,
            _("In welke taal nodigen we hem of haar uit?"),
            reply_markup=_rows(
                *(
                    (label, _choice("locale", code))
                    for code, label in invite_languages(
                        i18n.available_locales, i18n.current_locale
                    )
                )
            ),
        )
    )


async def chose_language(
    callback: CallbackQuery,
    callback_data: InviteeChoice,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    i18n: I18n,
    replies: Replies,
) -> None:
    if callback_data.value not in i18n.available_locales:
        await earlier_question(callback, replies)
        return
    await state.update_data(locale=callback_data.value)
    await state.set_state(AddInvitee.must_attend)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    text, markup = must_attend_question()
    replies.send(edit_in_place(message, text, reply_markup=markup))


async def chose_must_attend(
    callback: CallbackQuery,
    callback_data: InviteeChoice,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    bot: Bot,
    public_url: str | None,
    replies: Replies,
) -> None:
    """The last answer: the person joins the circle and the coordinator gets their link."""
    data = await state.get_data()
    draft = InviteeDraft(
        data["name"],
        data["relation"],
        Group(data["group"]),
        data["locale"],
        callback_data.value == "yes",
    )
    try:
        invitee, token = await invite(
            uow, person.id, ConferenceId(data["conference"]), draft, now()
        )
    except AccessDenied:  # no longer their conference
        await not_for_you(callback, replies)
        return
    await state.clear()
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(
        edit_in_place(message, _("{name} staat in de kring ✓").format(name=escape(invitee.name)))
    )
    await hand_out(replies, message, bot, i18n, invitee, token, public_url)


async def earlier_question(callback: CallbackQuery, replies: Replies) -> None:
    """A button of a question answered before (or of another person being added)."""
    replies.send(callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True))


async def new_link(
    callback: CallbackQuery,
    callback_data: NewLink,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    bot: Bot,
    public_url: str | None,
    i18n: I18n,
    replies: Replies,
) -> None:
    # the button names the invitee, not the conference: the use case checks who may
    try:
        invitee, token = await reissue(uow, person.id, callback_data.invitee, now())
    except (AccessDenied, NotFound):
        await not_for_you(callback, replies)
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(
        message.answer(
            _("De oude link van {name} werkt niet meer.").format(name=escape(invitee.name))
        )
    )
    await hand_out(replies, message, bot, i18n, invitee, token, public_url)


def router() -> Router:
    r = Router(name="circle")
    r.callback_query.filter(
        ButtonsOf(AddPerson, InviteeChoice, NewLink, OpenConference, SeenUnconfirmed)
    )
    r.message.register(list_conferences, Command("conferences"), HasRole(StaffRole.COORDINATOR))
    r.message.register(coordinators_only, Command("conferences"))
    on_message = UnderMessage()
    r.callback_query.register(
        open_conference, OpenConference.filter(), CoordinatorOf("id"), on_message
    )
    r.callback_query.register(
        seen_unconfirmed, SeenUnconfirmed.filter(), CoordinatorOf(), on_message
    )
    r.callback_query.register(add_person, AddPerson.filter(), CoordinatorOf(), on_message)
    r.message.register(typed_name, StateFilter(AddInvitee.name), HasText())
    r.message.register(typed_relation, StateFilter(AddInvitee.relation), HasText())
    r.callback_query.register(
        kept_relation,
        StateFilter(AddInvitee.relation),
        InviteeChoice.filter(F.value == "keep"),
        on_message,
    )
    r.callback_query.register(
        chose_group,
        StateFilter(AddInvitee.group),
        InviteeChoice.filter(F.value.in_({group.value for group in Group})),
        on_message,
    )
    r.callback_query.register(
        chose_language, StateFilter(AddInvitee.locale), InviteeChoice.filter(), on_message
    )
    r.callback_query.register(
        chose_must_attend,
        StateFilter(AddInvitee.must_attend),
        InviteeChoice.filter(F.value.in_({"yes", "no"})),
        on_message,
    )
    r.callback_query.register(earlier_question, StateFilter(AddInvitee), InviteeChoice.filter())
    r.callback_query.register(new_link, NewLink.filter(), on_message)
    # last: the same buttons, pressed by someone who is not the conference's coordinator
    r.callback_query.register(not_for_you, OpenConference.filter())
    r.callback_query.register(not_for_you, SeenUnconfirmed.filter())
    r.callback_query.register(not_for_you, AddPerson.filter())
    return r


async def ask_relation(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    name: str,
    suggested: str,
) -> None:
    """A suggested person's relation, as the family put it (perhaps in another language),
    offered to keep; typed anew, the circle view shows the coordinator's own word."""
    await state.set_state(AddInvitee.relation)
    replies.send(
        chat.answer(
            _(
                "Wat is {name} van de hoofdpersoon? Voorgesteld: “{relation}”. Typ "
                "het woord dat jij wilt gebruiken, bijvoorbeeld: opa, buurvrouw. Of "
                "neem het voorstel over."
            ).format(name=escape(name), relation=escape(suggested)),
            reply_markup=_rows(
                (
                    _("✓ Overnemen: {relation}").format(relation=suggested[:20]),
                    _choice("relation", "keep"),
                )
            ),
        )
    )


async def ask_group(
    replies: Replies, chat: MaybeInaccessibleMessageUnion, state: FSMContext, name: str
) -> None:
    """The 'add a person' question after name and relation (also where a suggestion joins)."""
    await state.set_state(AddInvitee.group)
    text, markup = group_question(name)
    replies.send(chat.answer(text, reply_markup=markup))


def group_question(name: str) -> tuple[str, InlineKeyboardMarkup]:
    return _("Bij welke groep hoort {name}?").format(name=escape(name)), _rows(
        *((group_label(g), _choice("group", g.value)) for g in Group)
    )


def must_attend_question() -> tuple[str, InlineKeyboardMarkup]:
    return _("Moet deze persoon er zeker bij zijn (zoals de hoofdpersoon en de ouders)?"), _rows(
        (_("Ja, zeker erbij"), _choice("must", "yes")), (_("Nee"), _choice("must", "no"))
    )


async def hand_out(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    bot: Bot,
    i18n: I18n,
    invitee: Invitee,
    token: str,
    public_url: str | None = None,
) -> None:
    """The personal link three ways: to copy, as a text to forward in the person's own
    language, and as a QR code for a paper letter. The token is shown here and nowhere else.
    With a web door (KRING_PUBLIC_URL) the same token opens the page for relatives without
    Telegram: both links go along, and whichever door opens first takes the invitation."""
    me = await bot.me()
    # The link stands bare on a line of its own, outside every translation: apps find a
    # link up to the next space, so an isolate or a full stop glued to it would break it.
    link = bare_link(f"https://t.me/{me.username}?start={token}")
    page = bare_link(f"{public_url}/i/{token}") if public_url else ""
    replies.send(
        chat.answer(
            _(
                "De persoonlijke link (alleen voor {name}; werkt 30 dagen, voor één telefoon):"
            ).format(name=escape(invitee.name))
            + "\n"
            + link
        )
    )
    with i18n.use_locale(invitee.locale):
        forward = (
            _(
                "Hallo {name}! Je bent uitgenodigd voor een Eigen "
                "Kracht-conferentie: familie, vrienden en buren maken samen een "
                "plan. Open deze persoonlijke link op je telefoon, dan vertel ik je "
                "er meer over:"
            ).format(name=escape(invitee.name))
            + "\n"
            + link
        )
        if public_url:
            forward += "\n\n" + _("Geen Telegram? Antwoord dan op deze webpagina:") + "\n" + page
    if public_url:
        replies.send(
            chat.answer(
                _("Of zonder Telegram, op een webpagina (werkt in één browser):") + "\n" + page,
                reply_markup=web_link_button(invitee.id, invitee.name),
            )
        )
    replies.send(chat.answer(_("Om door te sturen (WhatsApp, sms, e-mail):") + "\n\n" + forward))
    replies.send(
        chat.answer_photo(
            BufferedInputFile(qr_png(link), filename="uitnodiging.png"),
            caption=_("QR-code met de link van {name}, voor een brief op papier.").format(
                name=escape(invitee.name)
            ),
        )
    )
