"""The ``minsheng`` command line."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot.errors import EXPECTED_ERRORS, ConfigError
from bot.privacy import PrivacyLogFilter

if TYPE_CHECKING:
    from nlu.cli import NluCliDefaults

Handler = Callable[[argparse.Namespace], int]


def _settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from bot.config import load_settings

    overrides: dict[str, object] = {}
    for name in ("host", "port", "database_url", "redis_url", "workers"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "no_demo", False):
        overrides["load_demo_data"] = False
    return load_settings(**overrides)


def cmd_serve(args: argparse.Namespace) -> int:
    import asyncio

    from aiohttp import web

    from bot.app import create_app
    from bot.config import check_worker_setup
    from bot.serve import new_event_loop

    settings = _settings(args)
    check_worker_setup(settings)
    if settings.workers > 1:
        from bot.serve import exec_gunicorn

        print(
            f"minsheng: preparing the database and model, then starting {settings.workers} "
            f"workers (gunicorn) on http://{settings.host}:{settings.port}/",
            flush=True,
        )
        exec_gunicorn(settings)  # does not return
        return 0
    print(
        f"minsheng: starting on http://{settings.host}:{settings.port}/ "
        f"(the first start also trains the NLU model and loads the demo data)",
        flush=True,
    )
    loop = new_event_loop(settings)
    asyncio.set_event_loop(loop)
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        print=lambda line: print(line, flush=True),
        loop=loop,
        access_log=logging.getLogger("aiohttp.access") if settings.access_log else None,
    )
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    import asyncio

    from bot.terminal import run_terminal_chat

    return asyncio.run(run_terminal_chat(_settings(args), sender=args.sender))


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.db.migrate import upgrade_sync

    settings = _settings(args)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade_sync(settings.effective_database_url)
    print("数据库已升级到最新版本 (database migrated to head)")
    return 0


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="overrides MINSHENG_DATABASE_URL (sqlite:///path or postgresql://user@host/db)",
    )
    parser.add_argument(
        "--redis-url",
        help="overrides MINSHENG_REDIS_URL; when set, dialogue "
        "state, locks and de-duplication live in Redis",
    )


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line, or (when ``argv`` names an area's command) only that area.

    Each area's registrar imports its package, and some of those take seconds to import
    (scikit-learn, the address registry, Redis); ``minsheng nlu --help`` should not wait for
    the address registry, nor ``minsheng addresses ...`` for scikit-learn.
    """
    parser = argparse.ArgumentParser(
        prog="minsheng", description="民生诉求网关: residents raise demands and get answers."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="run the gateway (HTTP: web chat, webhooks, console, APIs)",
        description="Run the gateway. Defaults give the embedded mode: a SQLite file under "
        "./var/, in-process dialogue state, the web channel on http://127.0.0.1:8080/, demo "
        "address data, and the default NLU model (trained on first start). Every option can "
        "also be set with a MINSHENG_* environment variable or a .env file.",
    )
    serve.add_argument("--host", help="bind address (MINSHENG_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (MINSHENG_PORT, default 8080)")
    serve.add_argument(
        "--workers",
        type=int,
        help="worker processes (MINSHENG_WORKERS, default 1) behind one port, run by "
        "gunicorn; more than one needs MINSHENG_REDIS_URL and a PostgreSQL database",
    )
    serve.add_argument(
        "--no-demo",
        action="store_true",
        help="do not load the demo address registry into an empty database",
    )
    _add_connection_options(serve)
    serve.set_defaults(handler=cmd_serve)

    chat = sub.add_parser(
        "chat",
        help="talk to the bot in this terminal",
        description="Chat with the bot in the terminal, through the same "
        "engine, flows, NLU and database as the web channel.",
    )
    chat.add_argument("--sender", default="terminal-user", help="resident id for this session")
    chat.add_argument("--no-demo", action="store_true", help="do not load demo data")
    _add_connection_options(chat)
    chat.set_defaults(handler=cmd_chat)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_upgrade = db_sub.add_parser("upgrade", help="apply Alembic migrations")
    _add_connection_options(db_upgrade)
    db_upgrade.set_defaults(handler=cmd_db_upgrade)

    areas: tuple[str, ...] = _AREAS
    named = _command_word(argv)
    if named in _AREA_OF_COMMAND:
        areas = (_AREA_OF_COMMAND[named],)
    for area in areas:
        _register_area(area, sub)
    return parser


# The areas that add command groups, and the top-level commands each one adds.
_AREAS: tuple[str, ...] = (
    "nlu", "addresses", "tickets", "flows", "handoff", "staff", "demo", "intake", "connectors",
)
_AREA_OF_COMMAND = {
    "nlu": "nlu",
    "addresses": "addresses",
    "qr": "addresses",
    "tickets": "tickets",
    "flows": "flows",
    "handoff": "handoff",
    "staff": "staff",
    "demo": "demo",
    "intake": "intake",
}


def _command_word(argv: Sequence[str] | None) -> str | None:
    """The first word of ``argv`` that is not an option (the command), if any."""
    words = sys.argv[1:] if argv is None else argv
    return next((w for w in words if not w.startswith("-")), None)


def _register_area(area: str, sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    # Imported here, one area at a time: see build_parser.
    if area == "nlu":
        from nlu.cli import register_cli as register_nlu

        register_nlu(sub, _nlu_defaults)
    elif area == "addresses":
        from bot.addresses.cli import register_cli as addresses

        addresses(sub)
    elif area == "tickets":
        from bot.tickets.cli import register_cli as tickets

        tickets(sub)
    elif area == "flows":
        from flows.cli import register_cli as flows

        flows(sub)
    elif area == "handoff":
        from bot.handoff.cli import register_cli as handoff
        from flows import end_handoff

        handoff(sub, hand_back=end_handoff)
    elif area == "staff":
        from bot.staff.cli import register_cli as staff

        staff(sub)
    elif area == "demo":
        from bot.demo_history import register_cli as demo

        demo(sub)
    elif area == "intake":
        from bot.intake.cli import register_cli as intake
        from flows import detect_danger

        # The life-safety check of the dialogue flows, handed in: orders whose words say
        # someone is in danger now are filed red, as a resident's message would be.
        intake(sub, is_urgent=lambda text: detect_danger(text) is not None)
    elif area == "connectors":
        # Each connector adds its own commands (``minsheng wechat menu``, ...); found through
        # the registry, so adding one touches only its folder.
        from connectors import discover

        for cls in discover().values():
            cls.register_cli(sub)


def _nlu_defaults() -> NluCliDefaults:
    """The gateway's paths, thresholds and review database for ``minsheng nlu ...``."""
    from bot.config import load_settings
    from bot.nlu_setup import cli_defaults

    return cli_defaults(load_settings())


def configure_logging(*, verbose: bool = False) -> None:
    """Log lines to stderr, every handler behind the privacy filter."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Residents write phones and names into everything; no log line may carry them.
    for handler in logging.getLogger().handlers:
        handler.addFilter(PrivacyLogFilter())


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose)
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        print(f"配置错误 (configuration error): {exc}", file=sys.stderr)
        return 2
    except EXPECTED_ERRORS as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
