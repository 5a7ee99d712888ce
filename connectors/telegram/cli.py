"""``minsheng telegram set-webhook | poll``: the bot's operator commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from telegram.error import TelegramError

from connectors.telegram import texts
from connectors.telegram.inbound import ALLOWED_UPDATES

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["register_cli"]


def _settings(args: argparse.Namespace, **overrides: object) -> Settings:
    from bot.config import load_settings

    for name in ("host", "port"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    return load_settings(**overrides)


def _configured(settings: Settings) -> bool:
    if settings.telegram_token and settings.telegram_secret:
        return True
    print(texts.CLI["not_configured"], file=sys.stderr)
    return False


async def _set_webhook(settings: Settings, url: str) -> None:
    from connectors.telegram.connector import make_bot

    bot, requests = make_bot(settings)
    try:
        await bot.set_webhook(
            url, secret_token=settings.telegram_secret, allowed_updates=list(ALLOWED_UPDATES)
        )
    finally:
        for request in requests:
            await request.shutdown()


def cmd_set_webhook(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if not _configured(settings):
        return 1
    url = args.url or f"{settings.public_url.rstrip('/')}/webhooks/telegram"
    try:
        asyncio.run(_set_webhook(settings, url))
    except TelegramError as exc:
        print(texts.CLI["api_failed"].format(error=exc), file=sys.stderr)
        return 1
    print(texts.CLI["webhook_set"].format(url=url))
    return 0


def cmd_poll(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.app import create_app

    settings = _settings(args, telegram_poll=True)
    if not _configured(settings):
        return 1
    print(texts.CLI["polling"].format(host=settings.host, port=settings.port), flush=True)
    web.run_app(create_app(settings), host=settings.host, port=settings.port,
                print=lambda line: print(line, flush=True))
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    telegram = subparsers.add_parser("telegram", help="Telegram bot: webhook or long polling")
    actions = telegram.add_subparsers(dest="telegram_command", required=True, metavar="ACTION")
    webhook = actions.add_parser(
        "set-webhook", help="point Telegram at /webhooks/telegram (with the secret token)"
    )
    webhook.add_argument("--url", help="the webhook URL (default: MINSHENG_PUBLIC_URL"
                         "/webhooks/telegram)")
    webhook.set_defaults(handler=cmd_set_webhook)
    poll = actions.add_parser(
        "poll", help="serve the gateway and fetch updates by long polling (no public URL)"
    )
    poll.add_argument("--host", help="bind address (MINSHENG_HOST)")
    poll.add_argument("--port", type=int, help="port (MINSHENG_PORT)")
    poll.set_defaults(handler=cmd_poll)
