"""``minsheng chat``: the web conversation, in a terminal.

A terminal has no buttons to tap: choices are printed as numbered options the resident types,
and sentences written for tapping ("确认无误就点“确认提交”") are said the terminal's way
("输入 1（确认提交）"). Log lines would land in the middle of the conversation, so while it
runs they go to a file under the var directory.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import uuid
from pathlib import Path

from bot.config import Settings
from bot.messages import InboundMessage, OutboundMessage
from bot.nlu_setup import model_path
from bot.ports import CollectingOutput
from bot.privacy import PrivacyLogFilter
from bot.runtime import Runtime

PROMPT = "我> "
BOT = "小助手> "
LOADING = "正在加载，请稍候…"
TRAINING = "第一次使用，正在训练语言模型，大约需要一两分钟，请稍候…"
BANNER = "社区小助手（终端）。直接输入您的问题；有选项时输入数字选择；输入 /quit 退出。"
LOG_NOTE = "（运行日志写在 {path}）"
INPUT_OPTION = "输入 {number}（{title}）"
CHOOSE = "选“{title}”"

# "点“确认提交”", "点击'跳过'": a button named in a sentence.
_TAP_NAMED = re.compile(r"点击?\s*[“\"'「‘]([^”\"'」’\n]{1,20})[”\"'」’]")
# "（点击即可拨打）": a terminal dials nothing; the number is printed beside it.
_TAP_TO_DIAL = re.compile(r"\s*[（(]点击即可拨打[）)]")
# "请在下面点一个…", "点击查看": what is left of tapping.
_TAP = re.compile(r"点击|点(?=一个|一下|下面|按钮)")


def terminal_text(reply: OutboundMessage) -> str:
    """The reply as the terminal prints it: numbered options, nothing to tap."""
    titles = [button.title for button in reply.buttons]

    def named(match: re.Match[str]) -> str:
        title = match.group(1)
        if title in titles:
            return INPUT_OPTION.format(number=titles.index(title) + 1, title=title)
        return CHOOSE.format(title=title)

    text = _TAP_TO_DIAL.sub("", reply.text)
    text = _TAP.sub("选", _TAP_NAMED.sub(named, text))
    return OutboundMessage(
        recipient_id=reply.recipient_id, text=text, buttons=reply.buttons
    ).as_plain_text()


def _print_reply(reply: OutboundMessage) -> None:
    print(BOT + terminal_text(reply).replace("\n", "\n" + " " * len(BOT)), flush=True)


def log_to_file(settings: Settings) -> Path:
    """Send every log line (and Python warnings) to ``<var>/logs/chat.log`` instead of the
    terminal, with the same privacy filter as the console's handler."""
    folder = settings.var_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "chat.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PrivacyLogFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    logging.captureWarnings(True)
    return path


async def run_terminal_chat(settings: Settings, *, sender: str) -> int:
    log_path = log_to_file(settings)
    # Training the model on first use takes a while: say so before the silence.
    print(LOADING if model_path(settings).exists() else TRAINING, flush=True)
    pushes = CollectingOutput(name="cli")
    runtime = await Runtime.start(settings, extra_outputs=[pushes])
    print(BANNER, flush=True)
    print(LOG_NOTE.format(path=log_path), flush=True)
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
