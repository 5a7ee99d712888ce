"""Cutting a message into clauses where another matter may begin (flows/_clauses.py)."""

from __future__ import annotations

import pytest

from flows._clauses import clauses
from tests.flows.test_responses import RESPONSES

CONNECTORS = RESPONSES.words("another_matter")
NOT_BEFORE = RESPONSES.words("not_another_matter")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("楼道灯坏了，而且门口垃圾好几天没人清", ["楼道灯坏了", "而且门口垃圾好几天没人清"]),
        ("电梯又坏了，还有楼下噪音特别大", ["电梯又坏了", "还有楼下噪音特别大"]),
        ("楼道灯坏了 另外小区里好多流浪狗", ["楼道灯坏了", "另外小区里好多流浪狗"]),
        ("停水了。楼下垃圾桶满了", ["停水了", "楼下垃圾桶满了"]),
        ("楼道灯坏了，还有点闪", ["楼道灯坏了，还有点闪"]),  # 还有点 = a little
        ("灯坏了。好黑", ["灯坏了，好黑"]),  # too short to be a matter of its own
    ],
)
def test_clauses(text: str, expected: list[str]) -> None:
    assert clauses(text, CONNECTORS, NOT_BEFORE) == expected
