"""The chat page on small phones (360x640, 390x844): sizes a finger and an older eye can use,
nothing hidden under the buttons, history across reloads, uploads that say when they end.

Screenshots go to ``MINSHENG_SCREENS_DIR`` when it is set (for a person to look at), else to
the test's temporary folder.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app
from tests.e2e.browser import (
    PHONE,
    SMALL_PHONE,
    bot_message_count,
    chromium,
    layout,
    screens_dir,
    text_sizes,
    wait_for_bot,
)

pytestmark = pytest.mark.browser

TOUCH = 44  # px: the usual smallest touch target
ELDER_TYPE = 20  # px: the smallest type in elder mode
REPORT = "锦园小区2号楼楼道灯坏了,晚上很黑"


def tiny_png() -> bytes:
    """A valid 1x1 PNG (the upload sniffs the bytes, so it must be a real one)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def assert_usable(box: dict[str, Any], *, elder: bool) -> None:
    """Touch targets 44 px and more; bubbles and buttons readable (20 px in elder mode)."""
    for control in box["controls"] + box["buttons"]:
        assert control["height"] >= TOUCH, control
    smallest = ELDER_TYPE if elder else 16
    for item in box["bubbles"] + box["buttons"]:
        assert item["font"] >= smallest, item
    if elder:
        small = [t for t in box["texts"] if t["font"] < ELDER_TYPE]
        assert not small, small
    # The placeholder is shown whole.
    assert box["placeholder"]["width"] <= box["placeholder"]["room"], box["placeholder"]


def assert_newest_in_view(box: dict[str, Any]) -> None:
    """The newest message ends above the button bar and inside the scrolled log."""
    last = box["last"]
    assert last is not None
    assert last["bottom"] <= box["log"]["bottom"] + 0.5, (last, box["log"])
    assert last["bottom"] <= box["quick"]["top"] + 0.5, (last, box["quick"])
    assert last["top"] >= box["log"]["top"] - 0.5 or last["height"] > box["log"]["height"]


async def test_chat_on_a_small_phone(aiohttp_server, make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = await aiohttp_server(create_app(make_settings()))
    base = f"http://127.0.0.1:{server.port}"
    shots = screens_dir(tmp_path)

    async with chromium() as browser:
        page = await browser.new_page(viewport=SMALL_PHONE, locale="zh-CN")
        await page.goto(base + "/")
        await page.wait_for_selector(".msg.bot")
        assert_usable(await layout(page), elder=False)
        seen = await bot_message_count(page)
        await page.fill("#text", REPORT)
        await page.click("#send")
        await wait_for_bot(page, seen)
        await page.wait_for_selector("#quick button")
        box = await layout(page)
        assert box["buttons"], "the bot offered no choices"
        assert_usable(box, elder=False)
        assert_newest_in_view(box)
        await page.screenshot(path=str(shots / "chat-360x640.png"))

        # A reload shows the same conversation and the same choices, and it goes on from there.
        said = await page.locator(".msg .bubble").all_inner_texts()
        offered = await page.locator("#quick button").all_inner_texts()
        await page.reload()
        await page.wait_for_selector("#quick button")
        assert await page.locator(".msg .bubble").all_inner_texts() == said
        assert await page.locator("#quick button").all_inner_texts() == offered
        assert_newest_in_view(await layout(page))

        # The same conversation on a larger phone.
        await page.set_viewport_size(PHONE)
        await page.wait_for_timeout(100)
        assert_newest_in_view(await layout(page))
        await page.screenshot(path=str(shots / "chat-390x844.png"))

        # A photo: "uploading" goes away, the photo is shown, the bot answers.
        seen = await bot_message_count(page)
        await page.set_input_files(
            "#file", files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": tiny_png()}]
        )
        await page.wait_for_selector(".msg.me img")
        await wait_for_bot(page, seen)
        assert await page.locator(".note.uploading").count() == 0

        # A file that is no evidence: "uploading" goes away too, and the page says why.
        await page.set_input_files(
            "#file", files=[{"name": "x.txt", "mimeType": "image/png", "buffer": b"not a photo"}]
        )
        await page.wait_for_selector(".note.error")
        assert await page.locator(".note.uploading").count() == 0
        failure = await page.locator(".note.error").last.inner_text()
        assert "上传失败" in failure and "照片" in failure


async def test_elder_mode_from_the_door_plate(  # type: ignore[no-untyped-def]
    aiohttp_server, make_settings, tmp_path: Path
) -> None:
    app = create_app(make_settings())
    server = await aiohttp_server(app)
    base = f"http://127.0.0.1:{server.port}"
    shots = screens_dir(tmp_path)
    code = "370303001001X01-003"  # 锦园小区3号楼

    async with chromium() as browser:
        context = await browser.new_context(viewport=SMALL_PHONE, locale="zh-CN")
        page = await context.new_page()
        await page.goto(f"{base}/b/{code}")
        await page.screenshot(path=str(shots / "doorplate-360x640.png"), full_page=True)
        toggle = page.locator(".elder-toggle")
        assert (await toggle.bounding_box() or {"height": 0})["height"] >= TOUCH

        # One tap: large type, and the choice stays on this phone.
        await toggle.click()
        await page.wait_for_selector("html.elder")
        small = [t for t in await text_sizes(page) if t["font"] < ELDER_TYPE]
        assert not small, small
        for link in await page.locator("a.button, a.call, .elder-toggle").all():
            assert (await link.bounding_box() or {"height": 0})["height"] >= TOUCH
        await page.screenshot(path=str(shots / "doorplate-elder-360x640.png"), full_page=True)
        await page.set_viewport_size(PHONE)
        await page.screenshot(path=str(shots / "doorplate-elder-390x844.png"), full_page=True)

        # The chat page opens in elder mode too, and the conversation is usable at that size.
        await page.set_viewport_size(SMALL_PHONE)
        await page.click("#report a.button")
        await page.wait_for_selector("html.elder")
        await page.wait_for_selector("#quick button, .msg.bot")
        seen = await bot_message_count(page)
        await page.fill("#text", "楼下垃圾桶满了好几天没人清运")
        await page.click("#send")
        await wait_for_bot(page, seen)
        await page.wait_for_selector("#quick button")
        box = await layout(page)
        assert box["elder"]
        assert_usable(box, elder=True)
        assert_newest_in_view(box)
        await page.screenshot(path=str(shots / "chat-elder-360x640.png"))
        await page.set_viewport_size(PHONE)
        await page.wait_for_timeout(100)
        assert_newest_in_view(await layout(page))
        await page.screenshot(path=str(shots / "chat-elder-390x844.png"))

        # Remembered on the next visit, in a new tab; one tap on the chat page turns it off.
        later = await context.new_page()
        await later.goto(base + "/")
        await later.wait_for_selector("html.elder")
        await later.click("#elder")
        await later.wait_for_selector("html:not(.elder)")
        await later.reload()
        await later.wait_for_selector(".msg.bot")
        assert not await later.evaluate("document.documentElement.classList.contains('elder')")
        await later.goto(f"{base}/b/{code}")
        assert await later.locator("html.elder").count() == 0
        await later.set_viewport_size(PHONE)
        await later.screenshot(path=str(shots / "doorplate-390x844.png"), full_page=True)
