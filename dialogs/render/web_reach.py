"""Who in the circle hears from kring only on their web page: a relative without Telegram who
gave no e-mail address. The coordinator's view marks them, so the coordinator knows whom to
call; the address itself is never shown."""

from __future__ import annotations

from collections.abc import Sequence

from conference.model.circle import Invitee
from conference.model.ids import InviteeId, on_the_web
from conference.ports import UnitOfWork
from dialogs.render.texts import _


async def web_page_only(uow: UnitOfWork, people: Sequence[Invitee]) -> set[InviteeId]:
    only: set[InviteeId] = set()
    for person in people:
        if person.person_id is not None and on_the_web(person.person_id):
            account = await uow.web_accounts.get(person.person_id)
            if account is None or not account.email:
                only.add(person.id)
    return only


def web_page_only_label() -> str:
    return _("🌐 alleen via de webpagina, geen e-mail: bel deze persoon")
