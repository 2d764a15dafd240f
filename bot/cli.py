"""`kring run`, `kring serve`, `kring playground`, `kring db upgrade|backup`,
`kring staff add|invite|list|remove`, `kring jobs list`,
`kring audit verify|--conference REF|--person ID`,
`kring export|erase --person ID | --conference REF`, `kring keys new|rotate`, `kring i18n ...`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot import logs
from bot.config import ConfigError, Settings, data_keys, listen_address, load_settings
from conference.erasure import Forgotten, erase_conference, erase_person
from conference.errors import NotFound, StillStaff
from conference.model.audit import AuditRecord, OnBehalfOf
from conference.model.ids import PersonId
from conference.model.people import Gender, StaffMember, StaffRole
from conference.personal_data import export_conference, export_person
from conference.requests import add_staff, remove_staff
from conference.staffing import invite_staff
from storage.crypto import KeyRing, UnknownKey, new_key
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.sealing import reseal
from storage.uow import SqlUnitOfWork


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="kring", description="kring: the family conference bot")
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot with long polling (applies migrations first)")
    playground = commands.add_parser(
        "playground",
        help="try kring without Telegram: the bot against a local emulator, with a page of "
        "phones side by side (no token, no network)",
    )
    playground.add_argument(
        "--port", type=int, default=8765, help="where the page is served (127.0.0.1:PORT)"
    )
    playground.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help="keep the playground in this database (default: KRING_DATABASE_URL if set, "
        "else a throwaway SQLite database)",
    )
    commands.add_parser(
        "serve",
        help="run the bot as a webhook service on KRING_LISTEN (applies migrations first)",
    )
    db = commands.add_parser("db", help="database maintenance")
    db_actions = db.add_subparsers(dest="action", required=True)
    db_actions.add_parser("upgrade", help="apply migrations to head")
    backup = db_actions.add_parser(
        "backup",
        help="SQLite: write a consistent copy of the database to FILE, also while kring runs "
        "(PostgreSQL: use pg_dump -Fc)",
    )
    backup.add_argument("file", help="where the copy goes; must not exist yet")
    staff = commands.add_parser("staff", help="who the regional managers and coordinators are")
    staff_actions = staff.add_subparsers(dest="action", required=True)
    add = staff_actions.add_parser("add", help="add or update a staff member")
    add.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    add.add_argument("--telegram-id", required=True, type=int)
    add.add_argument("--name", required=True)
    add.add_argument("--languages", default="nl", help="comma-separated, e.g. nl,tr")
    add.add_argument("--region", default=None)
    add.add_argument(
        "--gender",
        choices=[g.value for g in Gender],
        default=None,
        help="f, m or x: families may ask for a woman or a man as coordinator",
    )
    invite = staff_actions.add_parser(
        "invite",
        help="a one-time link (valid 7 days) that makes whoever opens it this staff "
        "member: no Telegram id needed (needs KRING_BOT_TOKEN)",
    )
    invite.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    invite.add_argument("--name", required=True)
    invite.add_argument("--languages", default="nl", help="comma-separated, e.g. nl,tr")
    invite.add_argument("--region", default=None)
    invite.add_argument(
        "--gender",
        choices=[g.value for g in Gender],
        default=None,
        help="f, m or x: families may ask for a woman or a man as coordinator",
    )
    staff_actions.add_parser("list", help="list staff")
    remove = staff_actions.add_parser("remove", help="remove a staff member")
    remove.add_argument("--telegram-id", required=True, type=int)
    jobs = commands.add_parser("jobs", help="pending reminders and nudges")
    jobs_actions = jobs.add_subparsers(dest="action", required=True)
    listing = jobs_actions.add_parser("list", help="what is still to be sent, and when")
    listing.add_argument("--conference", metavar="REF", help="only this one, e.g. EK-2026-0007")
    audit = commands.add_parser(
        "audit",
        help="the audit log (NEN 7513): who read or changed which conference; never content",
    )
    audit.add_argument(
        "action",
        nargs="?",
        choices=["verify"],
        help="verify: walk the hash chain; exit 1 and the first broken position if it is not "
        "intact",
    )
    audit_of = audit.add_mutually_exclusive_group()
    audit_of.add_argument(
        "--conference", metavar="REF", help="print this conference's records, e.g. EK-2026-0007"
    )
    audit_of.add_argument(
        "--person",
        metavar="ID",
        type=int,
        help="print what this person (Telegram id) did, and what was done to their data",
    )
    export = commands.add_parser(
        "export", help="a copy of what kring holds about a person or a conference, as JSON"
    )
    _whose(export)
    export.add_argument("--output", metavar="FILE", help="write to FILE (default: stdout)")
    erase = commands.add_parser(
        "erase",
        help="erase a person's or a conference's personal data (counts stay); asks to type "
        "ERASE unless --yes",
    )
    _whose(erase)
    erase.add_argument("--yes", action="store_true", help="do not ask")
    keys = commands.add_parser("keys", help="the data keys that seal texts in the database")
    keys_actions = keys.add_subparsers(dest="action", required=True)
    keys_actions.add_parser("new", help="print a fresh key (for KRING_DATA_KEY)")
    keys_actions.add_parser(
        "rotate",
        help="seal every value under the newest key in KRING_DATA_KEY (the first), in small "
        "batches while kring runs; afterwards the older keys can be removed",
    )
    i18n = commands.add_parser("i18n", help="translation catalogs (locales/)")
    i18n.add_argument(
        "action",
        choices=["extract", "check", "init"],
        help="extract: sources -> messages.pot -> every .po; check: all "
        "translated; init LANG: start a new language",
    )
    i18n.add_argument("locale", nargs="?", help="with init: the language code, e.g. tr")
    return root


def _whose(command: argparse.ArgumentParser) -> None:
    whose = command.add_mutually_exclusive_group(required=True)
    whose.add_argument("--person", type=int, metavar="ID", help="a Telegram id")
    whose.add_argument("--conference", metavar="REF", help="a reference, e.g. EK-2026-0007")


async def _export(settings: Settings, keys: KeyRing, args: argparse.Namespace) -> int:
    """Audited as personal_data.exported, on behalf of the operator."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url, keys)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            try:
                data = await (
                    export_person(uow, PersonId(args.person))
                    if args.person is not None
                    else export_conference(uow, args.conference)
                )
            except NotFound:
                print("kring: nothing found for that id or reference", file=sys.stderr)
                return 1
            await uow.commit()
    finally:
        await engine.dispose()
    document = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if not args.output:
        print(document)
        return 0
    try:  # readable by its owner only: it holds personal data
        descriptor = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(f"kring: {args.output} exists already; choose a new file name", file=sys.stderr)
        return 2
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(document + "\n")
    print(f"written to {args.output}")
    return 0


