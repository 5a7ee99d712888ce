"""Mixed English and pinyin read for what they mean, and drains read as water, not garbage.

"hi 紫园小区3号楼 water停了 since this morning" was 违停 (the "停" beside 区) and
"下水道堵了 往外冒脏水" was 垃圾清运: the shorthand lexicon now spells English and pinyin out
in Chinese for the classifier, and blocked drains are examples of 供水与排水.
"""

from __future__ import annotations

import pytest

from nlu import NLUModel
from nlu.features import expand_shorthand


def test_english_and_pinyin_are_spelled_out() -> None:
    assert expand_shorthand("water停了 since this morning") == "水停了 从 今天早上"
    assert expand_shorthand("tingshui了") == "停水了"
    # Only whole Latin runs: "waterproof" and "lights-out" words inside others stay.
    assert expand_shorthand("waterproof") == "waterproof"


@pytest.mark.parametrize(
    "text",
    [
        "hi 紫园小区3号楼 water停了 since this morning",
        "紫园小区3号楼 no water since yesterday",
        "我家water停了 什么时候来水",
        "tingshui了 一天了",
    ],
)
def test_mixed_water_cut(model: NLUModel, text: str) -> None:
    assert model.parse(text).intent_ranking[0].name == "report_water"


@pytest.mark.parametrize(
    "text",
    [
        "下水道堵了 往外冒脏水",
        "楼下的下水道堵了，污水漫出来了",
        "卫生间下水道返水，往上冒脏水",
        "小区污水井堵了往外溢",
    ],
)
def test_blocked_drain_is_water_not_garbage(model: NLUModel, text: str) -> None:
    assert model.parse(text).intent_ranking[0].name == "report_water"
