"""``minsheng intake device ...`` and ``minsheng intake alarms check|sweep``.

``device add F-001 --kind fume --building CODE`` (or ``--landmark 名称 --lat .. --lng ..``)
binds a sensor of an ``alarms`` source to where it stands; ``device import FILE`` does many
(CSV or YAML, all or nothing, bad rows named by line). ``--source`` may be left out when one
``alarms`` source is registered.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from bot.config import Settings
from bot.errors import BadInput, ConfigError
from bot.intake.alarms import texts
from bot.intake.alarms.rules import KINDS, AlarmRules
from bot.intake.alarms.service import AlarmService, ImportReport

T = TypeVar("T")


def _settings(args: argparse.Namespace) -> Settings:
    from bot.db.command import command_settings

    return command_settings(args)


async def _with_service(
    args: argparse.Namespace, work: Callable[[AlarmService, str], Awaitable[T]]
) -> T:
    from sqlmodel import select

    from bot.addresses import AddressBook
    from bot.db.command import command_database
    from bot.intake.models import IntakeSource
    from bot.tickets.catalog import Catalog
    from bot.tickets.service import TicketService

    settings = _settings(args)
    async with command_database(settings) as sessions:
        catalog = Catalog.load(settings.training_data_dir / "catalog.yml")
        rules = AlarmRules.load(settings.effective_alarm_rules_file, catalog)
        tickets = TicketService(
            sessions, catalog, await AddressBook.load(sessions), settings=settings
        )
        source = getattr(args, "source", None)
        if not source:
            async with sessions() as session:
                names = list(
                    await session.exec(
                        select(IntakeSource.name).where(IntakeSource.kind == "alarms")
                    )
                )
            source = names[0] if len(names) == 1 else ""
        return await work(AlarmService(sessions, tickets, rules), source)


def _run(args: argparse.Namespace, work: Callable[[AlarmService, str], Awaitable[int]]) -> int:
    try:
        return asyncio.run(_with_service(args, work))
    except (BadInput, ConfigError) as exc:
        print(str(exc), file=sys.stderr)
        return 2


def cmd_device_add(args: argparse.Namespace) -> int:
    async def work(service: AlarmService, source: str) -> int:
        device = await service.add_device(
            source,
            args.device_id,
            args.kind,
            building_code=args.building,
            landmark=args.landmark,
            lat=args.lat,
            lng=args.lng,
            label=args.label or "",
        )
        print(
            texts.CLI_DEVICE_ADDED.format(
                device_id=device.device_id,
                kind=texts.KIND_NAMES[device.kind],
                place=device.place,
                source=source,
            )
        )
        return 0

    return _run(args, work)


def print_import(report: ImportReport, source: str) -> int:
    if report.bad_rows:
        for line, reason in report.bad_rows:
            # Line 0: the whole file or the source, not one row.
            text = texts.CLI_BAD_ROW.format(line=line, reason=reason) if line else reason
            print(text, file=sys.stderr)
        print(texts.CLI_IMPORT_REFUSED.format(count=len(report.bad_rows)), file=sys.stderr)
        return 1
    count = report.added + report.updated
    print(
        texts.CLI_IMPORTED.format(
            count=count, added=report.added, updated=report.updated, source=source
        )
    )
    return 0


def cmd_device_import(args: argparse.Namespace) -> int:
    async def work(service: AlarmService, source: str) -> int:
        return print_import(await service.import_file(source, Path(args.file)), source)

    return _run(args, work)


def cmd_device_list(args: argparse.Namespace) -> int:
    async def work(service: AlarmService, source: str) -> int:
        devices = await service.devices(source)
        if not devices:
            print(texts.CLI_NO_DEVICES.format(source=source or "NAME"))
        for d in devices:
            print(
                texts.CLI_DEVICE_LINE.format(
                    device_id=d.device_id,
                    kind=texts.KIND_NAMES.get(d.kind, d.kind),
                    place=d.place,
                    label=d.label,
                    state=texts.CLI_STATE[d.enabled],
                )
            )
        return 0

    return _run(args, work)


def cmd_device_disable(args: argparse.Namespace) -> int:
    async def work(service: AlarmService, source: str) -> int:
        await service.set_enabled(source, args.device_id, False)
        print(texts.CLI_DISABLED.format(device_id=args.device_id))
        return 0

    return _run(args, work)


def cmd_rules_check(args: argparse.Namespace) -> int:
    from bot.tickets.catalog import Catalog

    settings = _settings(args)
    path = Path(args.file) if args.file else settings.effective_alarm_rules_file
    try:
        rules = AlarmRules.load(path, Catalog.load(settings.training_data_dir / "catalog.yml"))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    for rule in rules.rules.values():
        print(
            texts.CLI_RULE_LINE.format(
                kind=rule.kind,
                name=rule.name,
                direction=texts.DIRECTION[rule.direction],
                threshold=f"{rule.threshold:g}",
                unit=rule.unit,
                times=rule.times,
                minutes=f"{rule.minutes:g}",
                clear=f"{rule.clear_after_minutes:g}",
                category=rule.category,
            )
        )
    return 0


def _options(parser: argparse.ArgumentParser, *, source: bool = True) -> None:
    if source:
        parser.add_argument("--source", help="the alarms source (default: the only one registered)")
    parser.add_argument("--database-url", help="overrides MINSHENG_DATABASE_URL")


def register_device_cli(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    device = sub.add_parser("device", help="sensors of an alarms source and where they stand")
    dsub = device.add_subparsers(dest="device_command", required=True, metavar="ACTION")

    add = dsub.add_parser("add", help="register a sensor bound to a building or a place")
    add.add_argument("device_id")
    add.add_argument("--kind", required=True, choices=KINDS)
    add.add_argument("--building", help="standard address code of the building")
    add.add_argument("--landmark", help="place name, with --lat and --lng (outdoors)")
    add.add_argument("--lat", type=float)
    add.add_argument("--lng", type=float)
    add.add_argument("--label", help="what staff read, e.g. 老王烧烤店门口")
    _options(add)
    add.set_defaults(handler=cmd_device_add)

    imp = dsub.add_parser(
        "import",
        help="sensors from CSV (device_id,kind,building_code,landmark,lat,lng,label) or YAML",
    )
    imp.add_argument("file")
    _options(imp)
    imp.set_defaults(handler=cmd_device_import)

    listing = dsub.add_parser("list", help="list a source's sensors")
    _options(listing)
    listing.set_defaults(handler=cmd_device_list)

    disable = dsub.add_parser("disable", help="refuse a sensor's readings from now on")
    disable.add_argument("device_id")
    _options(disable)
    disable.set_defaults(handler=cmd_device_disable)

    rules = sub.add_parser("alarm-rules", help="check and show the alarm rules file")
    rules.add_argument("--file", help="default: MINSHENG_ALARM_RULES_FILE or alarm_rules.yml")
    rules.set_defaults(handler=cmd_rules_check, database_url=None)