async def _erase(settings: Settings, keys: KeyRing, args: argparse.Namespace) -> int:
    """Audited as personal_data.erased, on behalf of the operator; the person's id in the
    audit log becomes a pseudonym (personal_data.pseudonymised)."""
    what = f"person {args.person}" if args.person is not None else args.conference
    if not args.yes:
        print(f"This erases the personal data of {what}; it cannot be undone.")
        print("Type ERASE to go on: ", end="", flush=True)
        if sys.stdin.readline().strip() != "ERASE":
            print("nothing erased")
            return 1
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url, keys)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            try:
                if args.person is not None:
                    forgotten = await erase_person(uow, PersonId(args.person))
                    erased = forgotten.erased
                    await _tell_coordinators(settings, uow, forgotten)
                else:
                    erased = await erase_conference(uow, args.conference, datetime.now(UTC))
            except NotFound:
                print(f"kring: no conference {args.conference}", file=sys.stderr)
                return 1
            except StillStaff as error:
                print(
                    "kring: still coordinates " + ", ".join(error.open_conferences) + "; "
                    "assign those to a colleague first",
                    file=sys.stderr,
                )
                return 1
            await uow.commit()
    finally:
        await engine.dispose()
    print(
        f"erased: {len(erased.conferences)} conferences touched, {erased.invitees} places "
        f"anonymised, {erased.removed} rows removed, {erased.messages} message texts "
        f"emptied, {erased.persons} persons removed"
    )
    return 0


async def _tell_coordinators(settings: Settings, uow: SqlUnitOfWork, forgotten: Forgotten) -> None:
    from bot.app import build_i18n
    from dialogs.flows.privacy import tell_coordinators

    i18n = build_i18n(settings)
    with i18n.context():
        await tell_coordinators(uow, i18n, forgotten)


