"""What each intake question looks like: text and buttons, in the person's language."""

from __future__ import annotations

import functools
from html import escape

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import I18n

from conference.intake import OPTIONAL_FIELDS, step_number, steps_for
from conference.model.request import (
    FAMILY_LANGUAGE_CHOICES,
    ApplicantRole,
    ConferenceModel,
    Field,
    RequestDraft,
    RequestKind,
)
from dialogs.callbacks import Answer, Nav
from dialogs.render.button_text import button_text
from dialogs.render.labels import (
    current_locale,
    field_label,
    language_name,
    model_choice,
    model_label,
    role_label,
)
from dialogs.render.texts import _, joined, labelled, number

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


def _button(text: str, data: Answer | Nav) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def back_button(step: Field) -> InlineKeyboardButton:
    return _button(button_text("⬅ Terug"), Nav(action="back", field=step.value))


def contact_labels() -> tuple[str, str, str]:
    return (
        button_text("📱 Deel mijn telefoonnummer"),
        button_text("Alleen via Telegram"),
        button_text("⬅ Terug"),
    )


def question_examples() -> str:
    return _(
        "• Waar kan Johan (8) veilig opgroeien en wat is daarvoor nodig?\n"
        "• Wat is er nodig zodat wij in dit huis kunnen blijven wonen?\n"
        "• Hoe kunnen de kinderen weer naar school gaan?"
    )


def _question(step: Field, draft: RequestDraft) -> str:
    name = escape(draft.subject_name or "")
    info = draft.kind is RequestKind.INFO_TALK
    texts = {
        Field.ROLE: lambda: _("Wie doet de aanvraag?"),
        Field.SUBJECT_NAME: lambda: (
            _("Wat is je voornaam?")
            if draft.role is ApplicantRole.SELF
            else _("Over wie gaat het? Typ alleen de voornaam.")
        ),
        Field.SUBJECT_AGE: lambda: _(
            "Hoe oud is {name}? Typ een getal, of sla deze vraag over."
        ).format(name=name),
        Field.QUESTION: lambda: _(
            "Wat is de vraag waarop de conferentie een antwoord moet geven? Maak de vraag "
            "open en concreet. Bijvoorbeeld:\n{examples}"
        ).format(examples=question_examples()),
        Field.CONCERNS: lambda: _(
            "Wat maakt je zorgen? Schrijf het in je eigen woorden. Je mag dit ook overslaan."
        ),
        Field.MINIMUM_REQUIREMENT: lambda: _(
            "Is iemand niet veilig? Dan kunt u als professional een minimumeis stellen. Dat "
            "is een regel die vooraf vaststaat. Elk plan moet zich daaraan houden. Bijvoorbeeld: "
            '"Blijven wonen bij deze man is geen optie." Typ de minimumeis, of kies \'Geen '
            "minimumeis'."
        ),
        Field.MODEL: lambda: _(
            "Welke soort conferentie past het best?\n"
            "👪 Familie of persoon: een Eigen Kracht-conferentie.\n"
            "🤝 Herstel na een conflict of misdrijf: Echt Recht.\n"
            "🏘 Groep, straat of buurt: Alle Hens.\n"
            "🏫 School en leren: een Leercirkel.\n"
            "Twijfel je? Kies dan de eerste: de coördinator denkt met je mee."
        ),
        Field.LANGUAGES: lambda: _(
            "Welke talen spreekt de familie? Tik alle talen aan en kies dan 'Klaar'. Staat "
            "een taal er niet bij? Typ hem dan."
        ),
        Field.COORDINATOR_PREFERENCE: lambda: _(
            "Heb je een voorkeur voor de coördinator? Bijvoorbeeld: een vrouw, iemand die "
            "Turks spreekt, of iemand met dezelfde achtergrond. Typ je voorkeur, of kies "
            "'Geen voorkeur'."
        ),
        Field.REGION: lambda: (
            _("In welke gemeente of regio woon je?")
            if info
            else _("In welke gemeente of regio woont de familie?")
        ),
        Field.CONTACT: lambda: _(
            "Hoe kunnen we je bereiken? We nemen in elk geval contact op via deze chat. Wil je "
            "ook gebeld worden? Deel dan je telefoonnummer met de knop hieronder."
        ),
        Field.CONSENT: privacy_summary,
    }
    return texts[step]()


def privacy_summary() -> str:
    return _(
        "Mogen we je gegevens bewaren?\n\n"
        "<b>Wat</b>: je antwoorden, je voornaam, deze Telegram-chat en je telefoonnummer als "
        "je het deelt.\n"
        "<b>Waarvoor</b>: alleen om je aanvraag te behandelen en een coördinator te zoeken.\n"
        "<b>Wie</b>: de regiomanager en straks de coördinator. Niemand anders.\n"
        "<b>Hoe lang</b>: tot de conferentie en de nazorg klaar zijn; daarna wissen we het.\n"
        "Je mag altijd vragen wat we van je bewaren, of vragen het te wissen."
    )


