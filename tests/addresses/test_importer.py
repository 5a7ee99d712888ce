"""CSV import: validation with line numbers, idempotent upserts, demo loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.addresses import AddressBook, ensure_demo_data, import_csv
from bot.addresses.importer import BUILDING_COLUMNS
from bot.config import load_settings
from bot.errors import AddressError

from .conftest import DEMO_BUILDINGS, DEMO_PEOPLE, import_demo

GOOD = {
    "district_code": "370303", "district_name": "张店区", "district_aliases": "张店",
    "street_code": "370303001", "street_name": "车站街道", "street_aliases": "",
    "community_code": "370303001001", "community_name": "城南社区", "community_aliases": "",
    "grid_code": "370303001001W01", "grid_name": "城南社区第一网格", "grid_aliases": "",
    "microgrid_code": "", "microgrid_name": "",
    "compound_code": "370303001001X01", "compound_name": "锦园小区", "compound_aliases": "锦园",
    "building_code": "370303001001X01-001", "building_number": "1", "building_name": "",
    "building_aliases": "", "units": "3", "door_plate": "华光路31号",
    "lat": "36.8335", "lng": "118.0497",
}


def _csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    lines = [",".join(BUILDING_COLUMNS)]
    for row in rows:
        lines.append(",".join(row.get(c, "") for c in BUILDING_COLUMNS))
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def _row(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


async def test_demo_import_is_idempotent_and_loads(session_factory) -> None:
    first = await import_csv(session_factory, DEMO_BUILDINGS)
    assert first.ok, first.summary()
    assert first.rows >= 400
    assert first.counts["building"].inserted == first.rows
    assert first.counts["street"].inserted >= 3
    assert first.counts["community"].inserted >= 8
    assert first.counts["grid"].inserted >= 30
    people = await import_csv(session_factory, DEMO_PEOPLE)
    assert people.ok and people.counts["person"].inserted == people.rows

    again = await import_csv(session_factory, DEMO_BUILDINGS)
    assert again.ok
    assert all(c.inserted == 0 and c.updated == 0 for c in again.counts.values())
    assert again.counts["building"].unchanged == first.rows

    book = await AddressBook.load(session_factory)
    assert len(book) == first.rows
    route = book.route("370303001001X01-002")
    assert route.community.name == "城南社区" and route.street.name == "车站街道"
    # ...and 锦园小区's lift company, whose rescue line a resident trapped in a lift hears.
    assert {c.role for c in route.contacts} == {
        "secretary", "grid_worker", "police", "lift_rescue"
    }
    lift = route.contact("lift_rescue")
    assert lift is not None and lift.level == "compound" and lift.phone == "0533-2876119"


async def test_bad_rows_are_reported_by_line_and_good_rows_imported(
    session_factory, tmp_path: Path
) -> None:
    rows = [
        _row(),                                                          # line 2 ok
        _row(building_code="370303001001X01-002", building_number="二号楼"),  # 3 ok
        _row(building_code="370303001001X01-003", building_number="3", lat="abc"),  # 4
        _row(building_code="bad code!", building_number="4"),           # 5
        _row(building_code="370303001001X01-005", building_number="5",
             community_name="城北社区"),                                  # 6 conflict
        _row(building_code="370303001001X01-001", building_number="6"),  # 7 duplicate code
        _row(building_code="370303001001X01-007", building_number="2"),  # 8 duplicate number
        _row(building_code="370303001001X01-008", building_number="8", units="0"),  # 9
        _row(building_code="370303001001X01-009", building_number="楼"),  # 10
        _row(building_code="370303001001X01-010", building_number="10", grid_name=""),  # 11
        _row(building_code="370303001001X01-011", building_number="11", lat="0", lng="0"),
    ]
    report = await import_csv(session_factory, _csv(tmp_path / "b.csv", rows))
    assert not report.ok
    reasons = {bad.line: bad.reason for bad in report.bad_rows}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "lat" in reasons[4]
    assert "building_code" in reasons[5]
    assert "城南社区" in reasons[6] and "line 2" in reasons[6]
    assert "repeats line 2" in reasons[7]
    assert "already used" in reasons[8] and "line 3" in reasons[8]
    assert "units" in reasons[9]
    assert "building_number" in reasons[10]
    assert "grid_name is empty" in reasons[11]
    assert "0,0" in reasons[12]
    assert report.counts["building"].inserted == 2
    assert "line 4:" in report.summary()

    book = await AddressBook.load(session_factory)
    assert book.building("370303001001X01-002").number == "2"
    assert book.building("370303001001X01-003") is None


async def test_update_changes_only_what_differs(session_factory, tmp_path: Path) -> None:
    path = _csv(tmp_path / "b.csv", [_row(), _row(building_code="370303001001X01-002",
                                                  building_number="2")])
    await import_csv(session_factory, path)
    renamed = _csv(tmp_path / "b2.csv", [
        _row(compound_name="锦园新区"),
        _row(building_code="370303001001X01-002", building_number="2",
             compound_name="锦园新区", lat="36.9"),
    ])
    report = await import_csv(session_factory, renamed)
    assert report.counts["compound"].updated == 1
    assert report.counts["building"].updated == 1
    assert report.counts["building"].unchanged == 1
    assert report.counts["community"].unchanged == 1
    book = await AddressBook.load(session_factory)
    assert book.building("370303001001X01-002").compound_name == "锦园新区"
    assert book.building("370303001001X01-002").lat == pytest.approx(36.9)


async def test_people_need_known_scope(session_factory, tmp_path: Path) -> None:
    await import_csv(session_factory, _csv(tmp_path / "b.csv", [_row()]))
    people = tmp_path / "p.csv"
    people.write_text(
        "person_code,role,level,scope_code,name,phone\n"
        "P1,网格员,grid,370303001001W01,王芳,13800000001\n"
        "P2,secretary,community,999,李强,13800000002\n"
        "P3,mayor,community,370303001001,赵敏,13800000003\n"
        "P4,police,community,370303001001,孙磊,not-a-phone\n"
        "P1,police,community,370303001001,孙磊,110\n",
        encoding="utf-8",
    )
    report = await import_csv(session_factory, people)
    assert [bad.line for bad in report.bad_rows] == [3, 4, 5, 6]
    assert "not in the registry" in report.bad_rows[0].reason
    assert "role" in report.bad_rows[1].reason
    assert "phone" in report.bad_rows[2].reason
    assert "13800000" not in report.summary()  # no personal data in the summary
    book = await AddressBook.load(session_factory)
    contacts = book.route("370303001001X01-001").contacts
    assert [(c.role, c.name) for c in contacts] == [("grid_worker", "王芳")]


async def test_dry_run_writes_nothing(sqlite_session_factory, tmp_path: Path) -> None:
    report = await import_csv(sqlite_session_factory, _csv(tmp_path / "b.csv", [_row()]),
                              dry_run=True)
    assert report.ok and report.counts["building"].inserted == 1
    assert len(await AddressBook.load(sqlite_session_factory)) == 0


async def test_excel_gb18030_and_bom_files(sqlite_session_factory, tmp_path: Path) -> None:
    report = await import_csv(sqlite_session_factory,
                              _csv(tmp_path / "gbk.csv", [_row()], encoding="gb18030"))
    assert report.ok and report.counts["building"].inserted == 1
    report = await import_csv(sqlite_session_factory,
                              _csv(tmp_path / "bom.csv", [_row()], encoding="utf-8-sig"))
    assert report.ok and report.counts["building"].unchanged == 1


async def test_unusable_files_raise(sqlite_session_factory, tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(AddressError, match="building_code"):
        await import_csv(sqlite_session_factory, tmp_path / "x.csv")
    (tmp_path / "y.csv").write_text("building_code,lat\n1,2\n", encoding="utf-8")
    with pytest.raises(AddressError, match="lacks required columns"):
        await import_csv(sqlite_session_factory, tmp_path / "y.csv")
    with pytest.raises(AddressError):
        await import_csv(sqlite_session_factory, tmp_path / "missing.csv")


async def test_ensure_demo_data_only_fills_an_empty_registry(sqlite_session_factory) -> None:
    settings = load_settings()
    reports = await ensure_demo_data(sqlite_session_factory, settings)
    assert [r.kind for r in reports] == ["buildings", "people"]
    assert all(r.ok for r in reports)
    assert await ensure_demo_data(sqlite_session_factory, settings) == []
    off = load_settings(load_demo_data=False)
    assert await ensure_demo_data(sqlite_session_factory, off) == []


async def test_reload_swaps_in_new_data(sqlite_session_factory, tmp_path: Path) -> None:
    book = await AddressBook.load(sqlite_session_factory)
    assert len(book) == 0
    await import_demo(sqlite_session_factory)
    await book.reload()
    assert len(book) >= 400
    assert book.resolve("城南社区锦园小区2号楼").status == "resolved"


async def test_channel_ids_are_bound_later_and_survive_reimport(session_factory) -> None:
    from bot.addresses.repository import bind_person_channel

    await import_demo(session_factory)
    assert await bind_person_channel(session_factory, "370303001001W01-W", "wechat", "oW1")
    assert not await bind_person_channel(session_factory, "nobody", "wechat", "oW2")
    with pytest.raises(ValueError):
        await bind_person_channel(session_factory, "370303001001W01-W", "Fax!", "1")
    again = await import_csv(session_factory, DEMO_PEOPLE)  # empty channel columns
    assert again.counts["person"].updated == 0
    assert "channel" not in again.counts
    book = await AddressBook.load(session_factory)
    staff = book.staff_for_channel("wechat", "oW1")
    assert staff is not None and staff.role == "grid_worker"
    assert staff.person_code == "370303001001W01-W"
    assert book.staff_for_channel("wechat", "someone-else") is None
    assert book.route("370303001001X01-001").contact("grid_worker").channels == {"wechat": "oW1"}
