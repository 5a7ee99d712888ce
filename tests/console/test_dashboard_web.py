"""The dashboard over HTTP on the whole gateway (create_app): the page, the JSON, the CSV
export (scoped, with a BOM for Excel) and the vendored ECharts file."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.console.dashboard_web import ECHARTS_PATH
from bot.demo_history import demo_buildings, write_history
from bot.staff.roles import Role, ScopeLevel
from bot.staff.scope import Scope

PASSWORD = "correct horse 电池"
Client = TestClient  # type: ignore[type-arg]


@pytest.fixture
async def client(database_url, make_settings, aiohttp_client):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=database_url))
    return await aiohttp_client(app)


async def add_staff(client: Client, username: str, role: Role, scope: Scope) -> None:
    await client.app[RUNTIME].staff.create_account(username, PASSWORD, role=role, scope=scope)


async def login(client: Client, username: str) -> None:
    response = await client.post("/console/login",
                                 json={"username": username, "password": PASSWORD})
    assert response.status == 200, await response.text()


async def history(client: Client) -> Any:
    runtime = client.app[RUNTIME]
    buildings = await demo_buildings(runtime.sessions)
    await write_history(runtime.sessions, buildings, runtime.catalog, months=1, per_day=15)
    return buildings


async def test_district_staff_see_the_page_charts_and_csv(client: Client) -> None:
    buildings = await history(client)
    district = buildings[0].district_code
    community = buildings[0].community_code
    await add_staff(client, "district1", Role.DISTRICT_STAFF, Scope(ScopeLevel.DISTRICT, district))
    await add_staff(client, "secretary1", Role.SECRETARY, Scope(ScopeLevel.COMMUNITY, community))
    await add_staff(client, "grid1", Role.GRID_WORKER,
                    Scope(ScopeLevel.GRID, buildings[0].grid_code))

    page = await client.get("/console/dashboard", headers={"Accept": "text/html"},
                            allow_redirects=False)
    assert page.status == 303 and page.headers["Location"] == "/console/login"
    assert (await client.get("/console/api/dashboard")).status == 401

    await login(client, "district1")
    page = await client.get("/console/dashboard")
    assert page.status == 200
    html = await page.text()
    assert f'<script src="{ECHARTS_PATH}" defer></script>' in html
    assert ECHARTS_PATH == "/console/static/vendor/echarts/echarts.min.js"
    assert "<style" not in html and "onclick" not in html
    assert 'type="application/json" id="dashboard-config"' in html
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]

    echarts = await client.get(ECHARTS_PATH)
    assert echarts.status == 200
    assert echarts.content_type == "text/javascript"
    assert len(await echarts.read()) > 500_000
    for path in ("/console/static/dashboard.js", "/console/static/dashboard.css"):
        assert (await client.get(path)).status == 200

    api = await client.get("/console/api/dashboard?days=30")
    assert api.status == 200
    data = await api.json()
    district_total = data["summary"]["total"]
    assert district_total > 100 and data["grids"] and data["ranking"]["communities"]
    assert data["scope"]["level"] == "district"

    export = await client.get("/console/dashboard.csv?days=30")
    assert export.status == 200
    assert export.headers["Content-Type"].startswith("text/csv")
    body = await export.read()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "工单编号" and len(rows) == district_total + 1

    await login(client, "secretary1")
    mine = await (await client.get("/console/api/dashboard?days=30")).json()
    assert 0 < mine["summary"]["total"] < district_total
    assert {c["code"] for c in mine["ranking"]["communities"]} == {community}
    body = await (await client.get("/console/dashboard.csv?days=30")).read()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == mine["summary"]["total"] + 1
    names = {r[6] for r in rows[1:]}
    assert names == {buildings[0].community_name}

    await login(client, "grid1")
    assert (await client.get("/console/api/dashboard")).status == 403
    assert (await client.get("/console/dashboard.csv")).status == 403
