"""The inbox and a ticket page in headless Chromium at phone size: sign in, a new ticket
appears without a reload, accept and reply from the ticket page; no CSP violations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.tickets.views import TicketDraft
from tests.console.conftest import CHENGNAN_BUILDING, PASSWORD
from tests.e2e.browser import PHONE, chromium

pytestmark = pytest.mark.browser


async def test_inbox_live_and_ticket_actions_in_the_browser(  # type: ignore[no-untyped-def]
    secretary_console, tmp_path: Path
) -> None:
    base, runtime = secretary_console
    shots = Path(os.environ.get("MINSHENG_SCREENSHOTS", tmp_path))

    def draft(text: str, reporter: str) -> TicketDraft:
        return TicketDraft(
            category="report_lighting", description=text, reporter_channel="web",
            reporter_id=reporter, building_code=CHENGNAN_BUILDING,
        )

    await runtime.tickets.file(draft("锦园小区1号楼楼道灯坏了，晚上很黑", "r-1"))
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE, locale="zh-CN")
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        await page.goto(base + "/console/login")
        await page.fill("#username", "han")
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_selector("ul.tickets li")
        await page.wait_for_selector("#live:not([hidden])")
        assert await page.locator("ul.tickets li").count() == 1

        new = await runtime.tickets.file(draft("锦园小区1号楼门口路灯不亮", "r-2"))
        await page.wait_for_selector(f"text={new.number}", timeout=15_000)
        assert await page.locator("ul.tickets li").count() == 2
        await page.screenshot(path=str(shots / "console-inbox.png"), full_page=True)

        await page.click(f"text={new.number}")
        await page.wait_for_selector("h1:has-text('已提交')")
        await page.click("form[action$='/claim'] button")
        await page.wait_for_selector("text=已受理。")
        await page.fill("form[action$='/reply'] textarea", "您好，电工明天上午上门维修。")
        await page.click("form[action$='/reply'] button")
        await page.wait_for_selector("text=回复已发送给居民。")
        await page.screenshot(path=str(shots / "console-ticket.png"), full_page=True)
        assert not [p for p in problems if "Content Security Policy" in p], problems
    view = await runtime.tickets.get(new.number)
    assert view.status == "accepted" and view.history[-1].kind == "reply"
