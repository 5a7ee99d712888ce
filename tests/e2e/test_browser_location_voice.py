"""The chat page's location and voice buttons in headless Chromium: what reaches the server.

The location comes from Chromium's geolocation override (Playwright sets it through the
DevTools protocol); the voice from Chromium's fake microphone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app import create_app
from tests.e2e.browser import (
    FAKE_MEDIA_ARGS,
    PHONE,
    SMALL_PHONE,
    bot_message_count,
    chromium,
    screens_dir,
    wait_for_bot,
)

pytestmark = pytest.mark.browser

# 锦园小区2号楼 in the demo registry.
NEAR_JINYUAN = {"latitude": 36.833523, "longitude": 118.049693}


async def test_location_button_sends_a_location(aiohttp_server, make_settings) -> None:  # type: ignore[no-untyped-def]
    server = await aiohttp_server(create_app(make_settings()))
    base = f"http://127.0.0.1:{server.port}"

    async with chromium() as browser:
        context = await browser.new_context(
            viewport=PHONE, locale="zh-CN", geolocation=NEAR_JINYUAN, permissions=["geolocation"]
        )
        page = await context.new_page()
        await page.goto(base + "/")
        await page.wait_for_selector(".msg.bot")
        seen = await bot_message_count(page)
        await page.fill("#text", "路灯坏了，晚上很黑")
        await page.click("#send")
        await wait_for_bot(page, seen)

        seen = await bot_message_count(page)
        async with page.expect_request("**/webhooks/rest/webhook") as sent:
            await page.click("#locate")
        body = json.loads((await sent.value).post_data or "{}")
        location = body["metadata"]["location"]
        assert location["lat"] == pytest.approx(NEAR_JINYUAN["latitude"])
        assert location["lng"] == pytest.approx(NEAR_JINYUAN["longitude"])
        await wait_for_bot(page, seen)
        # The engine read the point: what it answers names the buildings around it.
        answer = "\n".join(
            await page.locator(".msg.bot .bubble").all_inner_texts()
            + await page.locator("#quick button").all_inner_texts()
        )
        assert "锦园" in answer, answer


async def test_location_refused_says_type_the_place(  # type: ignore[no-untyped-def]
    aiohttp_server, make_settings, tmp_path: Path
) -> None:
    server = await aiohttp_server(create_app(make_settings()))
    async with chromium() as browser:
        # No permission granted: the browser refuses the position, as when a resident says no.
        context = await browser.new_context(viewport=SMALL_PHONE, locale="zh-CN")
        page = await context.new_page()
        await page.goto(f"http://127.0.0.1:{server.port}/?elder=1")
        await page.wait_for_selector(".msg.bot")
        await page.click("#locate")
        await page.wait_for_selector(".note.error")
        hint = await page.locator(".note.error").last.inner_text()
        assert "打字" in hint and "在哪里" in hint, hint
        assert await page.evaluate("document.activeElement.id") == "text"
        await page.screenshot(path=str(screens_dir(tmp_path) / "chat-elder-location-refused.png"))


async def test_voice_message_is_stored_as_evidence(  # type: ignore[no-untyped-def]
    aiohttp_server, make_settings, tmp_path: Path
) -> None:
    settings = make_settings()
    server = await aiohttp_server(create_app(settings))
    async with chromium(extra_args=FAKE_MEDIA_ARGS) as browser:
        context = await browser.new_context(
            viewport=PHONE, locale="zh-CN", permissions=["microphone"]
        )
        page = await context.new_page()
        await page.goto(f"http://127.0.0.1:{server.port}/")
        await page.wait_for_selector(".msg.bot")
        seen = await bot_message_count(page)
        await page.click("#voice")
        await page.wait_for_selector("#voice.recording")
        await page.wait_for_timeout(1200)  # a recording needs some sound in it
        await page.screenshot(path=str(screens_dir(tmp_path) / "chat-voice-recording.png"))
        async with page.expect_request("**/webhooks/rest/webhook") as sent:
            await page.click("#voice")
        body = json.loads((await sent.value).post_data or "{}")
        [attachment] = body["metadata"]["attachments"]
        assert attachment["kind"] == "voice" and attachment["url"].endswith(".weba")
        await wait_for_bot(page, seen)
        assert await page.locator(".msg.me audio").count() == 1
        assert await page.locator(".note.uploading").count() == 0
    # Stored by the gateway's media store, as a voice file.
    stored = list(settings.upload_dir.glob("*.weba"))
    assert len(stored) == 1 and stored[0].stat().st_size > 0
