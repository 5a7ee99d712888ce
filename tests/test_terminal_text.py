"""``minsheng chat`` says buttons the terminal's way: numbered options, nothing to tap."""

from __future__ import annotations

import pytest

from bot.messages import Button, OutboundMessage
from bot.terminal import terminal_text

CONFIRM = (Button("确认提交", "/confirm"), Button("修改", "/edit"), Button("取消", "/cancel"))


@pytest.mark.parametrize(
    ("text", "buttons", "expected"),
    [
        ("确认无误就点“确认提交”。", CONFIRM, "确认无误就输入 1（确认提交）。"),
        ("不想改了就点击'取消'", CONFIRM, "不想改了就输入 3（取消）"),
        ("没有的话点“跳过”。", (Button("跳过", "/skip"),), "没有的话输入 1（跳过）。"),
        ("请在下面点一个最接近的类别", (), "请在下面选一个最接近的类别"),
        ("电话 123（点击即可拨打）。", (), "电话 123。"),
        ("问题在室外请点“不在楼里”。", (), "问题在室外请选“不在楼里”。"),
        ("晚上七点到十二点很吵", (), "晚上七点到十二点很吵"),
    ],
)
def test_taps_become_typed_choices(
    text: str, buttons: tuple[Button, ...], expected: str
) -> None:
    shown = terminal_text(OutboundMessage("u", text, buttons))
    first, *options = shown.split("\n")
    assert first == expected
    assert options == [f"{i}. {b.title}" for i, b in enumerate(buttons, start=1)]
    assert "点击" not in shown