def _i18n(settings: Settings, args: argparse.Namespace) -> int:
    from bot import catalogs

    template = catalogs.extract()
    if args.action == "init":
        if not args.locale:
            print("kring i18n init needs a language code, e.g. kring i18n init tr")
            return 2
        print(catalogs.init(settings.locales_dir, args.locale, template))
        return 0
    if args.action == "extract":
        for path in catalogs.update(settings.locales_dir, template):
            print(f"updated {path}")
    found = catalogs.problems(settings.locales_dir, template)
    for line in found:
        print(line)
    print(f"{len(template)} messages, {len(found)} problems")
    return 1 if found and args.action == "check" else 0


async def _run(settings: Settings, serve: bool = False) -> int:
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import Kring  # aiogram is only needed for the bot itself
    from storage.instance_lock import AnotherInstance

    app = await Kring.create(settings)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, app.stop)
    try:
        await (app.run_webhook() if serve else app.run_polling())
    except AnotherInstance as error:
        print(f"kring: {error}", file=sys.stderr)
        return 1
    except TelegramUnauthorizedError:
        print(
            "kring: Telegram does not accept KRING_BOT_TOKEN; copy it again from @BotFather",
            file=sys.stderr,
        )
        return 2
    except TelegramNetworkError:
        print(
            f"kring: cannot reach the Bot API at {settings.api_base} (KRING_API_BASE); "
            "is the network up?",
            file=sys.stderr,
        )
        return 1
    finally:
        await app.close()
    return 0


def _languages(text: str) -> tuple[str, ...]:
    return tuple(c.strip().lower() for c in text.split(",") if c.strip())


async def _bot_username(settings: Settings) -> str:
    """The bot's @name, from Telegram itself (getMe with KRING_BOT_TOKEN): nothing more for
    the operator to configure, and never a link to the wrong bot."""
    from bot.app import build_bot

    bot = build_bot(settings)
    try:
        me = await bot.get_me()
    finally:
        await bot.session.close()
    return me.username or ""


async def _staff_menu(
    settings: Settings, person: PersonId, role: StaffRole | None, locale: str | None
) -> str:
    """Set (or with role None take away) a staff member's own command menu right away."""
    if settings.bot_token is None:
        return "their command menu follows at their next /start (KRING_BOT_TOKEN is not set)"
    from aiogram.exceptions import AiogramError

    from bot.app import build_bot, build_i18n
    from dialogs.flows.staff import publish_staff_menu

    bot = build_bot(settings)
    try:
        i18n = build_i18n(settings)
        with i18n.context():
            done = await publish_staff_menu(
                bot, i18n, person, role, locale or settings.default_locale
            )
    except AiogramError as error:
        return f"their command menu could not be changed now ({type(error).__name__})"
    finally:
        await bot.session.close()
    if role is None:
        return "their staff command menu is gone" if done else ""
    return (
        "their command menu is set"
        if done
        else ("their command menu follows when they open the bot (/start)")
    )


async def _invite(settings: Settings, keys: KeyRing, args: argparse.Namespace) -> int:
    if settings.bot_token is None:
        print(
            "kring staff invite asks Telegram for the bot's name: set KRING_BOT_TOKEN "
            "(as for kring run)",
            file=sys.stderr,
        )
        return 2
    try:
        username = await _bot_username(settings)
    except Exception as error:  # the link would be useless without the bot's name
        print(
            f"kring: cannot ask Telegram for the bot's name ({type(error).__name__}); "
            "check KRING_BOT_TOKEN and the network",
            file=sys.stderr,
        )
        return 1
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url, keys)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            token, invite = await invite_staff(
                uow,
                StaffRole(args.role),
                args.name,
                _languages(args.languages),
                args.region,
                Gender(args.gender) if args.gender else None,
                datetime.now(UTC),
            )
            await uow.commit()
    finally:
        await engine.dispose()
    until = invite.expires_at.astimezone(settings.zone)
    print(f"https://t.me/{username}?start={token}")
    print(
        f"Send this link to {invite.name} only. Whoever opens it becomes {args.role} "
        f"{invite.name}; it works once, until {until:%Y-%m-%d %H:%M}."
    )
    return 0


