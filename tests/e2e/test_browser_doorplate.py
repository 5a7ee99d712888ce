"""Scan a door plate at phone size: landing page, 一键报事, chat, a ticket for that building."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import create_app
from bot.appkeys import ADDRESS_BOOK, RUNTIME
from bot.tickets.models import Ticket
from tests.e2e.browser import PHONE, answer_until_ticket, bot_message_count, chromium

pytestmark = pytest.mark.browser


async def test_scan_report_ticket_carries_the_building(  # type: ignore[no-untyped-def]
    aiohttp_server, make_settings, tmp_path: Path
) -> None:
    app = create_app(make_settings())
    server = await aiohttp_server(app)
    base = f"http://127.0.0.1:{server.port}"
    book = app[ADDRESS_BOOK]
    code = book.resolve("车站街道城南社区锦园小区3号楼").building_code
    assert code is not None
    route = book.route(code)

    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE, locale="zh-CN")
        await page.goto(f"{base}/b/{code}")
        body = await page.inner_text("body")
        for part in (route.community.name, route.street.name, route.grid.name, "一键报事"):
            assert part in body
        assert await page.locator("a[href^='tel:']").count() >= 3
        await page.screenshot(path=str(tmp_path / "landing.png"), full_page=True)

        await page.click("#report a.button")
        await page.wait_for_url(f"**/?scene={code}")
        await page.wait_for_selector(".msg.bot")
        greeting = "\n".join(await page.locator(".msg.bot .bubble").all_inner_texts())
        assert "锦园小区" in greeting and "3号楼" in greeting

        seen = await bot_message_count(page)
        await page.fill("#text", "楼下垃圾桶满了好几天没人清运,味道很大")
        await page.click("#send")
        number = await answer_until_ticket(page, seen)
        await page.screenshot(path=str(tmp_path / "doorplate-ticket.png"), full_page=True)

    assert number, "no ticket number in the chat"
    async with app[RUNTIME].sessions() as session:
        ticket = (await session.exec(select(Ticket).where(Ticket.number == number))).one()
    assert ticket.building_code == code
    assert ticket.grid_code == route.grid.code
    assert ticket.community_code == route.community.code
    assert ticket.category == "report_garbage"


async def test_unknown_plate_gets_a_helpful_page(aiohttp_server, make_settings) -> None:  # type: ignore[no-untyped-def]
    server = await aiohttp_server(create_app(make_settings()))
    async with chromium() as browser:
        page = await browser.new_page(viewport=PHONE, locale="zh-CN")
        response = await page.goto(f"http://127.0.0.1:{server.port}/b/NO-SUCH-CODE")
        assert response is not None and response.status == 404
        text = await page.inner_text("body")
        assert "Traceback" not in text
        assert await page.locator("a[href='/']").count() == 1
