"""The dashboard's routes (智慧驾驶舱), for street and district staff, secretaries and admins.

- ``GET /console/dashboard``: the page (charts drawn by ``dashboard.js`` with the vendored
  ECharts; no inline script or style, as the console's CSP demands).
- ``GET /console/api/dashboard?days=30``: the figures as JSON, scoped to the signed-in staff.
- ``GET /console/dashboard.csv?days=30``: the scoped tickets of the window, UTF-8 with a BOM
  so that Excel opens it with the right characters.
- its own files (``dashboard.js``, ``dashboard.css``, the vendored
  ``vendor/echarts/echarts.min.js``; no CDN) are console assets (bot.console.assets).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Final

from aiohttp import web
from jinja2 import Environment

from bot.appkeys import RUNTIME
from bot.console import dashboard_texts as texts
from bot.console.assets import asset_url, setup_console_assets
from bot.console.dashboard import dashboard_data, export_rows
from bot.console.web import CONSOLE_DEPS, scope_label
from bot.staff.roles import Role
from bot.staff.texts import ROLE_LABELS
from bot.staff.web import console_route, current_staff
from bot.templating import page_templates
from bot.tickets.clock import utcnow

HERE = Path(__file__).resolve().parent
ECHARTS_PATH: Final = asset_url("vendor/echarts/echarts.min.js")
DASHBOARD_ROLES: Final = frozenset(
    {Role.SECRETARY, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.ADMIN}
)
DEFAULT_DAYS: Final = 30
DAY_CHOICES: Final = (7, 30, 90, 180)
UTF8_BOM: Final = "\ufeff"



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


def _source_labels(request: web.Request) -> Mapping[str, str]:
    deps = request.app.get(CONSOLE_DEPS)
    return deps.source_labels if deps is not None else {}


async def dashboard_page(request: web.Request) -> web.Response:
    session = current_staff(request)
    staff = session.staff
    days = _days(request)
    html = _templates().get_template("dashboard.html").render(
        t=texts.PAGE,
        staff=staff,
        role_label=ROLE_LABELS.get(staff.role.value, staff.role.value),
        scope_label=scope_label(request.app[RUNTIME].addresses, staff),
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
        category_names=_category_names(request), source_labels=_source_labels(request),
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
        category_names=_category_names(request), source_labels=_source_labels(request),
    ):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(batch)
        await response.write(buffer.getvalue().encode("utf-8"))
    await response.write_eof()
    return response


def setup_console_dashboard(app: web.Application) -> None:
    """Add the dashboard's routes, each with its rule (bot.staff.web.console_route)."""
    console_route(app, "GET", "/console/dashboard", dashboard_page, roles=DASHBOARD_ROLES)
    console_route(app, "GET", "/console/api/dashboard", dashboard_api, roles=DASHBOARD_ROLES)
    console_route(app, "GET", "/console/dashboard.csv", dashboard_csv, roles=DASHBOARD_ROLES)
    setup_console_assets(app)