def _keyboard(step: Field, draft: RequestDraft) -> Markup:
    chosen = (
        frozenset(c for c in FAMILY_LANGUAGE_CHOICES if c in draft.languages)
        if (step is Field.LANGUAGES)
        else frozenset()
    )
    return _step_keyboard(step, I18n.get_current(), current_locale(), chosen)


# A step's buttons are the same for everyone who reads that language (the languages step:
# and ticked the same ones), and aiogram's keyboards do not change once built: build each
# once rather than on every answer (pydantic makes every button and its callback data).
# The catalogs (`i18n`) are part of the key: tests build kring more than once.
@functools.lru_cache(maxsize=1024)
def _step_keyboard(step: Field, i18n: I18n, locale: str, chosen: frozenset[str]) -> Markup:
    rows: list[list[InlineKeyboardButton]] = []
    if step is Field.ROLE:
        rows = [
            [_button(role_label(r), Answer(field=step.value, value=r.value))]
            for r in ApplicantRole
        ]
    elif step is Field.MODEL:
        rows = [
            [_button(model_choice(m), Answer(field=step.value, value=m.value))]
            for m in ConferenceModel
        ]
    elif step is Field.LANGUAGES:
        buttons = [
            _button(
                ("✓ " if code in chosen else "") + language_name(code, locale),
                Answer(field=step.value, value=code),
            )
            for code in FAMILY_LANGUAGE_CHOICES
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([_button(button_text("Klaar ✓"), Nav(action="done", field=step.value))])
    elif step is Field.CONTACT:
        share, telegram_only, back = contact_labels()
        return ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=share, request_contact=True)],
                [KeyboardButton(text=telegram_only)],
                [KeyboardButton(text=back)],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    elif step is Field.CONSENT:
        rows = [
            [_button(button_text("✅ Ja, ik ga akkoord"), Answer(field=step.value, value="yes"))],
            [_button(button_text("Nee"), Answer(field=step.value, value="no"))],
        ]
    if step in OPTIONAL_FIELDS:
        skip = {
            Field.MINIMUM_REQUIREMENT: button_text("Geen minimumeis"),
            Field.COORDINATOR_PREFERENCE: button_text("Geen voorkeur"),
        }.get(step, button_text("Overslaan"))
        rows.append([_button(skip, Nav(action="skip", field=step.value))])
    rows.append([back_button(step)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def prompt(step: Field, draft: RequestDraft) -> tuple[str, Markup]:
    number, total = step_number(draft, step)
    parts = []
    parts.append(
        "<b>" + _("Stap {number} van {total}").format(number=number, total=total) + "</b>"
    )
    parts.append(_question(step, draft))
    current = answer_text(step, draft) if step in draft.answered else None
    if current and step not in (Field.LANGUAGES, Field.CONSENT):
        parts.append(_("Je antwoord nu: {answer}").format(answer=current))
    elif step is Field.LANGUAGES and draft.languages:
        parts.append(_("Gekozen: {languages}").format(languages=current))
    return "\n\n".join(parts), _keyboard(step, draft)


def answer_text(step: Field, draft: RequestDraft) -> str:
    """An answer as shown back to the applicant (escaped for HTML)."""
    not_given = _("niet ingevuld")
    if step is Field.ROLE:
        return role_label(draft.role) if draft.role else not_given
    if step is Field.MODEL:
        return model_label(draft.model) if draft.model else not_given
    if step is Field.SUBJECT_AGE:
        return number(draft.subject_age) if draft.subject_age is not None else not_given
    if step is Field.LANGUAGES:
        locale = current_locale()
        return (
            joined((escape(language_name(c, locale)) for c in draft.languages), ", ") or not_given
        )
    if step is Field.CONTACT:
        return escape(draft.phone) if draft.phone else _("alleen via Telegram")
    if step is Field.CONSENT:
        return _("gegeven") if draft.consent else _("nog niet gegeven")
    value = getattr(draft, step.value)
    return escape(value) if value else not_given


def review(draft: RequestDraft) -> tuple[str, InlineKeyboardMarkup]:
    steps = [s for s in steps_for(draft) if s is not Field.CONSENT]
    lines = [
        "<b>" + _("Controleer je aanvraag") + "</b>",
        "",
        *(labelled(f"<b>{field_label(s)}</b>:", answer_text(s, draft)) for s in steps),
        "",
        _("Klopt alles? Tik op een onderdeel om het te wijzigen, of verstuur de aanvraag."),
    ]
    return "\n".join(lines), _review_keyboard(tuple(steps), I18n.get_current(), current_locale())


@functools.lru_cache(maxsize=256)
def _review_keyboard(steps: tuple[Field, ...], i18n: I18n, locale: str) -> InlineKeyboardMarkup:
    edits = [_button("✏️ " + field_label(s), Nav(action="edit", field=s.value)) for s in steps]
    rows = [edits[i : i + 2] for i in range(0, len(edits), 2)]
    rows.append([_button(button_text("✅ Versturen"), Nav(action="submit"))])
    rows.append([_button(button_text("✖ Stoppen"), Nav(action="stop"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)
