"""Places that are not buildings: crossings, compound gates and roads, from the registry."""

from __future__ import annotations

import pytest

from bot.addresses import AddressBook, distance_m


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("世纪路和柳泉路路口红绿灯坏了", "世纪路与柳泉路路口"),
        ("柳泉路跟世纪路交叉口的路灯不亮", "柳泉路与世纪路路口"),
        ("华光路与湖田路十字路口有个坑", "华光路与湖田路路口"),
    ],
)
def test_crossing_of_two_roads(demo_book: AddressBook, text: str, name: str) -> None:
    place = demo_book.locate(text)
    assert place is not None and place.kind == "crossing" and place.name == name
    grid = demo_book.grid_for_point(place.lat, place.lng)
    assert grid is not None  # routed to the nearest grid


def test_crossing_lies_between_the_roads(demo_book: AddressBook) -> None:
    # 华光路 and 湖田路 have buildings ~400 m apart: the crossing is between them.
    place = demo_book.locate("华光路和湖田路路口")
    assert place is not None
    huaguang = demo_book.locate("华光路")
    assert huaguang is not None and not huaguang.precise  # a road alone is a long line
    assert distance_m(place.lat, place.lng, huaguang.lat, huaguang.lng) < 1500


@pytest.mark.parametrize(
    ("text", "name", "compound"),
    [
        ("城南社区锦园小区东门外路灯不亮", "锦园小区东门", "370303001001X01"),
        ("佳苑小区北门口有个大坑", "佳苑小区北门", "370303002003X03"),
        ("长安新村门口的井盖丢了", "长安新村门口", "370303003003X03"),
    ],
)
def test_gate_of_a_compound(demo_book: AddressBook, text: str, name: str, compound: str) -> None:
    place = demo_book.locate(text)
    assert place is not None and place.kind == "gate"
    assert place.name == name and place.compound_code == compound


def test_east_gate_is_east_of_west_gate(demo_book: AddressBook) -> None:
    east = demo_book.locate("城南社区锦园小区东门")
    west = demo_book.locate("城南社区锦园小区西门")
    assert east is not None and west is not None and east.lng > west.lng


@pytest.mark.parametrize(
    "text",
    [
        "长安新村12号楼门口",  # a building: not a place outdoors
        "锦园小区东门外路灯不亮",  # two 锦园小区: which one is asked first
        "佳苑小区好多流浪狗",  # a compound without a gate: which building is asked
        "楼道灯坏了",
    ],
)
def test_not_a_place_outdoors(demo_book: AddressBook, text: str) -> None:
    assert demo_book.locate(text) is None


def test_gate_word_in_the_description(demo_book: AddressBook) -> None:
    # "城南社区" answered "which 锦园小区?"; the gate was said in the first message.
    place = demo_book.locate("锦园小区城南社区", context="锦园小区东门外路灯不亮")
    assert place is not None and place.name == "锦园小区东门"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("人民公园东门外路灯坏了", "人民公园东门"),
        ("世纪广场门口井盖丢了", "世纪广场门口"),
        ("人民公园南门那边有人乱倒垃圾", "人民公园南门"),
    ],
)
def test_parks_and_squares(demo_book: AddressBook, text: str, name: str) -> None:
    place = demo_book.locate(text)
    assert place is not None and place.name == name
    assert demo_book.grid_for_point(place.lat, place.lng) is not None


def test_square_dancing_is_no_square(demo_book: AddressBook) -> None:
    # 广场舞 is a pastime, not 世纪广场: no short alias makes a common word a place.
    assert demo_book.locate("楼下广场舞噪音太大") is None
