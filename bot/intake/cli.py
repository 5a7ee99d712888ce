"""``minsheng intake ...``: register the systems that send demands in, and their keys.

``minsheng intake source add 12345 --label 12345热线 --callback https://...`` prints the API
key once. Other intake commands (``import``) hang off the same group.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.config import Settings
from bot.intake import texts
from bot.intake.importer import ImportFileError, Row, read_orders
from bot.intake.orders import IsUrgent, Order, OrderIntake, OrderRejected
from bot.intake.sources import SourceRegistry, SourceView

if TYPE_CHECKING:
    from nlu import ParseResult
    from nlu.service import NLUService

T = TypeVar("T")


def settings_of(args: argparse.Namespace) -> Settings:
    from bot.db.command import command_settings

    return command_settings(args)


async def with_registry(
    args: argparse.Namespace, work: Callable[[SourceRegistry], Awaitable[T]]
) -> T:
    from bot.db.command import command_database

    async with command_database(settings_of(args)) as sessions:
        return await work(SourceRegistry(sessions))


def cmd_source_add(args: argparse.Namespace) -> int:
    async def work(registry: SourceRegistry) -> int:
        source, key = await registry.add(
            args.name, args.label or args.name, kind=args.kind, callback_url=args.callback
        )
        print(
            texts.CLI_SOURCE_ADDED.format(
                name=source.name, label=source.label, kind=texts.KIND_LABELS[source.kind], key=key
            )
        )
        if source.callback_secret:
            print(texts.CLI_CALLBACK_SECRET.format(secret=source.callback_secret))
        return 0

    return asyncio.run(with_registry(args, work))


def cmd_source_rotate(args: argparse.Namespace) -> int:
    async def work(registry: SourceRegistry) -> int:
        print(
            texts.CLI_SOURCE_ROTATED.format(
                name=args.name, key=await registry.rotate_key(args.name)
            )
        )
        return 0

    return asyncio.run(with_registry(args, work))


def cmd_source_disable(args: argparse.Namespace) -> int:
    async def work(registry: SourceRegistry) -> int:
        await registry.set_enabled(args.name, False)
        print(texts.CLI_DISABLED.format(name=args.name))
        return 0

    return asyncio.run(with_registry(args, work))


def cmd_source_list(args: argparse.Namespace) -> int:
    async def work(registry: SourceRegistry) -> int:
        sources = await registry.all()
        if not sources:
            print(texts.CLI_NO_SOURCES)
        for s in sources:
            print(
                texts.CLI_SOURCE_LINE.format(
                    name=s.name,
                    label=s.label,
                    kind=texts.KIND_LABELS.get(s.kind, s.kind),
                    state=texts.CLI_STATE[s.enabled],
                    callback=s.callback_url or texts.CLI_NO_CALLBACK,
                )
            )
        return 0

    return asyncio.run(with_registry(args, work))


def cmd_import(args: argparse.Namespace, is_urgent: IsUrgent | None = None) -> int:
    path = Path(args.file)
    settings = settings_of(args)
    return asyncio.run(
        import_file(
            settings,
            path,
            args.source,
            dry_run=args.dry_run,
            jobs=args.jobs,
            is_urgent=is_urgent,
            out=print,
        )
    )


async def import_file(
    settings: Settings,
    path: Path,
    source_name: str,
    *,
    dry_run: bool = False,
    jobs: int = 4,
    is_urgent: IsUrgent | None = None,
    out: Callable[[str], None] = print,
) -> int:
    """Import an export of ``source_name``'s orders; 0 when every row was taken, 1 when some
    were bad (each named by its row), 2 when the file or the source is unusable."""
    from bot.addresses import AddressBook, ensure_demo_data
    from bot.db.command import command_database
    from bot.tickets import Catalog, TicketService

    nlu: NLUService | None = None
    async with command_database(settings, pool_size=max(jobs, 1)) as sessions:
        try:
            source = await SourceRegistry(sessions).get(source_name)
            if source is None:
                out(texts.IMPORT_UNKNOWN_SOURCE.format(name=source_name))
                return 2
            if source.kind != "orders":
                kind = texts.KIND_LABELS[source.kind]
                out(texts.IMPORT_WRONG_KIND.format(name=source_name, kind=kind))
                return 2
            if settings.load_demo_data:
                await ensure_demo_data(sessions, settings)
            book = await AddressBook.load(sessions)
            catalog = Catalog.load(settings.training_data_dir / "catalog.yml")
            tickets = TicketService(sessions, catalog, book, settings=settings)

            loading = asyncio.Lock()

            async def parse(text: str) -> ParseResult:
                # Loaded on the first order without a usable category: most exports have one.
                nonlocal nlu
                async with loading:
                    if nlu is None:
                        from bot.nlu_setup import start_nlu

                        nlu = await start_nlu(settings, sessions)
                return await nlu.parse_async(text)

            intake = OrderIntake(tickets, book, catalog, parse=parse, is_urgent=is_urgent)
            report = await run_import(intake, source, path, dry_run=dry_run, jobs=jobs, out=out)
            if report is None:
                return 2
            return 0 if report.bad == 0 else 1
        finally:
            if nlu is not None:
                await nlu.aclose()


@dataclass
class ImportReport:
    new: int = 0
    duplicates: int = 0
    bad: int = 0

    @property
    def total(self) -> int:
        return self.new + self.duplicates + self.bad


async def run_import(
    intake: OrderIntake,
    source: SourceView,
    path: Path,
    *,
    dry_run: bool = False,
    jobs: int = 1,
    out: Callable[[str], None] = print,
) -> ImportReport | None:
    """Take every row of ``path``; each order is filed in its own transaction, so a crash
    loses nothing already filed and a re-run skips it as a duplicate.

    Up to ``jobs`` orders are in flight at once (the database's round trips overlap); rows
    are still reported in file order, the file is read as they finish (never held whole),
    and an order whose number is already in flight waits for it (a repeat is then a
    duplicate, not a race).
    """
    report = ImportReport()
    seen: set[str] = set()
    window: deque[tuple[Row, asyncio.Task[bool] | None]] = deque()
    in_flight: dict[str, asyncio.Task[bool]] = {}

    async def take(order: Order, before: asyncio.Task[bool] | None) -> bool:
        if before is not None:
            await asyncio.gather(before, return_exceptions=True)
        if dry_run:
            # Nothing is written, so an order twice in the file is counted here.
            new = order.source_number not in seen and await intake.check(source, order)
            seen.add(order.source_number)
            return new
        return not (await intake.take(source, order)).duplicate

    async def settle() -> None:
        row, task = window.popleft()
        error = row.error
        if task is not None:
            try:
                new = await task
            except OrderRejected as exc:
                error = exc
            else:
                if new:
                    report.new += 1
                else:
                    report.duplicates += 1
            finally:
                assert row.order is not None
                if in_flight.get(row.order.source_number) is task:
                    del in_flight[row.order.source_number]
        if error is not None:
            report.bad += 1
            out(texts.IMPORT_BAD_ROW.format(line=row.line, reason=error.message))

    try:
        try:
            for row in read_orders(path):
                task = None
                if row.order is not None:
                    number = row.order.source_number
                    task = asyncio.create_task(take(row.order, in_flight.get(number)))
                    in_flight[number] = task
                window.append((row, task))
                while len(window) >= max(jobs, 1):
                    await settle()
            while window:
                await settle()
        finally:
            # A file error mid-way: the orders already in flight finish (they are filed).
            rest = [task for _, task in window if task is not None]
            await asyncio.gather(*rest, return_exceptions=True)
    except ImportFileError as exc:
        out(str(exc))
        return None
    out(
        texts.IMPORT_SUMMARY.format(
            new=report.new, duplicates=report.duplicates, bad=report.bad, total=report.total
        )
        + (texts.IMPORT_DRY_RUN if dry_run else "")
    )
    return report


def db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="overrides MINSHENG_DATABASE_URL")


def register_cli(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
    *,
    is_urgent: IsUrgent | None = None,
) -> None:
    intake = subparsers.add_parser(
        "intake", help="systems that send demands in: 12345 orders, platforms, sensor alarms"
    )
    sub = intake.add_subparsers(dest="intake_command", required=True, metavar="ACTION")
    source = sub.add_parser("source", help="register intake sources and their API keys")
    source_sub = source.add_subparsers(dest="source_command", required=True, metavar="ACTION")

    add = source_sub.add_parser("add", help="register a source and print its API key once")
    add.add_argument("name", help="short name stored on its tickets, e.g. 12345")
    add.add_argument("--label", help="what staff read, e.g. 12345热线")
    add.add_argument("--kind", choices=("orders", "alarms"), default="orders")
    add.add_argument("--callback", help="URL to push status changes back to (POST, JSON)")
    db_option(add)
    add.set_defaults(handler=cmd_source_add)

    rotate = source_sub.add_parser("rotate-key", help="replace a source's API key")
    rotate.add_argument("name")
    db_option(rotate)
    rotate.set_defaults(handler=cmd_source_rotate)

    disable = source_sub.add_parser("disable", help="stop accepting a source's key")
    disable.add_argument("name")
    db_option(disable)
    disable.set_defaults(handler=cmd_source_disable)

    listing = source_sub.add_parser("list", help="list the registered sources")
    db_option(listing)
    listing.set_defaults(handler=cmd_source_list)

    importing = sub.add_parser(
        "import",
        help="import a 12345 export (CSV in UTF-8 or GB18030, or .xlsx) as tickets",
    )
    importing.add_argument("file", help="the export: .csv or .xlsx, one order per row")
    importing.add_argument("--source", required=True, help="the source's name, e.g. 12345")
    importing.add_argument("--dry-run", action="store_true", help="check every row, file nothing")
    importing.add_argument(
        "--jobs", type=int, default=4, help="orders in flight at once (default 4)"
    )
    db_option(importing)
    importing.set_defaults(handler=lambda args: cmd_import(args, is_urgent))

    from bot.intake.alarms.cli import register_device_cli

    register_device_cli(sub)
