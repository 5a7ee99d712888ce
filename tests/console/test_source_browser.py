"""Sources in headless Chromium, at desktop (1280x800) and phone (390x844) size: the inbox's
source badges and numbers, a ticket whose category the system predicted (confirmed through
the page's form), and the dashboard's table by source; nothing wider than the screen, no
CSP violation. Screenshots go to MINSHENG_SCREENS_DIR when set (docs/screenshots keeps
console-source-*.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import ConsoleMessage, Page, ViewportSize

from bot.tickets.views import TicketDraft
from tests.console.conftest import CHENGNAN_BUILDING, PASSWORD
from tests.e2e.browser import chromium, screens_dir

pytestmark = pytest.mark.browser

SIZES: dict[str, ViewportSize] = {
    "desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844},
}
ORDER = "GD-370303-20261201-000123"


async def fits(page: Page) -> None:
    """Nothing scrolls sideways: the page is no wider than the screen."""
    width = await page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    assert width <= await page.evaluate("() => window.innerWidth"), page.url
    # Nor does anything spill out of its box (a filter bar, a card, a row, a panel).
    spilled = await page.evaluate(
        """() => [...document.querySelectorAll('.filters, .card, ul.tickets li, .panel')]
            .filter(box => box.scrollWidth > box.clientWidth + 1)
            .map(box => box.className)"""
    )
    assert spilled == [], (page.url, spilled)


async def test_sources_on_the_console_pages(  # type: ignore[no-untyped-def]
    secretary_console, tmp_path: Path
) -> None:
    base, runtime = secretary_console

    def draft(text: str, source: str, **more: object) -> TicketDraft:
        return TicketDraft(
            category=str(more.pop("category", "report_lighting")), description=text,
            reporter_channel="web", reporter_id=f"{source}-1", building_code=CHENGNAN_BUILDING,
            source=source, **more,  # type: ignore[arg-type]
        )

    await runtime.tickets.file(draft("锦园小区1号楼楼道灯坏了，晚上很黑", "web"))
    await runtime.tickets.file(draft("锦园小区北门垃圾两天没清运", "staff",
                                     category="report_garbage"))
    predicted = await runtime.tickets.file(draft(
        "市民来电反映锦园小区1号楼门口路灯整夜不亮，多次报修无人处理，请尽快安排维修。",
        "12345", source_ref=ORDER, category_predicted=True,
    ))
    await runtime.tickets.file(draft("油烟浓度连续超标", "sensor", source_ref="FUME-0042",
                                     category="report_noise"))
    shots = screens_dir(tmp_path)
    async with chromium() as browser:
        for name, size in SIZES.items():
            page = await browser.new_page(viewport=size, locale="zh-CN")
            problems: list[str] = []

            def collect(message: ConsoleMessage, problems: list[str] = problems) -> None:
                if message.type == "error":
                    problems.append(message.text)

            page.on("console", collect)
            await page.goto(base + "/console/login")
            await page.fill("#username", "han")
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_selector("ul.tickets li")
            assert await page.locator("ul.tickets .badge.source").count() == 4
            assert await page.locator("text=12345热线").count() >= 1
            assert await page.locator(f"text={ORDER}").count() == 1
            await fits(page)
            await page.screenshot(path=str(shots / f"console-source-inbox-{name}.png"),
                                  full_page=True)

            await page.goto(base + f"/console/tickets/{predicted.number}")
            await page.wait_for_selector("#predicted")
            assert await page.locator("#predicted h2").inner_text() == "分类由系统预测，请确认"
            await fits(page)
            await page.screenshot(path=str(shots / f"console-source-ticket-{name}.png"),
                                  full_page=True)

            await page.goto(base + "/console/dashboard?days=7")
            await page.wait_for_selector("#status[hidden]", state="attached", timeout=20_000)
            rows = page.locator("#by-source tr[data-source]")
            assert await rows.count() == 4
            assert "12345热线" in await page.locator("#by-source").inner_text()
            await fits(page)
            await page.screenshot(path=str(shots / f"console-source-dashboard-{name}.png"),
                                  full_page=True)
            assert not [p for p in problems if "Content Security Policy" in p], problems
            await page.close()

        page = await browser.new_page(viewport=SIZES["phone"], locale="zh-CN")
        await page.goto(base + "/console/login")
        await page.fill("#username", "han")
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await page.goto(base + f"/console/tickets/{predicted.number}")
        await page.select_option("#predicted select[name=category]", "report_road_damage")
        await page.click("#predicted button")
        await page.wait_for_selector("text=分类已确认。")
        assert await page.locator("#predicted").count() == 0
    view = await runtime.tickets.get(predicted.number)
    assert view.category == "report_road_damage" and not view.category_predicted
