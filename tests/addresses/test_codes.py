"""Scene/deep-link parsing, numerals and the parts parser."""

from __future__ import annotations

import pytest

from bot.addresses import parse_scene
from bot.addresses.numerals import cn_to_int, normalize_number
from bot.addresses.parts import extract_parts

CODE = "370303001001X01-002"


@pytest.mark.parametrize("value", [
    CODE, f"qrscene_{CODE}", f"/start {CODE}", f"/start@minsheng_bot {CODE}", f"b_{CODE}",
    f"scene={CODE}", f"https://gov.example/b/{CODE}", f"https://gov.example/?scene={CODE}",
    f"https://t.me/minsheng_bot?start=b_{CODE}", f"b%3D{CODE}", f"  {CODE}\n",
])
def test_parse_scene_accepts_every_wrapper(value: str) -> None:
    assert parse_scene(value) == CODE


@pytest.mark.parametrize("value", [
    None, "", "/start", "start", "hello", "锦园小区2号楼", "/start 锦园", "a b c",
    "https://gov.example/healthz", "x" * 40 + "1", "/stop 123456",
])
def test_parse_scene_rejects_non_codes(value: str | None) -> None:
    assert parse_scene(value) is None


@pytest.mark.parametrize(("text", "value"), [
    ("12", 12), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零一", 101),
    ("五零一", 501), ("两", 2), ("〇", 0), ("x", None), ("", None),
])
def test_cn_to_int(text: str, value: int | None) -> None:
    assert cn_to_int(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("02", "2"), ("二", "2"), ("3号楼", "3"), ("a", "A"), ("十一栋", "11"), ("楼", None),
    ("２", "2"),
])
def test_normalize_number(text: str, value: str | None) -> None:
    assert normalize_number(text) == value


@pytest.mark.parametrize(("text", "anchors", "expected"), [
    ("2号楼3单元501", [], ("2", "3", "501")),
    ("2-3-501", [], ("2", "3", "501")),
    ("二号楼三单元五零一", [], ("2", "3", "501")),
    ("2栋301", [], ("2", None, "301")),
    ("2#楼道灯坏了", [], ("2", None, None)),
    ("第十二幢", [], ("12", None, None)),
    ("x2号", [1], ("2", None, None)),
    ("3月2号停水", [], (None, None, None)),
    ("住在3楼", [], (None, None, None)),
    ("x3楼", [1], ("3", None, None)),
    ("x2-501", [1], ("2", None, "501")),
    ("13800138000", [], (None, None, None)),
    ("501室漏水", [], (None, None, "501")),
])
def test_extract_parts(text: str, anchors: list[int], expected: tuple) -> None:
    parts = extract_parts(text, anchors)
    assert (parts.building, parts.unit, parts.room) == expected


def test_every_channel_wrapper_round_trips() -> None:
    from bot.addresses.codes import miniprogram_scene, telegram_deep_link, wechat_scene_str

    assert parse_scene(wechat_scene_str(CODE)) == CODE
    assert parse_scene("qrscene_" + wechat_scene_str(CODE)) == CODE
    link = telegram_deep_link("@minsheng_bot", CODE)
    assert link == f"https://t.me/minsheng_bot?start={CODE}" and parse_scene(link) == CODE
    assert parse_scene(f"/start {link.rsplit('=', 1)[1]}") == CODE
    assert len(miniprogram_scene(CODE)) <= 32 and parse_scene(miniprogram_scene(CODE)) == CODE
    with pytest.raises(ValueError):
        miniprogram_scene("1" * 31)
