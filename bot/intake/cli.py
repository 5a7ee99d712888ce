"""``minsheng intake ...``: register the systems that send demands in, and their keys.

``minsheng intake source add 12345 --label 12345热线 --callback https://...`` prints the API
key once. Other intake commands (``import``) hang off the same group.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.config import Settings, load_settings
from bot.intake import texts
from bot.intake.sources import SourceRegistry

T = TypeVar("T")


def settings_of(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    return load_settings(**overrides)


async def with_registry(
    args: argparse.Namespace, work: Callable[[SourceRegistry], Awaitable[T]]
) -> T:
    from bot.db import create_engine_for, make_session_factory
    from bot.db.migrate import upgrade

    settings = settings_of(args)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    await upgrade(url)
    engine = create_engine_for(url)
    try:
        return await work(SourceRegistry(make_session_factory(engine)))
    finally:
        await engine.dispose()


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


def db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="overrides MINSHENG_DATABASE_URL")


def register_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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

    from bot.intake.alarms.cli import register_device_cli

    register_device_cli(sub)
