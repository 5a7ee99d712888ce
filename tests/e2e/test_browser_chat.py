"""The chat page in headless Chromium at phone size: the demo report, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.tickets.models import Ticket
from tests.e2e.browser import PHONE, answer_until_ticket, bot_message_count, chromium

pytestmark = pytest.mark.browser

DEMO_MESSAGE = "锦园小区2号楼楼道灯坏了,晚上很黑"


async def test_demo_report_in_the_browser(aiohttp_server, make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings())
    server = await aiohttp_server(app)
    base = f"http://127.0.0.1:{server.port}"

    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE, locale="zh-CN")
        await page.goto(base + "/")
        await page.wait_for_selector(".msg.bot")
        seen = await bot_message_count(page)
        await page.fill("#text", DEMO_MESSAGE)
        await page.click("#send")
        number = await answer_until_ticket(page, seen)
        await page.screenshot(path=str(tmp_path / "chat-ticket.png"), full_page=True)

    assert number, "the conversation ended without a ticket number"
    assert (tmp_path / "chat-ticket.png").stat().st_size > 0
    async with app[RUNTIME].sessions() as session:
        ticket = (await session.exec(select(Ticket).where(Ticket.number == number))).one()
    assert ticket.category == "report_lighting"
