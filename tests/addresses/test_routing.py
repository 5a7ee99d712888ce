"""Routing to the people in charge, nearest buildings, grid for a point."""

from __future__ import annotations

import pytest

from bot.addresses import AddressBook, UnknownAddress

JINYUAN_2 = "370303001001X01-002"


def test_building_carries_the_whole_chain(demo_book: AddressBook) -> None:
    info = demo_book.building(JINYUAN_2)
    assert info is not None
    assert info.address == "张店区车站街道城南社区锦园小区2号楼"
    assert (info.district_name, info.street_name, info.community_name) == (
        "张店区", "车站街道", "城南社区")
    assert info.grid_code.startswith("370303001001W") and info.door_plate == "华光路31号"
    assert demo_book.building("nope-1") is None


def test_route_names_every_level_and_most_local_contacts_first(demo_book: AddressBook) -> None:
    route = demo_book.route(JINYUAN_2)
    assert route.building is not None and route.building.code == JINYUAN_2
    assert route.grid.code == route.building.grid_code
    assert (route.community.name, route.street.name, route.district.name) == (
        "城南社区", "车站街道", "张店区")
    assert [c.role for c in route.contacts] == [
        "grid_worker", "secretary", "police", "lift_rescue"
    ]
    worker = route.contact("grid_worker")
    assert worker is not None and worker.level == "grid" and worker.scope_code == route.grid.code
    assert route.contact("secretary").scope_code == route.community.code
    assert all(c.phone for c in route.contacts)


def test_buildings_of_one_compound_can_sit_in_different_grids(demo_book: AddressBook) -> None:
    grids = {demo_book.building(f"370303001001X01-{n:03d}").grid_code for n in range(1, 13)}
    assert len(grids) >= 2


def test_unknown_codes_raise(demo_book: AddressBook) -> None:
    with pytest.raises(UnknownAddress):
        demo_book.route("370303999999X01-001")
    with pytest.raises(UnknownAddress):
        demo_book.grid_route("nope")


def test_grid_route_for_outdoor_reports(demo_book: AddressBook) -> None:
    route = demo_book.grid_route("370303001001W02")
    assert route.building is None and route.community.name == "城南社区"
    assert route.contact("grid_worker") is not None


def test_nearest_is_sorted_and_starts_at_the_building(demo_book: AddressBook) -> None:
    info = demo_book.building(JINYUAN_2)
    near = demo_book.nearest(info.lat + 0.00001, info.lng, k=5)
    assert near[0].building_code == JINYUAN_2
    distances = [c.distance_m for c in near]
    assert distances == sorted(distances) and distances[0] < 5
    assert near[0].score > near[-1].score
    assert len(demo_book.nearest(info.lat, info.lng, k=10_000)) == len(demo_book)


def test_grid_for_point(demo_book: AddressBook) -> None:
    info = demo_book.building(JINYUAN_2)
    grid = demo_book.grid_for_point(info.lat, info.lng)
    assert grid is not None and grid.code == info.grid_code
    assert grid.community_name == "城南社区" and grid.nearest_building_code == JINYUAN_2
    assert demo_book.grid_for_point(39.9, 116.4) is None  # Beijing: outside the district


def test_buildings_in_community_in_natural_order(demo_book: AddressBook) -> None:
    buildings = demo_book.buildings_in_community("370303001001")
    first = [b.name for b in buildings if b.compound_code == "370303001001X01"]
    assert first[:3] == ["1号楼", "2号楼", "3号楼"] and first[-1] == "12号楼"
