"""``minsheng chat``: the web conversation, in a terminal."""

from __future__ import annotations

import asyncio
import sys
import uuid

from bot.config import Settings
from bot.messages import InboundMessage, OutboundMessage
from bot.ports import CollectingOutput
from bot.runtime import Runtime

PROMPT = "我> "
BANNER = "社区小助手(终端)。直接输入您的问题;输入数字选择选项;输入 /quit 退出。"
BOT = "小助手> "


def _print_reply(reply: OutboundMessage) -> None:
    print(BOT + reply.as_plain_text().replace("\n", "\n" + " " * len(BOT)), flush=True)


async def run_terminal_chat(settings: Settings, *, sender: str) -> int:
    pushes = CollectingOutput(name="cli")
    runtime = await Runtime.start(settings, extra_outputs=[pushes])
    print(BANNER, flush=True)
    buttons: list[str] = []
    try:
        while True:
            print(PROMPT, end="", flush=True)
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            text = line.strip()
            if text in {"/quit", "/exit"}:
                break
            if not text:
                continue
            if text.isdigit() and 1 <= int(text) <= len(buttons):
                text = buttons[int(text) - 1]
            message = InboundMessage(
                channel="cli", sender_id=sender, text=text, message_id=uuid.uuid4().hex
            )
            replies = await runtime.gateway.receive(message)
            buttons = []
            for reply in replies:
                _print_reply(reply)
                if reply.buttons:
                    buttons = [b.payload for b in reply.buttons]
            while pushes.messages:
                _print_reply(pushes.messages.pop(0))
    finally:
        await runtime.stop()
    return 0
