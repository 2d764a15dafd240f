"""The people who wrote to the bot (PersonRepository)."""

from __future__ import annotations

from conference.model.ids import PersonId
from conference.model.people import Person
from storage.repositories.base import Repository, utc_now
from storage.tables import PersonRow


def _person(row: PersonRow) -> Person:
    return Person(PersonId(row.id), row.first_name, row.locale, row.reachable)


class SqlPersons(Repository):
    async def get(self, person_id: PersonId) -> Person | None:
        row = await self._by_key(PersonRow, person_id)
        return _person(row) if row is not None else None

    async def upsert(self, person_id: PersonId, first_name: str, locale: str | None) -> Person:
        row = await self._by_key(PersonRow, person_id)
        if row is None:
            row = PersonRow(
                id=person_id,
                first_name=first_name,
                locale=locale,
                reachable=True,
                created_at=utc_now(),
            )
            self._s.add(row)
        else:
            row.first_name = first_name
            row.locale = row.locale or locale
        return _person(row)

    async def set_locale(self, person_id: PersonId, locale: str) -> None:
        if (row := await self._by_key(PersonRow, person_id)) is not None:
            row.locale = locale

    async def set_reachable(self, person_id: PersonId, reachable: bool) -> None:
        if (row := await self._by_key(PersonRow, person_id)) is not None:
            row.reachable = reachable
