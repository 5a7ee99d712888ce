"""The dashboard's routes (智慧驾驶舱), for street and district staff, secretaries and admins.

- ``GET /console/dashboard``: the page (charts drawn by ``dashboard.js`` with the vendored
  ECharts; no inline script or style, as the console's CSP demands).
- ``GET /console/api/dashboard?days=30``: the figures as JSON, scoped to the signed-in staff.
- ``GET /console/dashboard.csv?days=30``: the scoped tickets of the window, UTF-8 with a BOM
  so that Excel opens it with the right characters.
- ``GET /console/static/dashboard.js|dashboard.css`` and
  ``/console/static/vendor/echarts/echarts.min.js``: the page's own files (no CDN).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Final

from aiohttp import web
from jinja2 import Environment

from bot.appkeys import RUNTIME
from bot.console import dashboard_texts as texts
from bot.console.dashboard import dashboard_data, export_rows
from bot.staff.roles import Role
from bot.staff.texts import ROLE_LABELS
from bot.staff.web import PUBLIC, console_route, current_staff
from bot.templating import page_templates
from bot.tickets.clock import utcnow

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
ECHARTS_PATH: Final = "/console/static/vendor/echarts/echarts.min.js"
DASHBOARD_ROLES: Final = frozenset(
    {Role.SECRETARY, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN}
)
DEFAULT_DAYS: Final = 30
DAY_CHOICES: Final = (7, 30, 90, 180)
UTF8_BOM: Final = "\ufeff"

#: Served files: URL path → (file, content type). A fixed table, never a path from the URL.
STATIC_FILES: Final[dict[str, tuple[Path, str]]] = {
    "/console/static/dashboard.js": (STATIC / "dashboard.js", "text/javascript"),
    "/console/static/dashboard.css": (STATIC / "dashboard.css", "text/css"),
    ECHARTS_PATH: (STATIC / "vendor" / "echarts" / "echarts.min.js", "text/javascript"),
}


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return page_templates(HERE / "templates")


def _days(request: web.Request) -> int:
    try:
        days = int(request.query.get("days", DEFAULT_DAYS))
    except ValueError:
        return DEFAULT_DAYS
    return days if 1 <= days <= 366 else DEFAULT_DAYS


def _category_names(request: web.Request) -> dict[str, str]:
    catalog = request.app[RUNTIME].catalog
    return {item.intent: item.name for item in catalog.items()}


async def dashboard_page(request: web.Request) -> web.Response:
    session = current_staff(request)
    staff = session.staff
    days = _days(request)
    html = _templates().get_template("dashboard.html").render(
        t=texts.PAGE,
        staff=staff,
        role_label=ROLE_LABELS.get(staff.role.value, staff.role.value),
        scope_label=staff.scope.label_zh(),
        days=days,
        day_choices=DAY_CHOICES,
        echarts_path=ECHARTS_PATH,
        csrf_token=session.csrf_token,
    )
    return web.Response(text=html, content_type="text/html", charset="utf-8")


async def dashboard_api(request: web.Request) -> web.Response:
    staff = current_staff(request).staff
    data = await dashboard_data(
        request.app[RUNTIME].sessions, staff.scope, now=utcnow(), days=_days(request),
        category_names=_category_names(request),
    )
    data["scope"] = staff.scope.as_json()
    data["labels"] = texts.PAGE
    return web.json_response(data)


async def dashboard_csv(request: web.Request) -> web.StreamResponse:
    staff = current_staff(request).staff
    now = utcnow()
    stamp = f"{datetime.now():%Y%m%d-%H%M}"
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{texts.CSV_FILENAME.format(stamp=stamp)}"',
    })
    await response.prepare(request)
    await response.write(UTF8_BOM.encode("utf-8"))
    async for batch in export_rows(
        request.app[RUNTIME].sessions, staff.scope, now=now, days=_days(request),
        category_names=_category_names(request),
    ):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(batch)
        await response.write(buffer.getvalue().encode("utf-8"))
    await response.write_eof()
    return response


def _static(path: Path, content_type: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def serve(_: web.Request) -> web.Response:
        response = web.Response(body=path.read_bytes(), content_type=content_type,
                                charset="utf-8")
        return response

    return serve


def setup_console_dashboard(app: web.Application) -> None:
    """Add the dashboard's routes, each with its rule (bot.staff.web.console_route)."""
    console_route(app, "GET", "/console/dashboard", dashboard_page, roles=DASHBOARD_ROLES)
    console_route(app, "GET", "/console/api/dashboard", dashboard_api, roles=DASHBOARD_ROLES)
    console_route(app, "GET", "/console/dashboard.csv", dashboard_csv, roles=DASHBOARD_ROLES)
    for url, (path, content_type) in STATIC_FILES.items():
        console_route(app, "GET", url, _static(path, content_type), roles=PUBLIC)
