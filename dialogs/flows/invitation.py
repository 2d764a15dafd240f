"""An invited person opens their personal link: greeted by name, in their language, asked to
answer. The link is checked against the database every time."""

from __future__ import annotations

import logging
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    MaybeInaccessibleMessageUnion,
    Message,
)
from aiogram.utils.i18n import I18n

from conference.circle import (
    TRIES_IN_TOTAL,
    answer,
    give_reason,
    is_applicant,
    my_invitations,
    open_invitation,
    tell_of_second_phone,
)
from conference.errors import InvitationRefused, NotFound, Refusal
from conference.meeting import may_propose
from conference.model.circle import Group, Invitee, NoReason, Rsvp
from conference.model.outbox import Batch, Outbound, Text
from conference.model.people import Person
from conference.model.reminders import Policy
from conference.model.request import ConferenceRequest
from conference.ports import UnitOfWork
from conference.requests import set_language
from dialogs.callbacks import NoReasonAnswer, RsvpAnswer
from dialogs.clock import now
from dialogs.filters import BeforeTheMeeting, ButtonsOf, OwnInvitation, TypedWords
from dialogs.in_place import edit_in_place
from dialogs.refusals import meeting_has_begun, not_yours
from dialogs.render.buttons import (
    rsvp_buttons,
)
from dialogs.render.rsvp_news import tell_coordinator
from dialogs.render.texts import _, joined, labelled
from dialogs.replies import Replies
from dialogs.states import Answering
from dialogs.to_others import coordinator_language, notify, when

log = logging.getLogger(__name__)

_RSVPS = tuple(rsvp.value for rsvp in Rsvp)
_NO_REASONS = tuple(reason.value for reason in NoReason)


def invitation_text(invitee: Invitee, request: ConferenceRequest | None, applicant: bool) -> str:
    """The invitation as its reader gets it (in the current locale): who it is for, what it
    is, the minimum requirement if any, and the question."""
    if applicant and request is not None:
        # known since the request: no introduction, no questions asked again
        text = _(
            "Hallo {name}! Je vroeg deze Eigen Kracht-conferentie aan "
            "({reference}). Nu ben je ook uitgenodigd voor de kring: dit is "
            "dezelfde conferentie."
        ).format(name=escape(invitee.name), reference=request.reference)
    else:
        text = _(
            "Hallo {name}! Je bent uitgenodigd voor een Eigen Kracht-conferentie.\n\n"
            "Daar maken familie, vrienden en buren samen een plan. Een onafhankelijke "
            "coördinator helpt met de voorbereiding. Het plan is van de familie.\n"
            "Eerst krijgt iedereen uitleg en informatie. Daarna praat de familie "
            "alleen verder, zonder coördinator en hulpverleners. Dat heet het besloten "
            "deel.\n"
            "Wat we van je vragen: kom als je kunt, en denk mee."
        ).format(name=escape(invitee.name))
    if (
        request is not None
        and request.minimum_requirement
        and (invitee.group is not Group.PROFESSIONAL)
    ):
        # It lies on the table for everyone in the family (professionals learn what
        # part 1 needs from the coordinator).
        text += "\n\n" + _(
            "Eén regel staat al vast: {requirement}\nElk plan moet zich daaraan houden. "
            "Zo'n regel heet een minimumeis."
        ).format(requirement=escape(request.minimum_requirement))
    return text + "\n\n" + _("Kom je?")


async def _stop_asking_why(state: FSMContext) -> None:
    if await state.get_state() == Answering.reason.state:
        await state.set_state(None)


async def extras(uow: UnitOfWork, invitee: Invitee) -> dict[str, bool]:
    """Which of the later buttons fit now: the dates while they are being chosen (not for
    someone who said no), a proposal of their own for the main person."""
    meeting = await uow.meetings.get(invitee.conference_id)
    open_vote = not meeting.fixed and bool(await uow.meetings.slots(invitee.conference_id))
    return {
        "dates": open_vote and invitee.rsvp is not Rsvp.NO,
        "propose": not meeting.fixed and may_propose(invitee),
        "minimum": invitee.group is Group.PROFESSIONAL,
    }


