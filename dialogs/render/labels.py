"""Names of things as a person reads them, in their language."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import get_i18n
from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

from conference.errors import SlotError, SlotProblem
from conference.model.circle import Allergen, Diet, Group, InviteeState, NoReason
from conference.model.meeting import Vote
from conference.model.outbox import Unconfirmed
from conference.model.plan import FollowUp
from conference.model.reminders import Kind, Reminder
from conference.model.request import ApplicantRole, ConferenceModel, Field, RequestKind, Status
from conference.slots import MAX_SLOTS, MIN_SLOTS
from dialogs.render.button_text import button_text
from dialogs.render.texts import _, joined, labelled, native_digits, ngettext
from dialogs.render.texts import listed as texts_listed
from dialogs.to_others import when


def field_label(step: Field) -> str:
    return {
        Field.ROLE: _("Wie vraagt aan"),
        Field.SUBJECT_NAME: _("Over wie"),
        Field.SUBJECT_AGE: _("Leeftijd"),
        Field.QUESTION: _("Conferentievraag"),
        Field.CONCERNS: _("Zorgen"),
        Field.MINIMUM_REQUIREMENT: _("Minimumeis"),
        Field.MODEL: _("Soort conferentie"),
        Field.LANGUAGES: _("Talen in de familie"),
        Field.COORDINATOR_PREFERENCE: _("Voorkeur coördinator"),
        Field.REGION: _("Gemeente of regio"),
        Field.CONTACT: _("Bereikbaar via"),
        Field.CONSENT: _("Toestemming"),
    }[step]


def role_label(role: ApplicantRole) -> str:
    return {
        ApplicantRole.SELF: button_text("Het gaat over mij"),
        ApplicantRole.FAMILY: button_text("Familie of vriend(in)"),
        ApplicantRole.NEIGHBOUR: button_text("Buurman of buurvrouw"),
        ApplicantRole.PROFESSIONAL: button_text("Professional"),
        ApplicantRole.OTHER: button_text("Iemand anders"),
    }[role]


def model_label(model: ConferenceModel) -> str:
    return {
        ConferenceModel.FAMILY: _("Familie of persoon (Eigen Kracht-conferentie)"),
        ConferenceModel.RESTORATIVE: _("Herstel na een conflict of misdrijf (Echt Recht)"),
        ConferenceModel.GROUP: _("Groep, straat of buurt (Alle Hens)"),
        ConferenceModel.SCHOOL: _("School en leren (Leercirkel)"),
    }[model]


def model_choice(model: ConferenceModel) -> str:
    """The same, short enough for a button; the question above the buttons names them."""
    return {
        ConferenceModel.FAMILY: button_text("👪 Familie of persoon"),
        ConferenceModel.RESTORATIVE: button_text("🤝 Herstel na een conflict"),
        ConferenceModel.GROUP: button_text("🏘 Groep, straat of buurt"),
        ConferenceModel.SCHOOL: button_text("🏫 School en leren"),
    }[model]


def group_label(group: Group) -> str:
    return {
        Group.FAMILY: _("familie"),
        Group.FRIEND: _("vriend(in)"),
        Group.NEIGHBOUR: _("buren"),
        Group.PROFESSIONAL: _("professional"),
        Group.OTHER: _("anders"),
    }[group]


def invitee_state_label(state: InviteeState) -> str:
    return {
        InviteeState.INVITED: _("uitgenodigd"),
        InviteeState.OPENED: _("heeft de uitnodiging geopend"),
        InviteeState.YES: _("komt"),
        InviteeState.MAYBE: _("misschien"),
        InviteeState.NO: _("komt niet"),
        InviteeState.UNREACHABLE: _("onbereikbaar"),
    }[state]


def no_reason_label(reason: NoReason) -> str:
    return {
        NoReason.DATE: button_text("Ik kan niet op die dag"),
        NoReason.DISTANCE: button_text("Het is te ver weg voor mij"),
        NoReason.RATHER_NOT: button_text("Ik doe liever niet mee"),
    }[reason]


def diet_label(diet: Diet) -> str:
    return {
        Diet.NONE: button_text("Geen bijzonderheden"),
        Diet.VEGETARIAN: button_text("Vegetarisch"),
        Diet.VEGAN: button_text("Veganistisch"),
        Diet.HALAL: button_text("Halal"),
        Diet.KOSHER: button_text("Koosjer"),
        Diet.NO_PORK: button_text("Geen varkensvlees"),
        Diet.NO_ALCOHOL: button_text("Geen alcohol"),
    }[diet]


def allergen_label(allergen: Allergen) -> str:
    return {
        Allergen.GLUTEN: button_text("Gluten"),
        Allergen.CRUSTACEANS: button_text("Schaaldieren"),
        Allergen.EGGS: button_text("Eieren"),
        Allergen.FISH: button_text("Vis"),
        Allergen.PEANUTS: button_text("Pinda's"),
        Allergen.SOY: button_text("Soja"),
        Allergen.MILK: button_text("Melk"),
        Allergen.NUTS: button_text("Noten"),
        Allergen.CELERY: button_text("Selderij"),
        Allergen.MUSTARD: button_text("Mosterd"),
        Allergen.SESAME: button_text("Sesamzaad"),
        Allergen.SULPHITES: button_text("Sulfiet"),
        Allergen.LUPIN: button_text("Lupine"),
        Allergen.MOLLUSCS: button_text("Weekdieren"),
    }[allergen]


def status_label(status: Status) -> str:
    return {
        Status.NEW: _("nieuw"),
        Status.PREPARING: _("in voorbereiding"),
        Status.DATE_SET: _("datum staat vast"),
        Status.HELD: _("gehouden"),
        Status.FOLLOW_UP: _("nazorg"),
        Status.CLOSED: _("afgesloten"),
    }[status]


def kind_label(kind: RequestKind) -> str:
    if kind is RequestKind.INFO_TALK:
        return _("Verzoek om een informatiegesprek")
    return _("Aanvraag voor een conferentie")


def language_name(code: str, locale: str) -> str:
    """A language's name in the reader's language, from CLDR; a typed name stays as typed."""
    try:
        name = Locale.parse(locale).languages.get(code)
    except (ValueError, TypeError):
        name = None
    return (name or code)[:1].upper() + (name or code)[1:]


def language_names(
    codes: list[str] | tuple[str, ...], locales: tuple[str, ...]
) -> dict[str, set[str]]:
    """How each language is called in each shipped language, lower case, for reading a
    typed preference such as "een vrouw die Turks spreekt"."""
    names: dict[str, set[str]] = {}
    for code in codes:
        for locale in locales:
            name = Locale.parse(locale).languages.get(code)
            if name:
                names.setdefault(code, set()).add(name.lower())
    return names


def locale_own_name(locale: str) -> str:
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


def _sort_key(name: str) -> str:
    """Alphabetical the way a reader expects, near enough without a collation library:
    accents do not count ("Oekraïens" among the O's), nor does case."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c)
    )


