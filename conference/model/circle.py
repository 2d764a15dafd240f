"""The circle: the people a coordinator invites to a conference, and what they answer."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from conference.model.ids import ConferenceId, InviteeId, PersonId


class Group(enum.StrEnum):
    FAMILY = "family"
    FRIEND = "friend"
    NEIGHBOUR = "neighbour"
    PROFESSIONAL = "professional"
    OTHER = "other"


class Rsvp(enum.StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class NoReason(enum.StrEnum):
    """Why someone can't come, if they want to say: the coordinator may be able to help."""

    DATE = "date"
    DISTANCE = "distance"
    RATHER_NOT = "rather_not"


class Diet(enum.StrEnum):
    """Fixed choices only: a diet can reveal faith or health (GDPR art. 9), so no free text."""

    NONE = "none"
    VEGETARIAN = "vegetarian"
    VEGAN = "vegan"
    HALAL = "halal"
    KOSHER = "kosher"
    NO_PORK = "no_pork"
    NO_ALCOHOL = "no_alcohol"


class Allergen(enum.StrEnum):
    """The 14 allergens of Regulation (EU) 1169/2011, Annex II."""

    GLUTEN = "gluten"
    CRUSTACEANS = "crustaceans"
    EGGS = "eggs"
    FISH = "fish"
    PEANUTS = "peanuts"
    SOY = "soy"
    MILK = "milk"
    NUTS = "nuts"
    CELERY = "celery"
    MUSTARD = "mustard"
    SESAME = "sesame"
    SULPHITES = "sulphites"
    LUPIN = "lupin"
    MOLLUSCS = "molluscs"


@dataclass(frozen=True)
class Food:
    consent: bool = False
    diet: Diet | None = None
    allergens: frozenset[Allergen] = frozenset()


@dataclass(frozen=True)
class Needs:
    interpreter: str | None = None  # a language code
    children: int = 0  # coming along with this person, answered for by them
    childcare: bool = False
    transport: bool = False
    accessibility: bool = False


@dataclass(frozen=True)
class NeedsSummary:
    interpreters: dict[str, int]
    children: int
    childcare: int
    transport: int
    accessibility: int


class InviteeState(enum.StrEnum):
    INVITED = "invited"
    OPENED = "opened"
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class InviteeDraft:
    name: str
    relation: str
    group: Group
    locale: str
    must_attend: bool


@dataclass(frozen=True)
class Invitee:
    id: InviteeId
    conference_id: ConferenceId
    name: str
    relation: str
    group: Group
    locale: str
    must_attend: bool
    person_id: PersonId | None = None
    rsvp: Rsvp | None = None
    no_reason: NoReason | None = None
    no_reason_text: str | None = None  # typed after a no: for the coordinator only
    food: Food = Food()
    needs: Needs = Needs()
    opened: bool = False
    reachable: bool = True
    nudges: int = 0

    @property
    def state(self) -> InviteeState:
        if not self.reachable:
            return InviteeState.UNREACHABLE
        if self.rsvp is not None:
            return InviteeState(self.rsvp.value)
        return InviteeState.OPENED if self.opened else InviteeState.INVITED


@dataclass(frozen=True)
class Suggestion:
    id: int
    conference_id: ConferenceId
    suggested_by: str  # the invitee's name, as the coordinator knows them
    name: str
    relation: str
    reach: str | None  # how to reach them: for the coordinator only