async def _staff(settings: Settings, keys: KeyRing, args: argparse.Namespace) -> int:
    if args.action == "invite":
        return await _invite(settings, keys, args)
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url, keys)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            if args.action == "add":
                person = PersonId(args.telegram_id)
                await add_staff(
                    uow,
                    StaffMember(
                        person,
                        StaffRole(args.role),
                        args.name.strip(),
                        _languages(args.languages),
                        args.region,
                        gender=Gender(args.gender) if args.gender else None,
                    ),
                )
                await uow.commit()
                member = await uow.staff.get(person)
                print(f"{args.role} {args.name} ({args.telegram_id}) saved")
                print(
                    await _staff_menu(
                        settings, person, StaffRole(args.role), member.locale if member else None
                    )
                )
            elif args.action == "remove":
                removed = await remove_staff(uow, PersonId(args.telegram_id))
                await uow.commit()
                print("removed" if removed else "no staff member with that Telegram id")
                if removed and (
                    note := await _staff_menu(settings, PersonId(args.telegram_id), None, None)
                ):
                    print(note)
                return 0 if removed else 1
            else:
                members = await uow.staff.list()
                for m in members:
                    print(
                        f"{m.role.value:<12} {m.person_id:<14} {m.name:<24} "
                        f"{','.join(m.languages):<12} {m.region or ''}"
                    )
                if not members:
                    print("no staff yet: kring staff invite --role manager --name NAME")
    finally:
        await engine.dispose()
    return 0


