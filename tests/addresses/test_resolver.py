"""The resolver against the phrasing test set, plus its individual promises."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.addresses import AddressBook, Resolution

CASES = yaml.safe_load((Path(__file__).parent / "resolver_cases.yaml").read_text("utf-8"))
JINYUAN_CHENGNAN = "370303001001X01"
JINYUAN_DONGFENG = "370303002001X01"


def _codes(result: Resolution) -> list[str]:
    return [c.building_code for c in result.candidates]


def test_test_set_is_big_and_varied() -> None:
    assert len(CASES) >= 200
    assert len({case["note"] for case in CASES}) >= 15


def test_accuracy_on_the_test_set(demo_book: AddressBook) -> None:
    with_building = [c for c in CASES if "building" in c]
    resolvable = [c for c in with_building if c.get("status", "resolved") == "resolved"]
    top1 = top3 = 0
    misses = []
    for case in with_building:
        result = demo_book.resolve(case["text"], community_hint=case.get("hint"))
        codes = _codes(result)
        if case in resolvable and result.status == "resolved" and codes[:1] == [case["building"]]:
            top1 += 1
        elif case in resolvable:
            misses.append(f"{case['text']} -> {result.status} {codes[:2]}")
        if case["building"] in codes[:3]:
            top3 += 1
    assert top1 / len(resolvable) >= 0.97, misses
    assert top3 / len(with_building) >= 0.98


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:24] for c in CASES])
def test_each_case(demo_book: AddressBook, case: dict) -> None:
    result = demo_book.resolve(case["text"], community_hint=case.get("hint"))
    assert result.status == case.get("status", "resolved"), result
    if result.status == "resolved":
        assert result.building_code == case["building"]
    elif "building" in case:
        assert case["building"] in _codes(result)[:3]
    if "unit" in case:
        assert (result.unit, result.room) == (case["unit"], case["room"])
    if "compound" in case:
        assert result.compound_code == case["compound"]
    if result.status in {"need_building", "need_community"}:
        assert result.question_choices


def test_issue_examples(demo_book: AddressBook) -> None:
    r = demo_book.resolve("车站街道锦园小区二号楼三单元501")
    assert (r.status, r.building_code, r.unit, r.room) == (
        "resolved", f"{JINYUAN_CHENGNAN}-002", "3", "501")
    r = demo_book.resolve("城南社区锦园那个2栋")
    assert r.building_code == f"{JINYUAN_CHENGNAN}-002"
    r = demo_book.resolve("锦园2#")
    assert r.status == "need_community"
    assert {code for code, _ in r.question_choices} == {
        f"{JINYUAN_CHENGNAN}-002", f"{JINYUAN_DONGFENG}-002"}
    assert {label for _, label in r.question_choices} == {
        "城南社区（车站街道）", "东风社区（和平街道）"}


def test_choices_continue_the_dialogue(demo_book: AddressBook) -> None:
    first = demo_book.resolve("锦园小区门口的垃圾桶满了")
    assert first.status == "need_community"
    compound = dict((label, code) for code, label in first.question_choices)["城南社区（车站街道）"]
    assert compound == JINYUAN_CHENGNAN
    second = demo_book.resolve(compound)
    assert second.status == "need_building" and second.compound_code == JINYUAN_CHENGNAN
    assert [label for _, label in second.question_choices][:3] == ["1号楼", "2号楼", "3号楼"]
    third = demo_book.resolve(second.question_choices[1][0])
    assert third.status == "resolved" and third.building_code == f"{JINYUAN_CHENGNAN}-002"


def test_hint_by_code_or_name(demo_book: AddressBook) -> None:
    for hint in ("东风社区", "370303002001"):
        r = demo_book.resolve("锦园2号楼漏水", community_hint=hint)
        assert r.building_code == f"{JINYUAN_DONGFENG}-002"
    # A hint that contradicts the text loses to the text.
    r = demo_book.resolve("城南社区锦园2号楼", community_hint="东风社区")
    assert r.status == "need_community"


def test_community_only_asks_for_compound(demo_book: AddressBook) -> None:
    r = demo_book.resolve("城南社区的路灯坏了")
    assert r.status == "need_building" and r.community_code == "370303001001"
    assert JINYUAN_CHENGNAN in {code for code, _ in r.question_choices}
    r = demo_book.resolve("城南社区佳园小区旁边", community_hint=None)
    assert r.status == "need_building"


def test_span_points_at_the_address_in_the_original_text(demo_book: AddressBook) -> None:
    text = "你好！我住 锦园小区 2号楼3单元，楼道灯坏了"
    r = demo_book.resolve(text, community_hint="城南社区")
    assert r.span is not None
    assert text[r.span[0]:r.span[1]] == "锦园小区 2号楼3单元"


def test_no_false_addresses(demo_book: AddressBook) -> None:
    for text in ("3月2号停水", "住在3楼", "整栋楼停电", "电话13800138000", "", "   "):
        r = demo_book.resolve(text)
        assert r.status == "unknown" and not r.candidates, text


def test_missing_building_number_lists_real_buildings(demo_book: AddressBook) -> None:
    r = demo_book.resolve("城南社区锦园小区99号楼")
    assert r.status == "need_building"
    assert len(r.question_choices) == 12 and r.building_number == "99"


def test_scene_codes_resolve(demo_book: AddressBook) -> None:
    for text in (f"{JINYUAN_CHENGNAN}-002", f"qrscene_{JINYUAN_CHENGNAN}-002",
                 f"/start {JINYUAN_CHENGNAN}-002"):
        assert demo_book.resolve(text).building_code == f"{JINYUAN_CHENGNAN}-002"


def test_answers_to_which_community_after_the_compound(demo_book: AddressBook) -> None:
    # The flow puts the place already named in front of the resident's answer.
    for answer, compound in (("城南社区", JINYUAN_CHENGNAN), ("城南", JINYUAN_CHENGNAN),
                             ("东风", JINYUAN_DONGFENG)):
        r = demo_book.resolve(f"锦园小区{answer}")
        assert r.status == "need_building" and r.compound_code == compound, answer
    r = demo_book.resolve("锦园小区2号楼东风社区")
    assert r.building_code == f"{JINYUAN_DONGFENG}-002"


@pytest.mark.parametrize(
    "text",
    [
        "好多流浪狗 佳苑小区",
        "好多流浪狗佳苑小区",
        "佳苑小区 好多流浪狗",
        "最近好多流浪狗在佳苑小区",
        "流浪狗太多了，佳苑小区",
    ],
)
def test_exact_name_wins_over_look_alikes_in_any_order(demo_book: AddressBook, text: str) -> None:
    """Only one community has 佳苑小区 (others have 佳园小区, 嘉园小区): the exact name is no
    重名, whatever stands before it."""
    resolution = demo_book.resolve(text)
    assert resolution.status == "need_building"
    assert resolution.compound_code == "370303002003X03"


def test_look_alike_still_found_without_the_exact_name(demo_book: AddressBook) -> None:
    # A typo is nobody's exact name: the look-alikes still compete for it.
    assert demo_book.resolve("佳圆小区3号楼").status in {"resolved", "need_community"}
