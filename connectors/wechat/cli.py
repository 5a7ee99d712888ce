"""``minsheng wechat menu | qrcode | announce``: the Official Account's operator commands."""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.wechat import texts
from connectors.wechat.api import WeChatApi, WeChatApiError

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["menu_json", "register_cli"]


def menu_json() -> dict[str, Any]:
    """The menu: 报事 / 我的工单 / 联系社区, each a CLICK the connector turns into words."""
    return {"button": [{"type": "click", "name": name, "key": key} for name, key in texts.MENU]}


def _settings(args: argparse.Namespace) -> Settings:
    from bot.config import load_settings

    overrides: dict[str, object] = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    return load_settings(**overrides)


def _api(settings: Settings) -> WeChatApi:
    from bot.errors import ConfigError

    if not (settings.wechat_app_id and settings.wechat_app_secret):
        raise ConfigError(texts.CLI["not_configured"])
    return WeChatApi(settings.wechat_api_base, settings.wechat_app_id,
                     settings.wechat_app_secret, redis_url=settings.redis_url)


async def _with_api(settings: Settings, work: Any) -> Any:
    api = _api(settings)
    try:
        return await work(api)
    finally:
        await api.aclose()


def cmd_menu(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        asyncio.run(_with_api(settings, lambda api: api.create_menu(menu_json())))
    except WeChatApiError as exc:
        print(texts.CLI["api_failed"].format(error=exc), file=sys.stderr)
        return 1
    print(texts.CLI["menu_done"].format(names=" / ".join(name for name, _ in texts.MENU)))
    return 0


async def _qrcodes(settings: Settings, community: str, out: Path) -> tuple[str, int]:
    from bot.addresses import AddressBook, ensure_demo_data
    from bot.addresses.codes import wechat_scene_str
    from bot.addresses.plates import render_svg
    from bot.db import create_engine_for, make_session_factory
    from bot.db.migrate import upgrade
    from bot.errors import AddressError

    await upgrade(settings.effective_database_url)
    engine = create_engine_for(settings.effective_database_url)
    try:
        sessions = make_session_factory(engine)
        await ensure_demo_data(sessions, settings)
        book = await AddressBook.load(sessions)
    finally:
        await engine.dispose()
    buildings = book.buildings_in_community(community)
    if not buildings:
        raise AddressError(texts.CLI["no_buildings"].format(code=community))
    out.mkdir(parents=True, exist_ok=True)
    api = _api(settings)
    try:
        with (out / "index.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(("building_code", "address", "scene_str", "ticket", "url", "svg"))
            for info in buildings:
                scene = wechat_scene_str(info.code)
                created = await api.create_qrcode(scene)
                url = str(created["url"])
                svg = out / f"{info.code}.svg"
                # The plate's QR carries WeChat's own URL: scanning it opens the Official
                # Account, which sends us SCAN (or subscribe) with this building's scene.
                svg.write_text(render_svg(info, url), encoding="utf-8")
                writer.writerow((info.code, info.address, scene, created["ticket"], url,
                                 svg.name))
    finally:
        await api.aclose()
    return book.community_name(community) or community, len(buildings)


def cmd_qrcode(args: argparse.Namespace) -> int:
    settings = _settings(args)
    out = Path(args.out)
    try:
        name, count = asyncio.run(_qrcodes(settings, args.community, out))
    except WeChatApiError as exc:
        print(texts.CLI["api_failed"].format(error=exc), file=sys.stderr)
        return 1
    print(texts.CLI["qrcode_done"].format(community=name, code=args.community, count=count,
                                          out=out))
    return 0


async def _announce(settings: Settings, grid: str, text: str) -> None:
    from bot.db import create_engine_for, make_session_factory
    from bot.db.migrate import upgrade
    from bot.tickets.clock import utcnow
    from connectors.wechat.announce import queue_notice

    await upgrade(settings.effective_database_url)
    engine = create_engine_for(settings.effective_database_url)
    try:
        async with make_session_factory(engine)() as session:
            queue_notice(session, grid, text, utcnow())
            await session.commit()
    finally:
        await engine.dispose()


def cmd_announce(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.grid not in settings.wechat_group_webhooks:
        print(texts.CLI["no_robot"].format(grid=args.grid), file=sys.stderr)
        return 1
    asyncio.run(_announce(settings, args.grid, args.text))
    print(texts.CLI["announce_queued"].format(grid=args.grid))
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    wechat = subparsers.add_parser("wechat", help="WeChat Official Account: menu, QR codes, "
                                   "group announcements")
    actions = wechat.add_subparsers(dest="wechat_command", required=True, metavar="ACTION")
    menu = actions.add_parser("menu", help="install the menu (报事 / 我的工单 / 联系社区)")
    menu.set_defaults(handler=cmd_menu)
    qrcode = actions.add_parser(
        "qrcode", help="permanent parametric QR codes for every building of a community"
    )
    qrcode.add_argument("--community", required=True, metavar="CODE", help="community code")
    qrcode.add_argument("--out", default="var/wechat-qrcodes", metavar="DIR",
                        help="output directory (index.csv and one SVG plate per building)")
    qrcode.add_argument("--database-url", help="overrides MINSHENG_DATABASE_URL")
    qrcode.set_defaults(handler=cmd_qrcode)
    announce = actions.add_parser(
        "announce", help="queue a notice to a micro-grid's group (posted by the gateway)"
    )
    announce.add_argument("--grid", required=True, metavar="CODE", help="grid code")
    announce.add_argument("text", help="the notice (no personal data: it is masked anyway)")
    announce.add_argument("--database-url", help="overrides MINSHENG_DATABASE_URL")
    announce.set_defaults(handler=cmd_announce)
