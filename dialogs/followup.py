"""After the meeting: 4 weeks on, the chosen people say per agreement how it goes (the
coordinator hears it at once); 3 months on, everyone who took part answers two questions for
research, stored without their name."""

from __future__ import annotations

from html import escape

from aiogram import Bot, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from conference.errors import AlreadyAnswered, InvalidAnswer, NotFound
from conference.intake import clean_text
from conference.model.circle import Invitee
from conference.model.people import Person
from conference.model.plan import Agreement, FollowUp
from conference.model.request import Field
from conference.plan import answer_follow_up, check_in, comment_follow_up
from conference.ports import UnitOfWork
from dialogs.button_text import button_text
from dialogs.callbacks import CheckInAnswer, FollowUpAnswer, FollowUpComment
from dialogs.clock import now
from dialogs.filters import HasText
from dialogs.intake import problem_text
from dialogs.outbound import coordinator_language, deliver
from dialogs.owned import owned
from dialogs.states import FollowingUp
from dialogs.texts import _, number


def follow_up_label(answer: FollowUp) -> str:
    return {
        FollowUp.GOING_WELL: button_text("👍 Gaat goed"),
        FollowUp.PARTLY: button_text("〰️ Deels"),
        FollowUp.NOT_YET: button_text("⏳ Nog niet"),
        FollowUp.NOT_RELEVANT: button_text("Niet meer nodig"),
    }[answer]


def follow_up_markup(invitee: int, agreement: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=follow_up_label(a),
                    callback_data=FollowUpAnswer(
                        invitee=invitee, agreement=agreement, answer=a.value
                    ).pack(),
                )
            ]
            for a in FollowUp
        ]
    )


def used_label(used: str) -> str:
    return {"yes": _("Ja"), "partly": _("Een beetje"), "no": _("Nee")}[used]


def check_in_markup(invitee: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=used_label(used),
                    callback_data=CheckInAnswer(invitee=invitee, used=used).pack(),
                )
                for used in ("yes", "partly", "no")
            ]
        ]
    )


def router() -> Router:
    r = Router(name="followup")

    @r.callback_query(FollowUpAnswer.filter())
    async def answered(
        callback: CallbackQuery,
        callback_data: FollowUpAnswer,
        uow: UnitOfWork,
        person: Person,
        bot: Bot,
        i18n: I18n,
    ) -> None:
        if (found := await owned(callback, uow, person, callback_data.invitee)) is None:
            return
        invitee, message = found
        if callback_data.answer not in FollowUp._value2member_map_:
            await callback.answer(_("Die keuze ken ik niet."), show_alert=True)
            return
        answer = FollowUp(callback_data.answer)
        try:
            agreement = await answer_follow_up(
                uow, person.id, invitee.id, callback_data.agreement, answer, now()
            )
        except NotFound:
            await callback.answer(_("Die afspraak ken ik niet (meer)."), show_alert=True)
            return
        await callback.answer(_("Opgeslagen ✓"))
        await message.edit_text(
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
        await _tell(bot, uow, i18n, invitee, agreement, answer=answer)

    @r.callback_query(FollowUpComment.filter())
    async def comment(
        callback: CallbackQuery,
        callback_data: FollowUpComment,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
    ) -> None:
        if (found := await owned(callback, uow, person, callback_data.invitee)) is None:
            return
        invitee, message = found
        await callback.answer()
        await state.set_state(FollowingUp.comment)
        await state.set_data({"invitee": invitee.id, "agreement": callback_data.agreement})
        await message.answer(_("Typ wat je erover kwijt wilt. De coördinator leest het."))

    @r.message(StateFilter(FollowingUp.comment), HasText())
    async def commented(
        message: Message, state: FSMContext, uow: UnitOfWork, person: Person, bot: Bot, i18n: I18n
    ) -> None:
        data = await state.get_data()
        try:
            text = clean_text(Field.CONCERNS, message.text or "")
            agreement = await comment_follow_up(
                uow, person.id, data["invitee"], data["agreement"], text
            )
        except InvalidAnswer as error:
            await message.answer(problem_text(error))
            return
        except NotFound:
            await state.clear()
            await message.answer(_("Die afspraak ken ik niet (meer)."))
            return
        await state.clear()
        await message.answer(_("Opgeslagen ✓ Dank je wel."))
        invitee = await uow.invitees.get(data["invitee"])
        if invitee is not None:
            await _tell(bot, uow, i18n, invitee, agreement, comment=text)

    @r.callback_query(CheckInAnswer.filter())
    async def checked(
        callback: CallbackQuery, callback_data: CheckInAnswer, uow: UnitOfWork, person: Person
    ) -> None:
        if (found := await owned(callback, uow, person, callback_data.invitee)) is None:
            return
        invitee, message = found
        if callback_data.used not in ("yes", "partly", "no") or not (
            0 <= callback_data.score <= 5
        ):
            await callback.answer(_("Die keuze ken ik niet."), show_alert=True)
            return
        if not callback_data.score:  # the second question, in the same message
            await callback.answer(_("Opgeslagen ✓"))
            await message.edit_text(
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
            return
        try:
            await check_in(
                uow, person.id, invitee.id, callback_data.used, callback_data.score, now()
            )
        except NotFound:
            await callback.answer(_("Die keuze ken ik niet."), show_alert=True)
            return
        except AlreadyAnswered:
            # (a double tap: the first already turned this message into the thanks)
            await callback.answer(
                _("Je hebt deze vraag al beantwoord. Dank je wel!"), show_alert=True
            )
            return
        await callback.answer(_("Opgeslagen ✓"))
        await message.edit_text(
            _(
                "Dank je wel! Je antwoord wordt zonder je naam bewaard, "
                "om Eigen Kracht-conferenties beter te maken."
            )
        )

    return r


async def _tell(
    bot: Bot,
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
        await deliver(
            bot,
            uow,
            request.coordinator_id,
            _("{reference}, na 4 weken: {name} over “{what}”: {answer}").format(
                reference=request.reference,
                name=escape(invitee.name),
                what=escape(agreement.what),
                answer=said,
            ),
        )
