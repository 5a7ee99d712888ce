"""The console's static files: one folder, one route, one table.

``GET /console/static/{path}`` serves the files of ``bot/console/static`` (the sign-in
page's stylesheet, every page's CSS and JS, and the vendored ECharts with its licence) to
anyone: they hold nothing personal, and the sign-in page needs its stylesheet before there
is a session. The served files are a table built once from the folder at start-up — a URL
is looked up in it, never joined to a path — so nothing outside the folder, no dotfile and
no unknown type can be reached. Pages link them with :func:`asset_url`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

from aiohttp import hdrs, web

from bot.staff.web import PUBLIC, console_route, route_rule

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
PREFIX: Final = "/console/static/"
#: Served file types; anything else in the folder (a README) stays private.
TYPES: Final = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}
_TEXT: Final = frozenset({".css", ".js", ".svg"})
#: Browsers may keep the files an hour: they change with a deployment only.
CACHE_CONTROL: Final = "public, max-age=3600"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    content_type: str
    charset: str | None


@lru_cache(maxsize=1)
def assets() -> dict[str, Asset]:
    """Relative path (``vendor/echarts/echarts.min.js``) -> the file, read once."""
    table: dict[str, Asset] = {}
    for path in sorted(STATIC_DIR.rglob("*")):
        relative = path.relative_to(STATIC_DIR)
        if not path.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        kind = TYPES.get(path.suffix)
        if kind is None:
            continue
        charset = "utf-8" if path.suffix in _TEXT else None
        table[relative.as_posix()] = Asset(path.read_bytes(), kind, charset)
    return table


def asset_url(name: str) -> str:
    """The URL of a served file; a name that is not served is a programmer's mistake."""
    if name not in assets():
        raise KeyError(f"no console asset {name!r} in {STATIC_DIR}")
    return PREFIX + name


async def serve(request: web.Request) -> web.Response:
    asset = assets().get(request.match_info["path"])
    if asset is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=asset.body, content_type=asset.content_type, charset=asset.charset,
        headers={hdrs.CACHE_CONTROL: CACHE_CONTROL},
    )


def setup_console_assets(app: web.Application) -> None:
    """Add ``GET /console/static/{path}`` (public). Idempotent."""
    path = PREFIX + "{path:.+}"
    if route_rule(app, "GET", path) is None:
        console_route(app, "GET", path, serve, roles=PUBLIC)