def invite_languages(locales: Sequence[str], reader: str) -> list[tuple[str, str]]:
    """The shipped languages as a coordinator picks one for an invited person: named in the
    reader's language, with the name in its own script beside it where that differs; the
    reader's own language first, then English, then the rest alphabetically."""
    named = []
    for code in locales:
        name = language_name(code, reader)
        own = locale_own_name(code)
        label = name if own.casefold() == name.casefold() else joined([name, own])
        first = 0 if code == reader else 1 if code == "en" else 2
        named.append(((first, _sort_key(name)), code, label))
    return [(code, label) for _key, code, label in sorted(named)]


def current_locale() -> str:
    return get_i18n().current_locale


VOTE_SYMBOLS = {Vote.YES: "✅", Vote.IF_NEED_BE: "🟡", Vote.NO: "❌", None: "❔"}


def vote_button_text(vote: Vote | None, moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """A date on the ballot: the choice first and short ("✅ za 26 jun 10:00"), so a phone
    that cuts a long button cuts nothing that matters; the text above explains the symbols."""
    return labelled(VOTE_SYMBOLS[vote], short_when(moment, zone, locale))


def vote_label(vote: Vote | None) -> str:
    return {
        Vote.YES: _("✅ kan"),
        Vote.IF_NEED_BE: _("🟡 als het moet"),
        Vote.NO: _("❌ kan niet"),
        None: _("❔ nog niet gekozen"),
    }[vote]


def slot_problem_text(error: SlotError, zone: ZoneInfo, locale: str) -> str:
    """What was wrong with a typed date, kindly, with the line it is on."""
    moment = (
        native_digits(format_date(error.moment.astimezone(zone), "full", locale=locale), locale)
        if error.moment
        else ""
    )
    text = {
        SlotProblem.UNREADABLE: _("Die datum kan ik niet lezen: “{text}”."),
        SlotProblem.NO_TIME: _("Bij “{text}” mist de tijd, bijvoorbeeld 10:00."),
        SlotProblem.NO_SUCH_DATE: _("“{text}”: die datum bestaat niet."),
        SlotProblem.NO_SUCH_TIME: _("“{text}”: die tijd bestaat niet (let op de zomertijd)."),
        SlotProblem.WEEKDAY_MISMATCH: _("“{text}”: die dag klopt niet, dat is {moment}."),
        SlotProblem.PAST: _("“{text}” is al voorbij."),
        SlotProblem.TOO_FAR: _("“{text}” is meer dan een jaar vooruit."),
        SlotProblem.DUPLICATE: _("“{text}” staat er al bij."),
        SlotProblem.TOO_FEW: ngettext(
            "Stel minstens {low} datum voor, zodat de familie kan kiezen.",
            "Stel minstens {low} datums voor, zodat de familie kan kiezen.",
            MIN_SLOTS,
        ),
        SlotProblem.TOO_MANY: ngettext(
            "Hoogstens {high} datum, anders wordt kiezen lastig.",
            "Hoogstens {high} datums, anders wordt kiezen lastig.",
            MAX_SLOTS,
        ),
    }[error.code].format(text=escape(error.text), moment=moment, low=MIN_SLOTS, high=MAX_SLOTS)
    if error.line:
        text = _("Regel {line}: ").format(line=error.line) + text
    return text


def short_when(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """A slot on a button: weekday, day, month and time, the reader's way ("za 3 jul 10:00")."""
    return "{} {}".format(*slot_parts(moment, zone, locale))


def slot_parts(moment: datetime, zone: ZoneInfo, locale: str) -> tuple[str, str]:
    """The date ("za 3 jul") and the time ("10:00"), for a column of the matrix."""
    local = moment.astimezone(zone)
    return (
        native_digits(format_skeleton("MMMEd", local, locale=locale), locale),
        native_digits(format_time(local, "short", tzinfo=zone, locale=locale), locale),
    )


def reminder_label(kind: str) -> str:
    if kind.startswith("agreement_"):
        return _("herinnering aan een afspraak uit het plan")
    if kind.startswith("next_"):
        return _("herinnering aan de volgende bijeenkomst")
    if kind.startswith(Kind.BEFORE.value):
        return _("herinnering ({before} van tevoren)").format(before=kind.split("_", 1)[1])
    return {
        Kind.DECIDE.value: _("vraag aan wie misschien zei"),
        Kind.NO_ANSWER.value: _("vraag aan wie nog niet antwoordde"),
        Kind.VOTE.value: _("vraag om een datum te kiezen"),
        "followup": _("vraag hoe het gaat met de afspraken (4 weken)"),
        "checkin": _("korte vraag na 3 maanden"),
    }.get(kind, kind)


def upcoming_lines(
    pending: Sequence[Reminder], zone: ZoneInfo, locale: str, limit: int = 6
) -> list[str]:
    """The coordinator's "upcoming messages": what the bot will send by itself, and when."""
    groups: dict[tuple[datetime, str], int] = {}
    for reminder in pending:
        key = (reminder.planned.due_at, reminder.planned.kind)
        groups[key] = groups.get(key, 0) + 1
    if not groups:
        return []
    lines = ["", "<b>" + _("Binnenkort verstuurt de bot") + "</b>"]
    for (due, kind), count in sorted(groups.items())[:limit]:
        lines.append(
            _("⏰ {moment}: {what} ({count})").format(
                moment=when(due, zone, locale), what=reminder_label(kind), count=count
            )
        )
    if len(groups) > limit:
        lines.append("…")
    return lines


def unconfirmed_lines(
    items: Sequence[Unconfirmed], zone: ZoneInfo, locale: str, limit: int = 5
) -> list[str]:
    """Messages the bot sent by itself (reminders, nudges) that were on their way when it
    stopped: they may not have arrived and are not sent again, so the coordinator hears of
    them here (`items` newest first; one more than `limit` says there are more)."""
    if not items:
        return []
    lines = [""]
    for item in items[:limit]:
        name = escape(item.name)
        what = {
            "reminder": _("herinnering aan {name}"),
            "nudge": _("vraag om te antwoorden aan {name}"),
            "vote": _("vraag om een datum te kiezen aan {name}"),
            "invitation": _("uitnodiging aan {name}"),
        }.get(item.kind, _("bericht aan {name}")).format(name=name)
        lines.append(
            _("⚠️ Mogelijk niet aangekomen: {what}, {moment}").format(
                what=what, moment=short_when(item.at, zone, locale)
            )
        )
    if len(items) > limit:
        lines.append("…")
    return lines


def listed(items: Sequence[str]) -> str:
    """ "Herman, Edith en Wim": a list the way the reader's language writes one (CLDR), shaped
    for the reader's direction (dialogs/render/texts.py)."""
    return texts_listed(items)


def follow_up_label(answer: FollowUp) -> str:
    return {
        FollowUp.GOING_WELL: button_text("👍 Gaat goed"),
        FollowUp.PARTLY: button_text("〰️ Deels"),
        FollowUp.NOT_YET: button_text("⏳ Nog niet"),
        FollowUp.NOT_RELEVANT: button_text("Niet meer nodig"),
    }[answer]


def used_label(used: str) -> str:
    return {"yes": _("Ja"), "partly": _("Een beetje"), "no": _("Nee")}[used]
