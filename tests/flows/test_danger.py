"""The danger check (flows/_danger.py): many wordings, typos and word orders of each kind
of danger are caught; nuisances, the past and status questions are not."""

from __future__ import annotations

import pytest

from flows._danger import detect

DANGERS: dict[str, list[str]] = {
    "trapped": [
        "电梯里困人了 快来人",
        "电梯又坏了 困了人",
        "锦园小区2号楼电梯卡住了，里面有人出不来",
        "我被困在电梯里了，救命",
        "电悌里关了个老人",  # a homophone typo
        "电梯停在两层中间 里面还有个孩子",
        "有人困在电梯里",
        "快来人啊 孩子被锁在车里了",
    ],
    "fire": [
        "楼道里着火了",
        "3号楼冒黑烟了",
        "电动车在楼道里烧起来了",
        "对面楼起火了 火很大",
        "楼下配电箱冒烟了",
        "地下室浓烟滚滚",
    ],
    "gas": [
        "厨房好大一股煤气味",
        "闻到燃气味 很浓",
        "天然气泄漏了 怎么办",
        "家里然气在漏",  # 然气 for 燃气
        "楼道里有股液化气味道",
        "单元里全是煤汽味",  # 煤汽 for 煤气
    ],
    "violence": [
        "楼下有人打架 都见血了 快报警",
        "小区门口有人拿刀砍人",
        "楼上两口子打起来了 女的在喊救命",
        "邻居家暴 打得很厉害",
        "广场上一群人在斗殴",
        "有人持刀在楼道里",
    ],
    "injury": [
        "有个老人摔倒了起不来",
        "楼下有人晕倒了",
        "工人从脚手架上摔下来流了好多血",
        "有人触电了",
        "大爷倒在地上不动了",
        "邻居心脏病犯了 昏迷了",
    ],
    "child_elder": [
        "小孩爬上窗台了 很危险",
        "有个孩子掉进河里了",
        "老人走丢了 找不到了",
        "有个小朋友站在阳台护栏上",
        "有人要跳楼",
        "救命啊",
    ],
    "manhole": [
        "路口井盖没了",
        "锦园小区门口的井盖被偷了",
        "人行道上的井盖碎了 晚上很危险",
        "下水井口敞着没盖",
        "华光路上少了个井盖",
        "窨井盖被掀开了",
    ],
    "falling": [
        "有人往楼下扔东西 差点砸到人",
        "空调外机要掉下来了",
        "广告牌被风吹得摇摇欲坠",
        "外墙瓷砖往下掉",
        "楼上高空抛物",
        "6楼的窗户要掉下来了",
    ],
}

CALM = [
    "电梯坏了",
    "电梯又坏了 好几天了",
    "电梯经常停运 能不能修一下",
    "上次着火的事处理了吗",
    "之前煤气泄漏那个工单怎么样了",
    "怎么预防火灾",
    "燃气费怎么交",
    "饭店油烟很大",
    "楼道里有人抽烟",
    "消防通道被堵了",
    "电梯困人了吗？没有，就是坏了",
    "电梯坏了 还好没人被困",
    "井盖怎么申请维修",
    "楼道灯坏了",
    "邻居装修太吵",
    "小孩在楼下玩很吵",
    "我要投诉物业",
    "今天好困啊",
    "火锅店太吵了",
    "你们处理得太慢了 我要投诉",
    "文苑公寓1号楼门口的树枝快断了,砸到人怎么办",  # a worry, not a fall
]


@pytest.mark.parametrize(
    ("kind", "text"), [(kind, text) for kind, texts in DANGERS.items() for text in texts]
)
def test_each_kind_of_danger_is_caught(kind: str, text: str) -> None:
    danger = detect(text)
    assert danger is not None, text
    assert danger.kind == kind, (text, danger)


@pytest.mark.parametrize("text", CALM)
def test_nuisances_and_the_past_are_no_danger(text: str) -> None:
    assert detect(text) is None


def test_the_numbers_of_every_danger_said() -> None:
    fight = detect("楼下有人打架 都见血了 快报警")
    assert fight is not None and fight.numbers == ("110", "120")
    lift = detect("电梯里困人了 快来人")
    assert lift is not None and lift.numbers[0] == "119" and lift.lift
    assert lift.category == "report_safety_hazard"
    manhole = detect("路口井盖没了")
    assert manhole is not None and manhole.category == "report_road_damage"
    gas = detect("厨房好大一股煤气味")
    assert gas is not None and gas.category == "report_power_gas"


def test_a_status_question_never_is_an_emergency() -> None:
    assert detect("着火那个工单", intent="query_status") is None
