"""The whole story in headless Chromium: a resident reports on the web chat page (opened
from a door plate), the community secretary sees it arrive live in the inbox, opens it and
replies, and the resident's chat shows the reply; the secretary resolves, the resident is
told and asked to rate, and 不满意 reopens the ticket in the console. A secretary of
another community sees none of it, in the inbox or by direct URL. Along the way the inbox,
the ticket page, the live handoff page and the dashboard are photographed at desktop and
phone size (to ``$MINSHENG_SCREENSHOTS``, else the test's temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.staff import Scope
from tests.console.conftest import CHENGNAN, DONGFENG, PASSWORD
from tests.e2e.browser import PHONE, answer_until_ticket, bot_message_count, chromium

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
PLATE = "车站街道城南社区锦园小区3号楼"
REPLY = "您好，电工明天上午上门维修，请家里留人。"
RESOLUTION = "已更换楼道灯，恢复照明"


async def sign_in(context: BrowserContext, base: str, username: str) -> Page:
    page = await context.new_page()
    await page.goto(base + "/console/login")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#live:not([hidden])")
    return page


async def photograph(page: Page, folder: Path, name: str) -> None:
    """The page at desktop and at phone size (``console-<name>-desktop.png``, ``-phone.png``)."""
    for label, size in SIZES.items():
        await page.set_viewport_size(size)
        await page.wait_for_timeout(200)  # charts and wrapped lines settle
        await page.screenshot(path=str(folder / f"console-{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)


async def chat_shows(page: Page, words: str) -> None:
    """The resident's chat shows ``words`` (pushes are polled by the page)."""
    await page.wait_for_function(
        "w => [...document.querySelectorAll('.msg.bot .bubble')]"
        ".some(b => b.innerText.includes(w))",
        arg=words, timeout=30_000,
    )


async def test_report_reply_resolve_rate_reopen(  # type: ignore[no-untyped-def]
    aiohttp_server, make_settings, tmp_path: Path
) -> None:
    app = create_app(make_settings())
    server = await aiohttp_server(app)
    base = f"http://127.0.0.1:{server.port}"
    runtime = app[RUNTIME]
    for username, community, name in (("han", CHENGNAN, "韩书记"), ("zhao", DONGFENG, "赵书记")):
        await runtime.staff.create_account(
            username, PASSWORD, role="secretary", scope=Scope.parse(f"community:{community}"),
            display_name=name,
        )
    code = runtime.addresses.resolve(PLATE).building_code
    assert code is not None
    shots = Path(os.environ.get("MINSHENG_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)

    async with chromium() as browser:
        staff = await browser.new_context(viewport=DESKTOP, locale="zh-CN")
        console_errors: list[str] = []
        staff.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        han = await sign_in(staff, base, "han")
        resident = await (await browser.new_context(viewport=PHONE, locale="zh-CN")).new_page()

        # The resident reports from the door plate's chat.
        await resident.goto(f"{base}/?scene={code}")
        await resident.wait_for_selector(".msg.bot")
        seen = await bot_message_count(resident)
        await resident.fill("#text", "楼道灯坏了好几天了，晚上上下楼很黑")
        await resident.click("#send")
        number = await answer_until_ticket(resident, seen)
        assert number, "no ticket number in the chat"

        # It appears in the secretary's open inbox without a reload.
        await han.wait_for_selector(f"ul.tickets >> text={number}", timeout=20_000)
        await photograph(han, shots, "inbox")

        await han.click(f"text={number}")
        await han.wait_for_selector("h1:has-text('已提交')")
        await han.fill("form[action$='/reply'] textarea", REPLY)
        await han.click("form[action$='/reply'] button")
        await han.wait_for_selector("text=回复已发送给居民。")
        await chat_shows(resident, REPLY)

        await han.click("details:has(form[action$='/resolve']) summary")
        await han.fill("form[action$='/resolve'] textarea[name=note]", RESOLUTION)
        await han.click("form[action$='/resolve'] button")
        await han.wait_for_selector("text=已办结，已请居民评价。")
        await chat_shows(resident, RESOLUTION)
        await photograph(han, shots, "ticket")

        # Asked to rate: 不满意, and why; the ticket is open again in the console.
        await resident.wait_for_selector("#quick button:has-text('不满意')", timeout=30_000)
        seen = await bot_message_count(resident)
        await resident.click("#quick button:has-text('不满意')")
        await resident.wait_for_function(
            "n => document.querySelectorAll('.msg.bot').length > n", arg=seen, timeout=20_000
        )
        if await resident.locator("#quick button:has-text('跳过')").count():
            seen = await bot_message_count(resident)
            await resident.fill("#text", "灯还是一闪一闪的，没修好")
            await resident.click("#send")
            await resident.wait_for_function(
                "n => document.querySelectorAll('.msg.bot').length > n", arg=seen,
                timeout=20_000,
            )
        await han.wait_for_selector("#changed:not([hidden])", timeout=20_000)
        await han.reload()
        await han.wait_for_selector("h1:has-text('重新办理中')")

        # The resident asks for a person: the secretary sees the wait live and takes it.
        seen = await bot_message_count(resident)
        await resident.fill("#text", "转人工")
        await resident.click("#send")
        await resident.wait_for_function(
            "n => document.querySelectorAll('.msg.bot').length > n", arg=seen, timeout=20_000
        )
        seen = await bot_message_count(resident)
        await resident.fill("#text", "灯还是不亮，能不能快点派人来")
        await resident.click("#send")
        await resident.wait_for_function(
            "n => document.querySelectorAll('.msg.bot').length > n", arg=seen, timeout=20_000
        )
        await han.goto(base + "/console/?group=handoff")
        await han.wait_for_selector("ul.handoffs li a", timeout=20_000)
        await han.click("ul.handoffs li a")
        await han.wait_for_selector("#handoff-lines >> text=快点派人来")
        await han.fill("#answer-text", "您好，我是韩书记，今天下午再派电工去看。")
        await han.click("#answer-form button[type=submit]")
        await han.wait_for_function(
            "() => document.getElementById('handoff-lines').textContent.includes('韩书记')",
            timeout=10_000,
        )
        await photograph(han, shots, "handoff")
        await chat_shows(resident, "今天下午再派电工")

        await han.goto(base + "/console/dashboard")
        await han.wait_for_selector("canvas", timeout=20_000)
        await photograph(han, shots, "dashboard")
        assert not [e for e in console_errors if "Content Security Policy" in e], console_errors

        # Another community's secretary: nothing in the inbox, a 404 by direct URL.
        other = await sign_in(await browser.new_context(viewport=DESKTOP, locale="zh-CN"),
                              base, "zhao")
        assert number not in await other.inner_text("main")
        response = await other.goto(f"{base}/console/tickets/{number}")
        assert response is not None and response.status == 404
        assert number not in await other.content()
        api = await other.goto(f"{base}/console/api/tickets")
        assert api is not None and number not in await api.text()

    view = await runtime.tickets.get(number)
    assert view.status == "reopened"
    assert [e.kind for e in view.history].count("reply") == 1
    assert [e.to_status for e in view.history][-2:] == ["resolved", "reopened"]
    for name in ("inbox", "ticket", "handoff", "dashboard"):
        for label in SIZES:
            assert (shots / f"console-{name}-{label}.png").stat().st_size > 0
