"""Names of things as a person reads them, in their language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from babel import Locale
from babel.dates import format_date, format_skeleton, format_time

from conference.circle import Allergen, Diet, Group, InviteeState, NoReason
from conference.intake import Field
from conference.model import ApplicantRole, ConferenceModel, RequestKind, Status
from conference.outbox import Unconfirmed
from conference.reminders import Kind, Reminder
from conference.slots import MAX_SLOTS, MIN_SLOTS, SlotError, SlotProblem, Vote
from dialogs.outbound import when
from dialogs.texts import _, native_digits
from dialogs.texts import listed as texts_listed


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
        ApplicantRole.SELF: _("Het gaat over mij"),
        ApplicantRole.FAMILY: _("Familie of vriend(in)"),
        ApplicantRole.PROFESSIONAL: _("Professional"),
        ApplicantRole.OTHER: _("Iemand anders"),
    }[role]


def model_label(model: ConferenceModel) -> str:
    return {
        ConferenceModel.FAMILY: _("Familie of persoon (Eigen Kracht-conferentie)"),
        ConferenceModel.RESTORATIVE: _("Herstel na een conflict of misdrijf (Echt Recht)"),
        ConferenceModel.GROUP: _("Groep, straat of buurt (Alle Hens)"),
        ConferenceModel.SCHOOL: _("School en leren (Leercirkel)"),
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
        NoReason.DATE: _("Ik kan niet op die dag"),
        NoReason.DISTANCE: _("Het is te ver weg voor mij"),
        NoReason.RATHER_NOT: _("Ik doe liever niet mee"),
    }[reason]


def diet_label(diet: Diet) -> str:
    return {
        Diet.NONE: _("Geen bijzonderheden"),
        Diet.VEGETARIAN: _("Vegetarisch"),
        Diet.VEGAN: _("Veganistisch"),
        Diet.HALAL: _("Halal"),
        Diet.KOSHER: _("Koosjer"),
        Diet.NO_PORK: _("Geen varkensvlees"),
        Diet.NO_ALCOHOL: _("Geen alcohol"),
    }[diet]


def allergen_label(allergen: Allergen) -> str:
    return {
        Allergen.GLUTEN: _("Gluten"),
        Allergen.CRUSTACEANS: _("Schaaldieren"),
        Allergen.EGGS: _("Eieren"),
        Allergen.FISH: _("Vis"),
        Allergen.PEANUTS: _("Pinda's"),
        Allergen.SOY: _("Soja"),
        Allergen.MILK: _("Melk"),
        Allergen.NUTS: _("Noten"),
        Allergen.CELERY: _("Selderij"),
        Allergen.MUSTARD: _("Mosterd"),
        Allergen.SESAME: _("Sesamzaad"),
        Allergen.SULPHITES: _("Sulfiet"),
        Allergen.LUPIN: _("Lupine"),
        Allergen.MOLLUSCS: _("Weekdieren"),
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


def language_names(codes: list[str] | tuple[str, ...], locales: tuple[str, ...]
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


def current_locale() -> str:
    return I18n.get_current().current_locale


def vote_label(vote: Vote | None) -> str:
    return {
        Vote.YES: _("✅ kan"),
        Vote.IF_NEED_BE: _("🟡 als het moet"),
        Vote.NO: _("❌ kan niet"),
        None: _("❔ nog niet gekozen"),
    }[vote]


def slot_problem_text(error: SlotError, zone: ZoneInfo, locale: str) -> str:
    """What was wrong with a typed date, kindly, with the line it is on."""
    moment = native_digits(format_date(error.moment.astimezone(zone), "full", locale=locale),
                           locale) if error.moment else ""
    text = {
        SlotProblem.UNREADABLE: _("Die datum kan ik niet lezen: “{text}”."),
        SlotProblem.NO_TIME: _("Bij “{text}” mist de tijd, bijvoorbeeld 10:00."),
        SlotProblem.NO_SUCH_DATE: _("“{text}”: die datum bestaat niet."),
        SlotProblem.NO_SUCH_TIME: _("“{text}”: die tijd bestaat niet (let op de "
                                    "zomertijd)."),
        SlotProblem.WEEKDAY_MISMATCH: _("“{text}”: die dag klopt niet, dat is {moment}."),
        SlotProblem.PAST: _("“{text}” is al voorbij."),
        SlotProblem.TOO_FAR: _("“{text}” is meer dan een jaar vooruit."),
        SlotProblem.DUPLICATE: _("“{text}” staat er al bij."),
        SlotProblem.TOO_FEW: _("Stel minstens {low} data voor, zodat de familie kan kiezen."),
        SlotProblem.TOO_MANY: _("Hoogstens {high} data, anders wordt kiezen lastig."),
    }[error.code].format(text=escape(error.text), moment=moment, low=MIN_SLOTS,
                         high=MAX_SLOTS)
    if error.line:
        text = _("Regel {line}: ").format(line=error.line) + text
    return text


def short_when(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """A slot on a button: weekday, day, month and time, the reader's way ("za 3 jul 10:00")."""
    return "{} {}".format(*slot_parts(moment, zone, locale))


def slot_parts(moment: datetime, zone: ZoneInfo, locale: str) -> tuple[str, str]:
    """The date ("za 3 jul") and the time ("10:00"), for a column of the matrix."""
    local = moment.astimezone(zone)
    return (native_digits(format_skeleton("MMMEd", local, locale=locale), locale),
            native_digits(format_time(local, "short", tzinfo=zone, locale=locale), locale))


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


def upcoming_lines(pending: Sequence[Reminder], zone: ZoneInfo, locale: str,
                   limit: int = 6) -> list[str]:
    """The coordinator's "upcoming messages": what the bot will send by itself, and when."""
    groups: dict[tuple[datetime, str], int] = {}
    for reminder in pending:
        key = (reminder.planned.due_at, reminder.planned.kind)
        groups[key] = groups.get(key, 0) + 1
    if not groups:
        return []
    lines = ["", "<b>" + _("Binnenkort verstuurt de bot") + "</b>"]
    for (due, kind), count in sorted(groups.items())[:limit]:
        lines.append(_("⏰ {moment}: {what} ({count})").format(
            moment=when(due, zone, locale), what=reminder_label(kind), count=count))
    if len(groups) > limit:
        lines.append("…")
    return lines


def unconfirmed_lines(items: Sequence[Unconfirmed], zone: ZoneInfo, locale: str,
                      limit: int = 5) -> list[str]:
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
        }.get(item.kind, _("bericht aan {name}")).format(name=name)
        lines.append(_("⚠️ Mogelijk niet aangekomen: {what}, {moment}").format(
            what=what, moment=short_when(item.at, zone, locale)))
    if len(items) > limit:
        lines.append("…")
    return lines


def listed(items: Sequence[str]) -> str:
    """"Herman, Edith en Wim": a list the way the reader's language writes one (CLDR), shaped
    for the reader's direction (dialogs/texts.py)."""
    return texts_listed(items)