async def opened(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
    invitation_refusals_per_hour: int = TRIES_IN_TOTAL,
) -> None:
    token = command.args or ""
    try:
        invitee = await open_invitation(uow, person.id, token, now(), invitation_refusals_per_hour)
    except InvitationRefused as refused:
        if refused.reason is Refusal.PAUSED:  # the account's id only, never the link
            log.warning("invitation links paused (too many refused of late): %s", person.id)
        replies.send(
            message.answer(
                {
                    Refusal.UNKNOWN: _(
                        "Deze uitnodiging ken ik niet (meer). Vraag de coördinator "
                        "om een nieuwe link."
                    ),
                    Refusal.EXPIRED: _(
                        "Deze uitnodiging is verlopen. Vraag de coördinator om een nieuwe link."
                    ),
                    Refusal.TAKEN: _(
                        "Deze uitnodiging is al geopend op een andere telefoon. Is dat "
                        "niet van jou? De coördinator hoort het en helpt je verder."
                    ),
                    Refusal.TOO_MANY: _(
                        "Dat waren te veel links die niet klopten. Probeer het over een uur "
                        "opnieuw, of vraag de coördinator om een nieuwe link."
                    ),
                    Refusal.PAUSED: _(
                        "Je uitnodiging openen lukt nu even niet. Probeer je link over een uur "
                        "opnieuw. Sorry!"
                    ),
                }[refused.reason]
            )
        )
        taken = refused.invitee if refused.reason is Refusal.TAKEN else None
        if taken is not None and await tell_of_second_phone(uow, taken, now()):
            await _tell_taken(replies, uow, i18n, taken)
        return
    applicant = await is_applicant(uow, invitee)
    if not applicant:  # the applicant keeps the language they chose when applying
        try:
            await set_language(uow, person.id, invitee.locale, i18n.available_locales)
        except NotFound:
            pass
    request = await uow.conferences.get(invitee.conference_id)
    with i18n.use_locale(
        invitee.locale if invitee.locale in i18n.available_locales else i18n.current_locale
    ):
        replies.send(
            message.answer(
                invitation_text(invitee, request, applicant),
                reply_markup=rsvp_buttons(invitee.id, minimum=invitee.group is Group.PROFESSIONAL),
            )
        )


