"""The live handoff page in headless Chromium at phone size: a resident's new line appears
without reloading, the secretary's answer goes out through the page's script (CSP: no
inline script), and the conversation is handed back."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.handoff import HandoffStatus
from bot.staff import Role, Scope
from tests.e2e.browser import PHONE, chromium

pytestmark = pytest.mark.browser

PASSWORD = "correct horse 电池"


async def test_live_handoff_in_the_browser(aiohttp_server, make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(), background=False)
    server = await aiohttp_server(app)
    base = f"http://127.0.0.1:{server.port}"
    runtime = app[RUNTIME]
    book = runtime.addresses
    building = book.building(book.resolve("锦园小区2号楼").candidates[0].building_code)
    assert building is not None
    await runtime.staff.create_account(
        "li", PASSWORD, role=Role.SECRETARY,
        scope=Scope.parse(f"community:{building.community_code}"), display_name="李书记",
    )

    async with aiohttp.ClientSession() as http:
        async def say(text: str, n: int) -> None:
            async with http.post(base + "/webhooks/rest/webhook", json={
                "sender": "web-b-1", "message": text, "metadata": {"message_id": f"b-{n}"},
            }) as response:
                assert response.status == 200

        await say("转人工", 1)
        await say("楼下垃圾三天没人清运了", 2)
        [waiting] = await runtime.handoff.list_waiting()

        async with chromium() as browser:
            page = await browser.new_page(viewport=PHONE, locale="zh-CN")
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await page.goto(base + "/console/login")
            await page.fill("#username", "li")
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_load_state()
            await page.goto(base + "/console/handoffs")
            await page.wait_for_selector(f"a[href='/console/handoffs/{waiting.id}']")
            await page.screenshot(path=str(tmp_path / "handoffs.png"), full_page=True)
            await page.click(f"a[href='/console/handoffs/{waiting.id}']")
            await page.wait_for_selector("#handoff-lines")

            await say("有人吗", 3)  # appears without reloading
            await page.wait_for_function(
                "() => document.getElementById('handoff-lines').textContent.includes('有人吗')",
                timeout=10_000,
            )
            await page.fill("#answer-text", "收到,已通知保洁公司今天清运")
            await page.click("#answer-form button[type=submit]")
            await page.wait_for_function(
                "() => document.getElementById('handoff-lines').textContent"
                ".includes('已通知保洁公司')",
                timeout=10_000,
            )
            await page.screenshot(path=str(tmp_path / "handoff.png"), full_page=True)
            await page.click("#close-form button[type=submit]")
            await page.wait_for_function(
                "() => document.getElementById('close-form').hidden", timeout=10_000
            )
            assert not [e for e in errors if "Content Security Policy" in e], errors

    view = await runtime.handoff.get(waiting.id)
    assert view.status == HandoffStatus.CLOSED
    assert [line.by for line in view.lines][-1] == "staff"
    assert (tmp_path / "handoff.png").stat().st_size > 0
