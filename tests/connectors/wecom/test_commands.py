"""Staff command wordings (pure parsing, no server)."""

from __future__ import annotations

import pytest

from connectors.wecom.commands import Command, Refusal, parse

N = "20261121-0042"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"接单 {N}", Command("claim", N)),
        (f"接单{N}", Command("claim", N)),
        (f"受理：{N}", Command("claim", N)),
        (f"  认领　{N}  ", Command("claim", N)),
        ("接单 ２０２６１１２１－００４２", Command("claim", N)),
        (f"开始处理 {N}", Command("start", N)),
        (f"回复 {N} 已联系物业", Command("reply", N, "已联系物业")),
        (f"回复 {N}，已联系物业，明天来修。", Command("reply", N, "已联系物业，明天来修。")),
        (f"追问 {N} 请问是几单元？", Command("ask", N, "请问是几单元？")),
        (f"办结 {N} 已修好", Command("resolve", N, "已修好")),
        (f"办结 {N}", Command("resolve", N, "")),
        (f"退回 {N} 不属于受理范围", Command("reject", N, "不属于受理范围")),
        (f"提级 {N} 需要街道协调", Command("escalate", N, "需要街道协调")),
        (f"查看 {N}", Command("show", N)),
        ("转人工", Command("handoffs")),
        ("接待 12 您好，我是网格员罗雪", Command("answer", "12", "您好，我是网格员罗雪")),
        ("结束接待 12", Command("close", "12")),
        ("帮助", Command("help")),
        ("？", Command("help")),
        ("HELP", Command("help")),
    ],
)
def test_commands(text: str, expected: Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("你好", "没有看懂这条指令"),
        ("", "没有看懂这条指令"),
        ("接单", "请在“接单”后写上工单号"),
        ("接单 0042", "请在“接单”后写上工单号"),
        (f"接单 {N}5555555", "请在“接单”后写上工单号"),
        (f"回复 {N}", "请在编号后写上回复内容"),
        (f"退回 {N}  ", "请在编号后写上退回理由"),
        (f"提级 {N}", "请在编号后写上提级理由"),
        ("接待", "请写上等待人工的编号"),
        ("接待 12", "请在编号后写上回复内容"),
    ],
)
def test_refusals_say_how_to_write_it(text: str, hint: str) -> None:
    result = parse(text)
    assert isinstance(result, Refusal) and hint in result.message
