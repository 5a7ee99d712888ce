"""The chat page in headless Chromium at phone size: the demo report, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page
from sqlmodel import select

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.tickets.models import Ticket
from tests.e2e.browser import PHONE, chromium
from tests.e2e.resident import TICKET_NUMBER, choose, typed_answer

pytestmark = pytest.mark.browser

DEMO_MESSAGE = "锦园小区2号楼楼道灯坏了,晚上很黑"


async def bot_texts(page: Page) -> list[str]:
    return await page.locator(".msg.bot .bubble").all_inner_texts()


async def wait_for_new_bot_message(page: Page, seen: int) -> None:
    await page.wait_for_function(
        "n => document.querySelectorAll('.msg.bot').length > n", arg=seen, timeout=20_000
    )
    # Buttons are drawn right after the bubbles of the same reply.
    await page.wait_for_timeout(150)


async def test_demo_report_in_the_browser(aiohttp_server, make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings())
    server = await aiohttp_server(app)
    base = f"http://127.0.0.1:{server.port}"

    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE, locale="zh-CN")
        await page.goto(base + "/")
        await page.wait_for_selector(".msg.bot")
        seen = len(await bot_texts(page))
        await page.fill("#text", DEMO_MESSAGE)
        await page.click("#send")

        number = None
        for _ in range(12):
            await wait_for_new_bot_message(page, seen)
            texts = await bot_texts(page)
            seen = len(texts)
            match = TICKET_NUMBER.search("\n".join(texts))
            if match:
                number = match.group(1)
                break
            buttons = page.locator("#quick button")
            titles = await buttons.all_inner_texts()
            index = choose(titles)
            if index is not None:
                await buttons.nth(index).click()
            else:
                await page.fill("#text", typed_answer(texts[-1]))
                await page.click("#send")
        await page.screenshot(path=str(tmp_path / "chat-ticket.png"), full_page=True)

    assert number, "the conversation ended without a ticket number"
    assert (tmp_path / "chat-ticket.png").stat().st_size > 0
    async with app[RUNTIME].sessions() as session:
        ticket = (await session.exec(select(Ticket).where(Ticket.number == number))).one()
    assert ticket.category == "report_lighting"
