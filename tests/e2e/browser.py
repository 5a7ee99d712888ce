"""Headless Chromium (Debian's package) driven through Playwright."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "Debian's chromium is not installed; `make test` installs it (apt-get install chromium)"
        )
    return path


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
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
