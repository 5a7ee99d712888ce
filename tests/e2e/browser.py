"""Headless Chromium (Debian's package) driven through Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.e2e.resident import TICKET_NUMBER, choose, typed_answer

# Without the background-networking flags Chromium keeps dialling Google's hosts, which this
# machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Fake microphone and camera that need no prompt: for voice messages recorded in the page.
FAKE_MEDIA_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 640}


def screens_dir(tmp_path: Path) -> Path:
    """Where screenshots go: ``MINSHENG_SCREENS_DIR`` when set (for a person to look at them),
    else the test's temporary folder."""
    folder = Path(os.environ.get("MINSHENG_SCREENS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "Debian's chromium is not installed; `make test` installs it (apt-get install chromium)"
        )
    return path


@asynccontextmanager
async def chromium(*, extra_args: Sequence[str] = ()) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), args=[*CHROMIUM_ARGS, *extra_args], headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


async def bot_message_count(page: Page) -> int:
    return await page.locator(".msg.bot").count()


async def answer_until_ticket(page: Page, seen: int, *, max_turns: int = 12) -> str | None:
    """Play the scripted resident in the chat page until a ticket number appears.

    ``seen`` is how many bot messages were on the page before the resident's last message.
    """
    for _ in range(max_turns):
        await page.wait_for_function(
            "n => document.querySelectorAll('.msg.bot').length > n", arg=seen, timeout=20_000
        )
        # Quick replies are drawn right after the bubbles of the same answer.
        await page.wait_for_timeout(150)
        texts = await page.locator(".msg.bot .bubble").all_inner_texts()
        seen = len(texts)
        match = TICKET_NUMBER.search("\n".join(texts))
        if match:
            return match.group(1)
        buttons = page.locator("#quick button")
        index = choose(await buttons.all_inner_texts())
        if index is not None:
            await buttons.nth(index).click()
        else:
            await page.fill("#text", typed_answer(texts[-1]))
            await page.click("#send")
    return None


async def wait_for_bot(page: Page, seen: int) -> None:
    """Until more than ``seen`` bot messages are on the page (and their buttons are drawn)."""
    await page.wait_for_function(
        "n => document.querySelectorAll('.msg.bot').length > n", arg=seen, timeout=20_000
    )
    await page.wait_for_timeout(150)


# Every visible element that shows text of its own, with its type size in px.
TEXT_SIZES_JS = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.offsetParent !== null
    && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
  .map(e => ({text: e.textContent.trim().slice(0, 20),
               font: parseFloat(getComputedStyle(e).fontSize)}))"""

# Boxes and type sizes the tests hold the page to, measured as the browser lays it out.
LAYOUT_JS = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, height: r.height, width: r.width,
            font: parseFloat(getComputedStyle(el).fontSize)}; };
  const all = (sel) => [...document.querySelectorAll(sel)]
    .filter(e => e.offsetParent !== null).map(box);
  const input = document.getElementById('text');
  const style = getComputedStyle(input);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = style.fontSize + ' ' + style.fontFamily;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const bubbles = [...document.querySelectorAll('.msg .bubble')];
  const last = bubbles.length ? box(bubbles[bubbles.length - 1]) : null;
  const texts = (TEXT_SIZES)();
  return {log: box(document.getElementById('log')), quick: box(document.getElementById('quick')),
          composer: box(document.getElementById('composer')), last: last,
          bubbles: all('.msg .bubble'), buttons: all('#quick button'),
          controls: all('#send, .tool, #elder, #text'), texts: texts,
          placeholder: {width: ctx.measureText(input.placeholder).width, room: room},
          elder: document.documentElement.classList.contains('elder')};
}""".replace("TEXT_SIZES", TEXT_SIZES_JS)


async def text_sizes(page: Page) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await page.evaluate(TEXT_SIZES_JS)
    return result


async def layout(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate(LAYOUT_JS)
    return result
