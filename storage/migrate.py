"""Alembic, driven from code: `kring db upgrade`, `kring run` and the tests all come here.

`kring run` upgrades on every start, and nearly always the database is at head already. That
is told by one query against the head the migration files declare (read as text), so Alembic
(a tenth of a second to import) is only loaded when there is work to do, or when the files do
not say their revisions plainly."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

_DECLARED = re.compile(
    r"""^(?P<name>down_revision|revision)\s*(?::[^=\n]*)?=\s*(?:None|"(?P<d>[^"]*)"|'(?P<s>[^']*)')\s*$""",
    re.MULTILINE,
)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def declared_head() -> str | None:
    """The one head revision the migration files declare; None when they do not say it
    plainly (two heads, a computed revision): then Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        if path.name.startswith("_"):
            continue
        found = {
            m["name"]: m["d"] if m["d"] is not None else m["s"]
            for m in _DECLARED.finditer(path.read_text(encoding="utf-8"))
        }
        if not found.get("revision") or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        if found["down_revision"]:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def revision_of(connection: AsyncConnection) -> str | None:
    """The revision the database on this connection is at (DBAPIError: not under Alembic)."""
    versions = (
        (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    )
    return versions[0] if len(versions) == 1 else None


async def current_revision(url: str) -> str | None:
    """The revision the database is at (None: not under Alembic yet). A database that cannot
    be reached raises (the caller waits for it), rather than passing for a new one."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            try:
                return await revision_of(connection)
            except DBAPIError:
                return None  # no alembic_version table: a new database
    finally:
        await engine.dispose()


async def upgrade(url: str, revision: str = "head") -> None:
    if revision == "head":
        head = declared_head()
        if head is not None and await current_revision(url) == head:
            return
    from alembic import command

    # env.py runs its own event loop, so it goes to a worker thread.
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


async def downgrade(url: str, revision: str) -> None:
    from alembic import command

    await asyncio.to_thread(command.downgrade, alembic_config(url), revision)
