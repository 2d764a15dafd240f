"""The names of the choices a person makes (an answer, a date, food), as the chat names them:
the same messages, so the same translations, on the invitation page and in the cockpit."""

from __future__ import annotations

import gettext
from typing import Any

from conference.model.circle import Allergen, Diet, Group, InviteeState, NoReason, Rsvp
from conference.model.meeting import Vote
from conference.model.plan import FollowUp
from conference.model.request import Status


def choice_labels(words: gettext.NullTranslations) -> dict[str, Any]:
    """The choices, named as in the chat (the same messages, so the same translations)."""
    _ = words.gettext
    return {
        "rsvp": {
            Rsvp.YES: _("✅ Ja, ik kom"),
            Rsvp.MAYBE: _("🤔 Misschien"),
            Rsvp.NO: _("Nee, ik kan niet"),
        },
        "reasons": {
            NoReason.DATE: _("Ik kan niet op die dag"),
            NoReason.DISTANCE: _("Het is te ver weg voor mij"),
            NoReason.RATHER_NOT: _("Ik doe liever niet mee"),
        },
        "votes_labels": {
            Vote.YES: _("✅ kan"),
            Vote.IF_NEED_BE: _("🟡 als het moet"),
            Vote.NO: _("❌ kan niet"),
        },
        "diets": {
            Diet.NONE: _("Geen bijzonderheden"),
            Diet.VEGETARIAN: _("Vegetarisch"),
            Diet.VEGAN: _("Veganistisch"),
            Diet.HALAL: _("Halal"),
            Diet.KOSHER: _("Koosjer"),
            Diet.NO_PORK: _("Geen varkensvlees"),
            Diet.NO_ALCOHOL: _("Geen alcohol"),
        },
        "allergens": {
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
        },
    }


def circle_labels(words: gettext.NullTranslations) -> dict[str, Any]:
    """A conference's state, a person's state and group, as the chat names them."""
    _ = words.gettext
    return {
        "statuses": {
            Status.NEW: _("nieuw"),
            Status.PREPARING: _("in voorbereiding"),
            Status.DATE_SET: _("datum staat vast"),
            Status.HELD: _("gehouden"),
            Status.FOLLOW_UP: _("nazorg"),
            Status.CLOSED: _("afgesloten"),
        },
        "states": {
            InviteeState.INVITED: _("uitgenodigd"),
            InviteeState.OPENED: _("heeft de uitnodiging geopend"),
            InviteeState.YES: _("komt"),
            InviteeState.MAYBE: _("misschien"),
            InviteeState.NO: _("komt niet"),
            InviteeState.UNREACHABLE: _("onbereikbaar"),
        },
        "groups": {
            Group.FAMILY: _("familie"),
            Group.FRIEND: _("vriend(in)"),
            Group.NEIGHBOUR: _("buren"),
            Group.PROFESSIONAL: _("professional"),
            Group.OTHER: _("anders"),
        },
    }


def follow_up_labels(words: gettext.NullTranslations) -> dict[str, Any]:
    """The follow-up's answers, named as on the chat's buttons."""
    _ = words.gettext
    return {
        "follow_up_answers": {
            FollowUp.GOING_WELL: _("👍 Gaat goed"),
            FollowUp.PARTLY: _("〰️ Deels"),
            FollowUp.NOT_YET: _("⏳ Nog niet"),
            FollowUp.NOT_RELEVANT: _("Niet meer nodig"),
        },
        "used_labels": {"yes": _("Ja"), "partly": _("Een beetje"), "no": _("Nee")},
    }
