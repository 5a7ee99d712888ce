"""A scripted resident who answers whatever the bot asks, the way the demo user would.

The bot's exact wording belongs to the flows (and may vary); what a resident does is fixed:
pick the community or building offered first, skip the photo and the phone, stay named,
confirm the summary. The outcome (a filed ticket) is what the tests assert.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

TICKET_NUMBER = re.compile(r"\b(\d{8}-\d{4})\b")

# Tried in order against the titles of the offered buttons.
PREFERENCES = [
    r"确认|提交|没问题|对的|是的",
    r"跳过|不需要|暂不|不用|不上传",
    r"实名|不匿名",
    r"新.*(报|登记)|重新|继续(报|登记)",
    r"社区",
]


def choose(button_titles: Sequence[str]) -> int | None:
    """Index of the button the resident taps, or None when there are no buttons."""
    if not button_titles:
        return None
    for pattern in PREFERENCES:
        for index, title in enumerate(button_titles):
            if re.search(pattern, title):
                return index
    return 0


def typed_answer(text: str) -> str:
    """What the resident types when the bot asks without offering buttons."""
    if re.search(r"照片|图片|视频|拍", text):
        return "跳过"
    if re.search(r"电话|手机|联系方式", text):
        return "跳过"
    if re.search(r"确认|提交|对吗|是否", text):
        return "确认"
    return "跳过"


def find_ticket_number(texts: Sequence[str]) -> str | None:
    for text in texts:
        match = TICKET_NUMBER.search(text)
        if match:
            return match.group(1)
    return None
