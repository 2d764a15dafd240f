"""After the meeting: 4 weeks on, the chosen people say per agreement how it goes (the
coordinator hears it at once); 3 months on, everyone who took part answers two questions for
research, stored without their name."""

from __future__ import annotations

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

from conference.errors import AlreadyAnswered, InvalidAnswer, NotFound
from conference.intake import clean_text
from conference.model.circle import Invitee
from conference.model.people import Person
from conference.model.plan import Agreement, FollowUp
from conference.model.request import Field
from conference.plan import answer_follow_up, check_in, comment_follow_up
from conference.ports import UnitOfWork
from dialogs.callbacks import CheckInAnswer, FollowUpAnswer, FollowUpComment
from dialogs.clock import now
from dialogs.filters import ButtonsOf, HasText, OwnInvitation
from dialogs.flows.intake import problem_text
from dialogs.in_place import edit_in_place
from dialogs.refusals import not_yours
from dialogs.render.button_text import button_text
from dialogs.render.labels import follow_up_label
from dialogs.render.texts import _, number
from dialogs.replies import Replies
from dialogs.states import FollowingUp
from dialogs.to_others import coordinator_language, notify

# The buttons carry the invitation (`invitee`): OwnInvitation lets only the invited person
# through and gives the handler their invitation and the message.


async def answered(
    callback: CallbackQuery,
    callback_data: FollowUpAnswer,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    """How an agreement goes, 4 weeks on; the coordinator hears it at once."""
    answer = FollowUp(callback_data.answer)
    try:
        agreement = await answer_follow_up(
            uow, person.id, invitee.id, callback_data.agreement, answer, now()
        )
    except NotFound:
        replies.send(callback.answer(_("Die afspraak ken ik niet (meer)."), show_alert=True))
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(
        edit_in_place(
            message,
            escape(agreement.what) + "\n" + follow_up_label(answer) + " " + _("Opgeslagen ✓"),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=button_text("💬 Iets erbij zeggen (hoeft niet)"),
                            callback_data=FollowUpComment(
                                invitee=invitee.id, agreement=agreement.id
                            ).pack(),
                        )
                    ]
                ]
            ),
        )
    )
    await tell_follow_up(replies, uow, i18n, invitee, agreement, answer=answer)


async def comment(
    callback: CallbackQuery,
    callback_data: FollowUpComment,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    await state.set_state(FollowingUp.comment)
    await state.set_data({"invitee": invitee.id, "agreement": callback_data.agreement})
    replies.send(message.answer(_("Typ wat je erover kwijt wilt. De coördinator leest het.")))


async def commented(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    data = await state.get_data()
    try:
        text = clean_text(Field.CONCERNS, message.text or "")
        agreement = await comment_follow_up(
            uow, person.id, data["invitee"], data["agreement"], text
        )
    except InvalidAnswer as error:
        replies.send(message.answer(problem_text(error)))
        return
    except NotFound:
        await state.clear()
        replies.send(message.answer(_("Die afspraak ken ik niet (meer).")))
        return
    await state.clear()
    replies.send(message.answer(_("Opgeslagen ✓ Dank je wel.")))
    invitee = await uow.invitees.get(data["invitee"])
    if invitee is not None:
        await tell_follow_up(replies, uow, i18n, invitee, agreement, comment=text)


async def used(
    callback: CallbackQuery,
    callback_data: CheckInAnswer,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    """3 months on, the first question (is the plan still used?): the second one follows in
    the same message."""
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(
        edit_in_place(
            message,
            _("En hoe gaat het nu, van 1 (slecht) tot 5 (goed)?"),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=number(n),
                            callback_data=(
                                CheckInAnswer(
                                    invitee=invitee.id, used=callback_data.used, score=n
                                ).pack()
                            ),
                        )
                        for n in range(1, 6)
                    ]
                ]
            ),
        )
    )


async def scored(
    callback: CallbackQuery,
    callback_data: CheckInAnswer,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    replies: Replies,
) -> None:
    """The second question answered: both answers are stored, without a name."""
    try:
        await check_in(uow, person.id, invitee.id, callback_data.used, callback_data.score, now())
    except NotFound:
        replies.send(callback.answer(_("Die keuze ken ik niet."), show_alert=True))
        return
    except AlreadyAnswered:
        # (a double tap: the first already turned this message into the thanks)
        replies.send(
            callback.answer(_("Je hebt deze vraag al beantwoord. Dank je wel!"), show_alert=True)
        )
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(
        edit_in_place(
            message,
            _(
                "Dank je wel! Je antwoord wordt zonder je naam bewaard, "
                "om Eigen Kracht-conferenties beter te maken."
            ),
        )
    )


async def unknown_choice(callback: CallbackQuery, replies: Replies) -> None:
    """A button with an answer kring does not offer (a tampered client)."""
    replies.send(callback.answer(_("Die keuze ken ik niet."), show_alert=True))


ANSWERS = [a.value for a in FollowUp]
USED = ("yes", "partly", "no")


def router() -> Router:
    r = Router(name="followup")
    r.callback_query.filter(ButtonsOf(CheckInAnswer, FollowUpAnswer, FollowUpComment))
    own = OwnInvitation()
    r.callback_query.register(answered, FollowUpAnswer.filter(F.answer.in_(ANSWERS)), own)
    r.callback_query.register(unknown_choice, FollowUpAnswer.filter(), own)
    r.callback_query.register(not_yours, FollowUpAnswer.filter())
    r.callback_query.register(comment, FollowUpComment.filter(), own)
    r.callback_query.register(not_yours, FollowUpComment.filter())
    r.message.register(commented, StateFilter(FollowingUp.comment), HasText())
    r.callback_query.register(used, CheckInAnswer.filter(F.used.in_(USED) & (F.score == 0)), own)
    r.callback_query.register(
        scored, CheckInAnswer.filter(F.used.in_(USED) & F.score.in_(range(1, 6))), own
    )
    r.callback_query.register(unknown_choice, CheckInAnswer.filter(), own)
    r.callback_query.register(not_yours, CheckInAnswer.filter())
    return r


async def tell_follow_up(
    replies: Replies,
    uow: UnitOfWork,
    i18n: I18n,
    invitee: Invitee,
    agreement: Agreement,
    answer: FollowUp | None = None,
    comment: str | None = None,
) -> None:
    """The coordinator's summary, at once: who said what about which agreement. The answer is
    named here, in the coordinator's language, not in the relative's."""
    async with coordinator_language(uow, i18n, invitee.conference_id) as request:
        if request is None or request.coordinator_id is None:
            return
        said = follow_up_label(answer) if answer is not None else "💬 " + escape(comment or "")
        notify(
            replies,
            request.coordinator_id,
            _("{reference}, na 4 weken: {name} over “{what}”: {answer}").format(
                reference=request.reference,
                name=escape(invitee.name),
                what=escape(agreement.what),
                answer=said,
            ),
        )
