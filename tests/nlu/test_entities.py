"""Entity extraction with character offsets: phones, tickets, house numbers, places, times."""

from __future__ import annotations

import pytest

from nlu.data import TrainingData
from nlu.entities import EntityPipeline
from nlu.entities.numerals import to_arabic
from nlu.rasa_io import read_text

PLACES = ["锦园小区", "锦园", "华光路", "阳光花园"]


@pytest.fixture(scope="module")
def pipeline() -> EntityPipeline:
    data = read_text(
        "nlu:\n- synonym: 楼道灯\n  examples: |\n    - 楼梯灯\n"
        "- lookup: facility\n  examples: |\n    - 楼梯灯\n    - 路灯\n"
        "- regex: plate\n  examples: |\n    - 鲁[A-Z][0-9A-Z]{5}\n"
        "- intent: x\n  examples: |\n    - [鲁C12345](plate) [路灯](facility)\n"
    )
    return EntityPipeline.build(data, PLACES)


def found(pipeline: EntityPipeline, text: str) -> set[tuple[str, str, str]]:
    """(entity, text at the offsets, value) for every entity, checking offsets on the way."""
    out = set()
    for e in pipeline.extract(text):
        assert 0 <= e.start < e.end <= len(text)
        out.add((e.entity, text[e.start : e.end], e.value))
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话13812345678", {("phone", "13812345678", "13812345678")}),
        ("打我手机 139-1234-5678 谢谢", {("phone", "139-1234-5678", "13912345678")}),
        ("+86 15066668888", {("phone", "+86 15066668888", "15066668888")}),
        ("座机0533-2345678", {("phone", "0533-2345678", "05332345678")}),
        ("(010)87654321", {("phone", "(010)87654321", "01087654321")}),
        ("电话是2345678", {("phone", "2345678", "2345678")}),
        ("工单20261121-0042怎么样了", {("ticket_number", "20261121-0042", "20261121-0042")}),
    ],
)
def test_numbers(pipeline: EntityPipeline, text: str, expected: set[tuple[str, str, str]]) -> None:
    assert found(pipeline, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "锦园小区2号楼楼道灯坏了,晚上很黑",
            {
                ("address", "锦园小区2号楼", "锦园小区2号楼"),
                ("building", "2号楼", "2"),
                ("time", "晚上", "晚上"),
            },
        ),
        (
            "阳光花园十二栋三单元三零一室",
            {
                ("address", "阳光花园十二栋三单元三零一室", "阳光花园十二栋三单元三零一室"),
                ("building", "十二栋", "12"),
                ("unit", "三单元", "3"),
                ("room", "三零一室", "301"),
            },
        ),
        (
            "5#楼3单元502漏水",
            {
                ("address", "5#楼3单元502", "5#楼3单元502"),
                ("building", "5#楼", "5"),
                ("unit", "3单元", "3"),
                ("room", "502", "502"),
            },
        ),
        (
            "2-1-301的邻居",
            {
                ("address", "2-1-301", "2-1-301"),
                ("building", "2", "2"),
                ("unit", "1", "1"),
                ("room", "301", "301"),
            },
        ),
        ("七幢门口", {("address", "七幢", "七幢"), ("building", "七幢", "7")}),
        (
            "幸福家园二号楼的三零一",
            {
                ("address", "幸福家园二号楼的三零一", "幸福家园二号楼的三零一"),
                ("building", "二号楼", "2"),
                ("room", "三零一", "301"),
            },
        ),
        ("华光路与柳泉路路口堵车", {("address", "华光路与柳泉路路口", "华光路与柳泉路路口")}),
        ("人民路88号门口", {("address", "人民路88号", "人民路88号")}),
    ],
)
def test_places_and_house_numbers(
    pipeline: EntityPipeline, text: str, expected: set[tuple[str, str, str]]
) -> None:
    assert found(pipeline, text) == expected


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("昨晚又吵", "昨晚"),
        ("已经三天了", "三天了"),
        ("每天凌晨四点垃圾车哐哐响", "每天凌晨四点"),
        ("晚上十点以后还在施工", "晚上十点以后"),
        ("晚上10点到凌晨2点", "晚上10点到凌晨2点"),
        ("坏了一个多月了", "一个多月了"),
        ("上周三开始停水", "上周三开始"),
        ("好几天了", "好几天了"),
    ],
)
def test_times(pipeline: EntityPipeline, text: str, span: str) -> None:
    assert ("time", span, span) in found(pipeline, text)


def test_no_false_places_or_rooms(pipeline: EntityPipeline) -> None:
    assert found(pipeline, "这条马路上有个坑") == set()
    assert found(pipeline, "路灯不亮") == {("facility", "路灯", "路灯")}
    assert found(pipeline, "我们小区广场舞太吵") == set()
    # The digits of a phone number are never also a room or a building.
    assert {e for e, _, _ in found(pipeline, "3号楼的，电话13812345678")} == {
        "address",
        "building",
        "phone",
    }


def test_regex_lookup_and_synonyms_from_the_data(pipeline: EntityPipeline) -> None:
    entities = found(pipeline, "鲁C12345的车挡着楼梯灯")
    assert ("plate", "鲁C12345", "鲁C12345") in entities
    assert ("facility", "楼梯灯", "楼道灯") in entities  # synonym applied to the value


def test_pipeline_without_any_place_names() -> None:
    pipeline = EntityPipeline.build(TrainingData(), [])
    assert ("building", "3号楼", "3") in found(pipeline, "3号楼")


@pytest.mark.parametrize(
    ("raw", "arabic"),
    [
        ("十二", "12"),
        ("二十", "20"),
        ("三零一", "301"),
        ("一百零一", "101"),
        ("两", "2"),
        ("１２", "12"),
        ("A", "A"),
    ],
)
def test_numerals(raw: str, arabic: str) -> None:
    assert to_arabic(raw) == arabic


def test_annotations_in_training_data_agree_with_the_extractors() -> None:
    """Annotated spans in training_data/ are what the rules extract (a regression guard)."""
    from pathlib import Path

    from nlu import load_data, train_model
    from nlu.evaluate import evaluate_entities

    data = load_data(Path(__file__).parents[2] / "training_data")
    small = data.subset(list(range(0, len(data.examples), 3)))  # any model: only entities count
    report = evaluate_entities(train_model(small), data)
    assert report["macro avg"]["f1-score"] >= 0.95, report["mismatches"]
    for kind in ("address", "phone", "time", "ticket_number"):
        assert report[kind]["support"] > 0
