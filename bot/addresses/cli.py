"""Command line of the address area: ``addresses import|resolve|people|bind-channel|
unbind-channel`` and ``qr``.

Wired into ``minsheng`` by :func:`register_cli`; also runs alone::

    python -m bot.addresses.cli addresses import training_data/addresses/buildings.csv
    python -m bot.addresses.cli qr --community 370303001001 --out var/plates

Each handler takes the parsed arguments and returns the exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.addresses.book import AddressBook
from bot.addresses.demo import ensure_demo_data
from bot.addresses.importer import import_csv
from bot.addresses.plates import write_plates
from bot.addresses.records import Registry
from bot.addresses.repository import bind_person_channel, load_registry
from bot.config import Settings, load_settings
from bot.errors import AddressError, MinshengError


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    if getattr(args, "public_url", None):
        overrides["public_url"] = args.public_url
    return load_settings(**overrides)


async def _with_database(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.db import create_engine_for, make_session_factory
    from bot.db.migrate import upgrade

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    await upgrade(url)
    engine = create_engine_for(url)
    return engine, make_session_factory(engine)


async def _import(args: argparse.Namespace) -> int:
    engine, sessions = await _with_database(_settings(args))
    status = 0
    try:
        for path in args.files:
            report = await import_csv(sessions, path, dry_run=args.dry_run)
            print(report.summary(), flush=True)
            if not report.ok:
                status = 1
    finally:
        await engine.dispose()
    return status


def cmd_import(args: argparse.Namespace) -> int:
    """``addresses import FILE...``: exit 1 when any row was bad."""
    return asyncio.run(_import(args))


async def _load_book(settings: Settings) -> AddressBook:
    engine, sessions = await _with_database(settings)
    try:
        await ensure_demo_data(sessions, settings)
        return await AddressBook.load(sessions)
    finally:
        await engine.dispose()


def cmd_resolve(args: argparse.Namespace) -> int:
    """``addresses resolve TEXT``: show what the resolver makes of a message."""
    book = asyncio.run(_load_book(_settings(args)))
    result = book.resolve(args.text, community_hint=args.community)
    print(f"status: {result.status}")
    for candidate in result.candidates:
        print(f"  {candidate.score:.2f}  {candidate.building_code}  {candidate.label}")
    if result.unit or result.room:
        print(f"unit: {result.unit or '-'}  room: {result.room or '-'}")
    for value, label in result.question_choices:
        print(f"  ? {value}  {label}")
    return 0 if result.status == "resolved" else 1


async def _bind(args: argparse.Namespace, user_id: str | None) -> bool:
    engine, sessions = await _with_database(_settings(args))
    try:
        return await bind_person_channel(sessions, args.person_code, args.channel, user_id)
    finally:
        await engine.dispose()


def cmd_bind_channel(args: argparse.Namespace) -> int:
    """``addresses bind-channel PERSON_CODE CHANNEL USER_ID``: add or replace one binding."""
    try:
        found = asyncio.run(_bind(args, args.user_id))
    except ValueError as exc:
        raise AddressError(str(exc)) from None
    if not found:
        raise AddressError(f"no person with code {args.person_code!r}")
    print(f"{args.person_code}: {args.channel} bound (reload or restart to use it)")
    return 0


def cmd_unbind_channel(args: argparse.Namespace) -> int:
    """``addresses unbind-channel PERSON_CODE CHANNEL``: remove one binding."""
    try:
        found = asyncio.run(_bind(args, None))
    except ValueError as exc:
        raise AddressError(str(exc)) from None
    if not found:
        raise AddressError(f"no person with code {args.person_code!r}")
    print(f"{args.person_code}: {args.channel} unbound (reload or restart to use it)")
    return 0


async def _registry(settings: Settings) -> Registry:
    engine, sessions = await _with_database(settings)
    try:
        return await load_registry(sessions)
    finally:
        await engine.dispose()


def cmd_people(args: argparse.Namespace) -> int:
    """``addresses people [--scope CODE]``: people in charge and their channels."""
    registry = asyncio.run(_registry(_settings(args)))
    people = sorted(registry.people.values(), key=lambda p: (p.scope_code, p.role, p.code))
    if args.scope:
        people = [p for p in people if p.scope_code == args.scope]
    for person in people:
        channels = "; ".join(f"{name}={user_id}"
                             for name, user_id in sorted(person.channels.items())) or "-"
        print(f"{person.code}  {person.role:<11} {person.level:<9} {person.scope_code}  "
              f"{person.name}  {channels}")
    print(f"{len(people)} people")
    return 0


def cmd_qr(args: argparse.Namespace) -> int:
    """``qr --community CODE --out DIR``: one plate per building of the community."""
    settings = _settings(args)
    book = asyncio.run(_load_book(settings))
    buildings = book.buildings_in_community(args.community)
    if not buildings:
        raise AddressError(f"community {args.community!r} has no buildings in the registry")
    out = Path(args.out)
    files, pdf, font = write_plates(buildings, settings.public_url, out, png=not args.no_png,
                                    pdf=not args.no_pdf, font=args.font)
    print(f"{len(files)} plates for {book.community_name(args.community)} "
          f"({args.community}) written to {out}/ (SVG"
          + (", PNG" if not args.no_png else "") + (", plates.pdf" if pdf else "")
          + ", index.csv)")
    if font is None and not (args.no_png and args.no_pdf):
        print("note: no CJK font found, so PNG/PDF plates show only the QR code, the code and "
              "the URL; the SVG masters carry the full Chinese text. Install a CJK font "
              "(e.g. fonts-noto-cjk) or pass --font PATH.", file=sys.stderr)
    return 0


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="overrides MINSHENG_DATABASE_URL")


def register_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``addresses`` (import, resolve, people, bind-channel, unbind-channel) and ``qr``
    to the ``minsheng`` command."""
    addresses = subparsers.add_parser("addresses", help="standard address registry")
    actions = addresses.add_subparsers(dest="addresses_command", required=True,
                                       metavar="ACTION")
    importer = actions.add_parser(
        "import", help="import a buildings or people CSV (see training_data/addresses/README.md)",
        description="Validate every row, report bad rows with line numbers, upsert the good "
        "ones by code (idempotent) and print a summary. Exit status 1 if any row was bad.",
    )
    importer.add_argument("files", nargs="+", metavar="FILE")
    importer.add_argument("--dry-run", action="store_true", help="validate without writing")
    _db_option(importer)
    importer.set_defaults(handler=cmd_import)

    resolve = actions.add_parser("resolve", help="show how a message resolves to a building")
    resolve.add_argument("text")
    resolve.add_argument("--community", help="community code or name hint")
    _db_option(resolve)
    resolve.set_defaults(handler=cmd_resolve)

    people = actions.add_parser("people", help="list people in charge with their channel ids")
    people.add_argument("--scope", metavar="CODE", help="only people attached to this area")
    _db_option(people)
    people.set_defaults(handler=cmd_people)

    bind = actions.add_parser(
        "bind-channel", help="add or replace a person's id on a channel",
        description="Bind USER_ID on CHANNEL (wecom, wechat, miniprogram, telegram, ... any "
        "name) to the person PERSON_CODE, replacing their previous id there. Refused when "
        "the id belongs to another person on that channel (unbind it there first).",
    )
    bind.add_argument("person_code", metavar="PERSON_CODE")
    bind.add_argument("channel", metavar="CHANNEL")
    bind.add_argument("user_id", metavar="USER_ID")
    _db_option(bind)
    bind.set_defaults(handler=cmd_bind_channel)

    unbind = actions.add_parser("unbind-channel", help="remove a person's id on a channel")
    unbind.add_argument("person_code", metavar="PERSON_CODE")
    unbind.add_argument("channel", metavar="CHANNEL")
    _db_option(unbind)
    unbind.set_defaults(handler=cmd_unbind_channel)

    qr = subparsers.add_parser(
        "qr", help="write print-ready door plates with QR codes for one community",
        description="Write <code>.svg (print master) and <code>.png per building, a 2x2 A4 "
        "plates.pdf sheet and index.csv. The QR encodes {public_url}/b/{code}.",
    )
    qr.add_argument("--community", required=True, metavar="CODE", help="community code")
    qr.add_argument("--out", required=True, metavar="DIR", help="output directory")
    qr.add_argument("--public-url", help="overrides MINSHENG_PUBLIC_URL for the QR links")
    qr.add_argument("--font", help="a CJK font file for PNG/PDF text")
    qr.add_argument("--no-png", action="store_true", help="SVG only (no PNG files)")
    qr.add_argument("--no-pdf", action="store_true", help="no plates.pdf sheet")
    _db_option(qr)
    qr.set_defaults(handler=cmd_qr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.addresses.cli")
    register_cli(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except MinshengError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
