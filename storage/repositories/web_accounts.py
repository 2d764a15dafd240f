"""The accounts of relatives who answer on the web page (WebAccountRepository)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from conference.model.ids import InviteeId, PersonId, web_account_of
from conference.model.web import WebAccount
from storage.repositories.base import Repository
from storage.tables import WebAccountRow


def _account(row: WebAccountRow) -> WebAccount:
    return WebAccount(
        PersonId(row.person_id), row.invitee_id, row.created_at, row.browser_hash, row.email
    )


class SqlWebAccounts(Repository):
    async def add(self, invitee_id: InviteeId, at: datetime) -> WebAccount:
        person = web_account_of(invitee_id)
        row = await self._by_key(WebAccountRow, person)
        if row is None:
            row = WebAccountRow(person_id=person, invitee_id=invitee_id, created_at=at)
            self._s.add(row)
        return _account(row)

    async def get(self, person_id: PersonId) -> WebAccount | None:
        row = await self._by_key(WebAccountRow, person_id)
        return _account(row) if row is not None else None

    async def bind_browser(self, person_id: PersonId, browser_hash: str | None) -> None:
        if (row := await self._by_key(WebAccountRow, person_id)) is not None:
            row.browser_hash = browser_hash

    async def set_email(self, person_id: PersonId, email: str | None) -> None:
        if (row := await self._by_key(WebAccountRow, person_id)) is not None:
            row.email = email

    async def by_browser(self, browser_hash: str) -> WebAccount | None:
        row = await self._s.scalar(
            select(WebAccountRow)
            .where(WebAccountRow.browser_hash == browser_hash)
            .order_by(WebAccountRow.created_at.desc(), WebAccountRow.person_id.desc())
            .limit(1)
        )
        return _account(row) if row is not None else None
