"""``minsheng tickets ...``: check the service catalog, see undeliverable pushes, run jobs.

The words operators read come from :mod:`bot.tickets.texts`.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.config import Settings
from bot.tickets import texts
from bot.tickets.catalog import Catalog


def _settings(args: argparse.Namespace) -> Settings:
    from bot.config import load_settings

    overrides: dict[str, object] = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    return load_settings(**overrides)


def cmd_catalog(args: argparse.Namespace) -> int:
    settings = _settings(args)
    path = args.file or settings.training_data_dir / "catalog.yml"
    catalog = Catalog.load(path)  # raises ConfigError naming the problem
    for item in catalog.items():
        print(
            texts.CLI_CATALOG_LINE.format(
                intent=item.intent,
                domain=item.domain_name,
                name=item.name,
                department=item.department.name,
                hours=item.time_limit_hours,
                unit=texts.CLI_HOURS[item.working_hours],
                tier=texts.TIER_LABELS[item.first_tier.value],
            )
        )
    print(
        texts.CLI_CATALOG_OK.format(
            domains=len(catalog.domains()), items=len(catalog.items()), path=path
        )
    )
    return 0


async def _dead_letters(args: argparse.Namespace) -> int:
    from bot.db import create_engine_for, make_session_factory
    from bot.tickets.outbox import dead_letters

    engine = create_engine_for(_settings(args).effective_database_url)
    try:
        letters = await dead_letters(make_session_factory(engine), limit=args.limit)
    finally:
        await engine.dispose()
    for letter in letters:
        print(
            f"#{letter.id} {letter.created_at:%Y-%m-%d %H:%M} {letter.audience}/{letter.channel} "
            f"attempts={letter.attempts} error={letter.last_error}"
        )
    print(texts.CLI_DEAD_LETTERS.format(count=len(letters)))
    return 0


async def _run_jobs(args: argparse.Namespace) -> int:
    from bot.addresses import AddressBook
    from bot.db import create_engine_for, make_session_factory
    from bot.tickets.clock import utcnow
    from bot.tickets.scheduler import Scheduler, ticket_jobs
    from bot.tickets.service import TicketService

    settings = _settings(args)
    engine = create_engine_for(settings.effective_database_url)
    try:
        sessions = make_session_factory(engine)
        service = TicketService(
            sessions,
            Catalog.load(settings.training_data_dir / "catalog.yml"),
            await AddressBook.load(sessions),
            settings=settings,
        )
        ran = await Scheduler(sessions, ticket_jobs(service)).run_due_jobs(utcnow())
    finally:
        await engine.dispose()
    print(texts.CLI_JOBS_RAN.format(jobs=", ".join(ran) if ran else texts.CLI_JOBS_NONE))
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tickets = subparsers.add_parser("tickets", help="service catalog, outbox and scheduled jobs")
    sub = tickets.add_subparsers(dest="tickets_command", required=True, metavar="ACTION")

    catalog = sub.add_parser("catalog", help="validate and list the service catalog")
    catalog.add_argument("--file", help="catalog YAML (default: training_data/catalog.yml)")
    catalog.set_defaults(handler=cmd_catalog)

    dead = sub.add_parser("dead-letters", help="pushes the dispatcher gave up on")
    dead.add_argument("--limit", type=int, default=50)
    dead.add_argument("--database-url", help="overrides MINSHENG_DATABASE_URL")
    dead.set_defaults(handler=lambda a: asyncio.run(_dead_letters(a)))

    jobs = sub.add_parser("run-jobs", help="run the due scheduled jobs once (deadline scan, ...)")
    jobs.add_argument("--database-url", help="overrides MINSHENG_DATABASE_URL")
    jobs.set_defaults(handler=lambda a: asyncio.run(_run_jobs(a)))