async def me(
    message: Message,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    mine = await my_invitations(uow, person.id)
    if not mine:
        replies.send(
            message.answer(
                _(
                    "Je bent (nog) niet uitgenodigd voor een conferentie. Heb je "
                    "een persoonlijke link gekregen? Open die dan."
                )
            )
        )
        return
    for invitee in mine:
        request = await uow.conferences.get(invitee.conference_id)
        state: str = (
            {
                Rsvp.YES: _("Je komt."),
                Rsvp.MAYBE: _("Je komt misschien."),
                Rsvp.NO: _("Je kunt niet komen."),
            }[invitee.rsvp]
            if invitee.rsvp
            else (_("Je hebt nog niet geantwoord."))
        )
        meeting = await uow.meetings.get(invitee.conference_id)
        if meeting.fixed and meeting.starts_at is not None:
            state += "\n" + labelled("📅", when(meeting.starts_at, zone, i18n.current_locale))
            if meeting.venue:
                state += "\n" + labelled(
                    "📍",
                    joined(
                        [escape(meeting.venue.name), escape(meeting.venue.address or "")], ", "
                    ),
                )
        title = (
            _("<b>Mijn conferentie</b> ({reference})").format(
                reference=request.reference if request else "?"
            )
            + "\n"
            + state
        )
        if meeting.has_begun(now()):
            replies.send(
                message.answer(
                    title + "\n\n" + _("De conferentie is geweest. Dank je wel voor je inzet!")
                )
            )
            continue  # answers are for before the meeting
        replies.send(
            message.answer(
                title + "\n\n" + _("Je kunt je antwoord hieronder nog veranderen."),
                reply_markup=rsvp_buttons(
                    invitee.id,
                    food=invitee.rsvp in (Rsvp.YES, Rsvp.MAYBE),
                    **await extras(uow, invitee),
                ),
            )
        )


async def answered(
    callback: CallbackQuery,
    callback_data: RsvpAnswer,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    policy: Policy,
    state: FSMContext,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """Yes, maybe or no (days later too: the message is edited in place by its id)."""
    before = invitee.rsvp
    invitee = await answer(
        uow, person.id, invitee.id, Rsvp(callback_data.answer), policy=policy, now=now()
    )
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await tell_coordinator(replies, uow, i18n, zone, invitee, before)
    thanks = {
        Rsvp.YES: _("Fijn dat je komt! Opgeslagen ✓"),
        Rsvp.MAYBE: _("Dank je. Laat het weten als je het zeker weet. Opgeslagen ✓"),
        Rsvp.NO: _("Jammer, en helemaal goed. Dank je wel dat je het laat weten. Opgeslagen ✓"),
    }[Rsvp(callback_data.answer)]
    text = thanks + "\n\n" + _("Je kunt je antwoord hieronder nog veranderen.")
    no = callback_data.answer == Rsvp.NO.value
    if no:
        text += " " + _("Wil je zeggen waarom? Tik op een reden of typ het hier. Dat hoeft niet.")
        await state.set_state(Answering.reason)
        await state.update_data(reason_for=invitee.id)
    else:
        await _stop_asking_why(state)
    # the same tap twice redraws the same message: Telegram's "not modified" is no failure
    replies.send(
        edit_in_place(
            message,
            text,
            reply_markup=rsvp_buttons(
                invitee.id, ask_reason=no, food=not no, **await extras(uow, invitee)
            ),
        )
    )


async def reason(
    callback: CallbackQuery,
    callback_data: NoReasonAnswer,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    policy: Policy,
    state: FSMContext,
    replies: Replies,
) -> None:
    """Why not, tapped."""
    await answer(
        uow,
        person.id,
        invitee.id,
        Rsvp.NO,
        NoReason(callback_data.reason),
        policy=policy,
        now=now(),
    )
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await _stop_asking_why(state)
    replies.send(
        edit_in_place(
            message,
            _(
                "Dank je wel dat je het laat weten. De coördinator kijkt of er iets te "
                "regelen valt. Opgeslagen ✓"
            )
            + "\n\n"
            + _("Je kunt je antwoord hieronder nog veranderen."),
            reply_markup=rsvp_buttons(invitee.id),
        )
    )


async def unknown_choice(callback: CallbackQuery, replies: Replies) -> None:
    """A button whose answer or reason kring does not know (forged, or from an old version)."""
    replies.send(callback.answer(_("Die keuze ken ik niet."), show_alert=True))


async def typed_reason(
    message: Message, state: FSMContext, uow: UnitOfWork, person: Person, replies: Replies
) -> None:
    """Why not, in their own words. The thanks goes through the outbox, so it is said only
    once the reason is stored (the outbox sends after this update commits)."""
    invitee_id = (await state.get_data()).get("reason_for")
    await state.set_state(None)
    try:
        invitee = await give_reason(uow, person.id, int(invitee_id or 0), message.text or "")
    except NotFound:
        replies.send(message.answer(_("Je antwoord is intussen veranderd. Kijk bij /me.")))
        return
    await uow.outbox.enqueue(
        Batch(kind="note", created_by=person.id, conference_id=invitee.conference_id),
        [
            Outbound(
                person.id,
                invitee.id,
                (
                    Text(
                        _(
                            "Dank je wel dat je het laat weten. Alleen de coördinator leest het. "
                            "Opgeslagen ✓"
                        )
                    ),
                ),
            )
        ],
        now(),
    )


async def _tell_taken(replies: Replies, uow: UnitOfWork, i18n: I18n, invitee: Invitee) -> None:
    """A second phone tried the link: the coordinator hears it in their own language (the
    person who tapped it may read another)."""
    async with coordinator_language(uow, i18n, invitee.conference_id) as request:
        if request is None or request.coordinator_id is None:
            return
        notify(
            replies,
            request.coordinator_id,
            _(
                "Let op: de uitnodiging van {name} ({reference}) is geopend op een tweede "
                "telefoon en geweigerd. Geef {name} zo nodig een nieuwe link."
            ).format(name=escape(invitee.name), reference=request.reference),
        )


def router() -> Router:
    r = Router(name="invitation")
    r.callback_query.filter(ButtonsOf(NoReasonAnswer, RsvpAnswer))
    r.message.register(opened, CommandStart(deep_link=True))
    r.message.register(me, Command("me"))
    own, before = OwnInvitation(), BeforeTheMeeting()
    r.callback_query.register(answered, RsvpAnswer.filter(F.answer.in_(_RSVPS)), own, before)
    r.callback_query.register(
        reason, NoReasonAnswer.filter(F.reason.in_(_NO_REASONS)), own, before
    )
    r.callback_query.register(meeting_has_begun, RsvpAnswer.filter(), own, ~before)
    r.callback_query.register(meeting_has_begun, NoReasonAnswer.filter(), own, ~before)
    r.callback_query.register(unknown_choice, RsvpAnswer.filter(), own)
    r.callback_query.register(unknown_choice, NoReasonAnswer.filter(), own)
    r.callback_query.register(not_yours, RsvpAnswer.filter())
    r.callback_query.register(not_yours, NoReasonAnswer.filter())
    r.message.register(typed_reason, StateFilter(Answering.reason), TypedWords())
    return r