async def _jobs(settings: Settings, keys: KeyRing, args: argparse.Namespace) -> int:
    """Pending pings with their local time: what the scheduler will send, oldest first."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url, keys)
    zone = settings.zone
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            references: dict[int, str] = {}
            shown = 0
            for reminder in await uow.reminders.pending():
                planned = reminder.planned
                if planned.conference_id not in references:
                    request = await uow.conferences.get(planned.conference_id)
                    references[planned.conference_id] = request.reference if request else "?"
                reference = references[planned.conference_id]
                if args.conference and reference != args.conference.strip().upper():
                    continue
                local = planned.due_at.astimezone(zone)
                print(
                    f"{local:%Y-%m-%d %H:%M %Z}  {reference:<12} {planned.kind:<10} "
                    f"invitee {planned.invitee_id:<6} meeting v{planned.version}"
                )
                shown += 1
            print(f"{shown} pending" + (f" for {args.conference}" if args.conference else ""))
    finally:
        await engine.dispose()
    return 0


def _actor(record: AuditRecord) -> str:
    if record.actor is not None:
        return f"person {record.actor}"
    return "kring" if record.on_behalf_of == OnBehalfOf.SYSTEM else "the operator"


async def _audit(settings: Settings, args: argparse.Namespace) -> int:
    """`verify` walks the chain; `--conference`/`--person` print records. Reading the audit
    log is not recorded in it: it holds no care data (docs/decisions.md)."""
    if args.action is None and args.conference is None and args.person is None:
        print("kring audit: say verify, --conference REF or --person ID", file=sys.stderr)
        return 2
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            if args.action == "verify":
                verdict = await uow.audit.verify()
                if verdict.broken is None:
                    erased = (
                        f", {verdict.erased} of them with erased people under pseudonyms"
                        if verdict.erased
                        else ""
                    )
                    print(
                        f"{verdict.records} records, chain intact (head {verdict.head_hash})"
                        f"{erased}"
                    )
                    return 0
                broken = verdict.broken
                print(f"audit chain broken at position {broken.position}: record {broken.how}")
                return 1
            if args.conference is not None:
                reference = args.conference.strip().upper()
                conference = await uow.audit.conference_of(reference)
                if conference is None:
                    print(f"kring: no conference {reference}", file=sys.stderr)
                    return 1
                records = await uow.audit.of_conference(conference)
            else:
                records = await uow.audit.of_person(PersonId(args.person))
            references = await uow.audit.references(
                r.conference_id for r in records if r.conference_id is not None
            )
    finally:
        await engine.dispose()
    print(f"{'when':<23} {'#':>7}  {'who':<22} {'on behalf of':<12} {'kind':<10} what")
    for record in records:
        local = record.at.astimezone(settings.zone)
        about = [
            references.get(record.conference_id, f"conference {record.conference_id}")
            if record.conference_id is not None
            else "",
            f"data of person {record.subject}" if record.subject is not None else "",
        ]
        print(
            f"{local:%Y-%m-%d %H:%M:%S %Z}".ljust(23)
            + f" {record.position:>7}  {_actor(record):<22} {record.on_behalf_of:<12} "
            f"{record.kind:<10} {record.action}  {', '.join(a for a in about if a)}".rstrip()
        )
    print(f"{len(records)} records")
    return 0


async def _rotate(settings: Settings, keys: KeyRing) -> int:
    """Every sealed value under the newest key; counts only, never a value or a key."""
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url, keys)
    try:
        done = await reseal(engine, keys, legacy_only=False)
    except UnknownKey as error:
        print(f"kring: {error}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    for resealed in done:
        print(f"{resealed.column:<36} {resealed.values} values")
    print(
        f"{sum(r.values for r in done)} values now sealed under key {keys.newest_id}"
        + (
            f"; key(s) {', '.join(keys.ids[1:])} can be removed from KRING_DATA_KEY"
            if len(keys.ids) > 1
            else ""
        )
    )
    return 0


def _backup(settings: Settings, file: str) -> int:
    """SQLite's VACUUM INTO: one read transaction, so a consistent copy while kring writes.
    The file is made first, empty and readable by its owner only (it holds personal data);
    SQLite accepts an empty file as the target."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        options = [f"-h {url.host}"] if url.host else []
        options += [f"-p {url.port}"] if url.port else []
        options += [f"-U {url.username}"] if url.username else []
        command = " ".join(["pg_dump -Fc", *options, f"-f {file}", url.database or ""])
        print(f"kring: on PostgreSQL back up with pg_dump: {command}", file=sys.stderr)
        return 2
    database = url.database or ""
    if not database or database == ":memory:" or not Path(database).is_file():
        print(f"kring: no SQLite database at {database or '(none)'}", file=sys.stderr)
        return 2
    try:
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        print(f"kring: {file} exists already; choose a new file name", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"kring: cannot write {file}: {error.strerror}", file=sys.stderr)
        return 1
    connection = sqlite3.connect(database, timeout=30)
    try:
        connection.execute("VACUUM INTO ?", (file,))
    except sqlite3.Error as error:
        os.unlink(file)
        print(f"kring: backup failed: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    print(f"backup of {database} written to {file}")
    return 0


def _playground(args: argparse.Namespace) -> int:
    """The emulator, the bot and the page in this process; a .env file is not read."""
    from pydantic import ValidationError

    from bot.playground import run_playground

    gc.enable()
    logs.configure("INFO", "text")
    try:
        return asyncio.run(run_playground(args.port, args.database))
    except ValidationError as error:
        first = error.errors()[0]
        name = "KRING_" + str(first["loc"][0]).upper() if first["loc"] else "KRING_*"
        print(f"kring: configuration error: {name}: {first['msg']}", file=sys.stderr)
        return 2
    except ConfigError as error:
        print(f"kring: configuration error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # the port is taken
        print(f"kring playground: {error.strerror or error}", file=sys.stderr)
        return 1


def _check_serving(settings: Settings) -> None:
    if not settings.webhook_url:
        raise ConfigError(
            "KRING_WEBHOOK_URL: missing; the HTTPS address Telegram posts updates to, "
            "e.g. https://kring.example.org/telegram"
        )
    if not settings.webhook_secret:
        raise ConfigError(
            "KRING_WEBHOOK_SECRET: missing; 16-256 characters of A-Z a-z 0-9 _ -, "
            "e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    try:
        listen_address(settings)
    except ValueError as error:
        raise ConfigError(str(error)) from None


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "playground":
        return _playground(args)
    if args.command not in ("run", "serve"):
        gc.enable()  # off for the start-up of the bot only (bot/__main__.py)
    if args.command == "keys" and args.action == "new":
        print(new_key())  # to stdout only: the operator puts it where it belongs
        return 0
    try:
        settings = load_settings()
        if args.command in ("run", "serve") and settings.bot_token is None:
            raise ConfigError("KRING_BOT_TOKEN: missing; get a token from @BotFather and set it")
        if args.command == "serve":
            _check_serving(settings)
        if args.command in ("run", "serve", "staff", "jobs", "keys", "export", "erase"):
            keys = data_keys(settings)
    except ConfigError as error:
        print(f"kring: configuration error: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format)
    if args.command in ("run", "serve"):
        return asyncio.run(_run(settings, serve=args.command == "serve"))
    if args.command == "db" and args.action == "backup":
        return _backup(settings, args.file)
    if args.command == "db":
        asyncio.run(upgrade(settings.database_url))
        print("database is at the newest version")
        return 0
    if args.command == "i18n":
        return _i18n(settings, args)
    if args.command == "keys":
        return asyncio.run(_rotate(settings, keys))
    if args.command == "jobs":
        return asyncio.run(_jobs(settings, keys, args))
    if args.command == "audit":
        return asyncio.run(_audit(settings, args))
    if args.command == "export":
        return asyncio.run(_export(settings, keys, args))
    if args.command == "erase":
        return asyncio.run(_erase(settings, keys, args))
    return asyncio.run(_staff(settings, keys, args))
