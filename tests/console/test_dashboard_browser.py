"""The dashboard in headless Chromium: signed in as district staff over demo history, every
chart is drawn by the vendored ECharts with no CSP violation; a screenshot is saved."""

from __future__ import annotations

import os
from pathlib import Path

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.demo_history import demo_buildings, write_history
from bot.staff.roles import Role, ScopeLevel
from bot.staff.scope import Scope
from tests.e2e.browser import chromium

PASSWORD = "correct horse 电池"
CHARTS = ("chart-day", "chart-status", "chart-category", "chart-tiers", "chart-heat",
          "chart-self")


async def test_dashboard_draws_its_charts(aiohttp_server, make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings())
    server = await aiohttp_server(app)
    base = f"http://127.0.0.1:{server.port}"
    runtime = app[RUNTIME]
    buildings = await demo_buildings(runtime.sessions)
    await write_history(runtime.sessions, buildings, runtime.catalog, months=6, per_day=20)
    await runtime.staff.create_account(
        "district1", PASSWORD, role=Role.DISTRICT_STAFF,
        scope=Scope(ScopeLevel.DISTRICT, buildings[0].district_code),
    )
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text)
                if m.type == "error" and "404" not in m.text else None)
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        await page.goto(base + "/console/login")
        await page.fill("#username", "district1")
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await page.goto(base + "/console/dashboard?days=180")
        await page.wait_for_selector("#status[hidden]", state="attached", timeout=20_000)
        for chart in CHARTS:
            assert await page.locator(f"#{chart} canvas").count() >= 1, chart
        assert await page.locator("#rank-communities tr").count() > 2
        assert await page.locator("[data-kpi=total]").inner_text() not in ("", "–")
        shot = Path(os.environ.get("DASHBOARD_SCREENSHOT", tmp_path / "dashboard.png"))
        await page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
        assert problems == []
