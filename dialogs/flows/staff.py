"""Staff: their own command menu (Telegram shows it in their chat only), /help by role, and the
one-time link from `kring staff invite` that makes whoever opens it a staff member."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import CommandObject, CommandStart
from aiogram.methods import DeleteMyCommands, SetMyCommands
from aiogram.types import BotCommand, BotCommandScopeChat, Message
from aiogram.utils.i18n import I18n

from conference.errors import JoinRefused, StaffLinkRefused
from conference.model.ids import PersonId
from conference.model.people import Person, StaffRole
from conference.ports import UnitOfWork
from conference.staffing import PREFIX, join_staff
from dialogs.clock import now
from dialogs.render.texts import _
from dialogs.replies import Replies

log = logging.getLogger(__name__)


def staff_commands(role: StaffRole) -> list[BotCommand]:
    """The menu a regional manager or a coordinator sees (in the current language)."""
    work = (
        BotCommand(command="requests", description=_("Open aanvragen en toewijzen"))
        if role is StaffRole.MANAGER
        else BotCommand(command="conferences", description=_("Mijn conferenties en de kring"))
    )
    return [
        work,
        BotCommand(command="help", description=_("Uitleg: waar ben ik en wat kan ik doen")),
        BotCommand(command="language", description=_("Taal kiezen")),
        BotCommand(command="cancel", description=_("Stoppen met wat je nu doet")),
        BotCommand(command="start", description=_("Begin of opnieuw beginnen")),
    ]


def staff_menu(
    i18n: I18n, person: PersonId, role: StaffRole | None, locale: str
) -> SetMyCommands | DeleteMyCommands:
    """Their own menu in their chat, in their language; `role` None takes it away again (then
    they see the menu everyone sees). In a handler, hand it to `replies`."""
    scope = BotCommandScopeChat(chat_id=person)
    if role is None:
        return DeleteMyCommands(scope=scope)
    with i18n.use_locale(locale if locale in i18n.available_locales else i18n.default_locale):
        return SetMyCommands(commands=staff_commands(role), scope=scope)


async def publish_staff_menu(
    bot: Bot, i18n: I18n, person: PersonId, role: StaffRole | None, locale: str
) -> bool:
    """`staff_menu`, set right away (`kring staff`, outside any update). False when Telegram
    would not (they never opened the bot: the menu follows at their first /start)."""
    try:
        await bot(staff_menu(i18n, person, role, locale))
    except (TelegramBadRequest, TelegramForbiddenError) as error:
        log.info("no staff menu for a chat: %s", error.message)
        return False
    return True


def staff_help(role: StaffRole) -> str:
    if role is StaffRole.MANAGER:
        return _(
            "Je staat in kring als regiomanager. Nieuwe aanvragen komen hier binnen; met "
            "/requests zie je alle open aanvragen en wijs je een coördinator toe."
        )
    return (
        _(
            "Je staat in kring als coördinator. Als een regiomanager je een aanvraag "
            "toewijst, hoor je het hier."
        )
        + " "
        + _(
            "Met /conferences zie je je conferenties: daar nodig je mensen uit, kies je een "
            "datum, stuur je berichten en schrijf je het plan."
        )
    )


def router() -> Router:
    r = Router(name="staff")
    r.message.register(joined, CommandStart(deep_link=True, magic=F.args.startswith(PREFIX)))
    return r


async def joined(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    try:
        member = await join_staff(uow, person.id, command.args or "", now())
    except StaffLinkRefused as refused:
        replies.send(message.answer(_refusal(refused.reason)))
        return
    replies.send(
        message.answer(
            _("Welkom, {name}! ✓").format(name=escape(member.name))
            + "\n\n"
            + staff_help(member.role)
        )
    )
    replies.send(staff_menu(i18n, person.id, member.role, i18n.current_locale))


def _refusal(reason: JoinRefused) -> str:
    return {
        JoinRefused.UNKNOWN: _(
            "Deze link ken ik niet. Vraag wie je uitnodigde om een nieuwe link."
        ),
        JoinRefused.EXPIRED: _(
            "Deze link is verlopen (een link werkt 7 dagen). Vraag wie "
            "je uitnodigde om een nieuwe link."
        ),
        JoinRefused.USED: _(
            "Deze link is al gebruikt; hij werkt maar één keer. Vraag wie "
            "je uitnodigde om een nieuwe link."
        ),
    }[reason]
