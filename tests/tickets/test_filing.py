"""Filing: numbering, routing by the real address book, deadlines, staff notices, evidence,
idempotency on the source message id, outdoor reports and refusals."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.errors import AddressError, BadInput, TicketNotFound
from bot.tickets.models import Ticket
from tests.tickets.conftest import B1, B3, World, local


async def test_filed_ticket_is_numbered_routed_and_timed(world: World) -> None:
    view = await world.service.file(
        world.draft(
            unit="2",
            room="301",
            reporter_phone="13812345678",
            evidence=[("image", "uploads/a.jpg"), ("voice", "uploads/b.amr")],
        )
    )
    assert re.fullmatch(r"20261118-0001", view.number)
    assert view.status == "submitted" and view.status_label_zh == "已提交"
    assert (view.category, view.category_name_zh, view.domain) == (
        "report_lighting",
        "路灯与楼道灯",
        "urban_construction",
    )
    assert view.building_code == B1
    assert (view.grid_code, view.grid_name) == ("370399001001W01", "东风社区第一网格")
    assert (view.community_name, view.street_name, view.district_name) == (
        "东风社区",
        "东风街道",
        "测试区",
    )
    assert view.address_text.endswith("2单元301室")
    assert "301" not in view.public_address_text
    # Catalog: lighting is 21 working hours, first handled by the community.
    assert (view.tier, view.responsible_unit, view.department) == (
        "community",
        "东风社区",
        "municipal",
    )
    assert view.working_hours and view.expected_hours == 21
    assert view.deadline == local(2026, 11, 23, 10, 0)  # Wed 10:00 + 3 working days
    assert view.evidence == (("image", "uploads/a.jpg"), ("voice", "uploads/b.amr"))
    assert [(e.kind, e.to_status, e.actor) for e in view.history] == [
        ("filed", "submitted", "居民")
    ]
    # The grid worker and the secretary hear of it on the staff channel; no push to the
    # resident, who got the number in the chat reply.
    staff = await world.outbox(audience="staff")
    assert sorted(m.recipient_id for m in staff) == ["gw-g1", "sec-c1"]
    assert all(m.channel == "wecom" and view.number in m.text for m in staff)
    assert await world.outbox(audience="resident") == []


async def test_numbers_restart_each_local_day_and_never_repeat(world: World) -> None:
    first = await world.service.file(world.draft())
    second = await world.service.file(world.draft(reporter_id="r2"))
    world.clock.now = local(2026, 11, 19, 0, 5)  # just after midnight in China (16:05 UTC)
    third = await world.service.file(world.draft(reporter_id="r3"))
    assert [first.number, second.number, third.number] == [
        "20261118-0001",
        "20261118-0002",
        "20261119-0001",
    ]


async def test_concurrent_filings_get_distinct_numbers(world: World) -> None:
    views = await asyncio.gather(
        *(
            world.service.file(world.draft(reporter_id=f"r{i}", description=f"第{i}个问题 路灯"))
            for i in range(12)
        )
    )
    numbers = sorted(v.number for v in views)
    assert numbers == [f"20261118-{i:04d}" for i in range(1, 13)]


async def test_filing_is_idempotent_on_the_source_message(world: World) -> None:
    draft = world.draft(source_message_id="wx-msg-42")
    first = await world.service.file(draft)
    again = await world.service.file(draft)
    assert again.number == first.number
    # Two retries racing each other still make one ticket.
    raced = await asyncio.gather(
        *(world.service.file(world.draft(source_message_id="wx-99")) for _ in range(4))
    )
    assert len({v.number for v in raced}) == 1
    async with world.sessions() as session:
        from sqlmodel import func, select

        count = (await session.exec(select(func.count()).select_from(Ticket))).one()
    assert count == 2


async def test_same_message_id_from_other_residents_files_their_own_tickets(
    world: World,
) -> None:
    """Clients number messages per chat: the id alone must not merge two residents' reports."""
    mine = await world.service.file(world.draft(source_message_id="7"))
    theirs = await world.service.file(
        world.draft(source_message_id="7", reporter_id="resident-2", description="另一个人报的")
    )
    elsewhere = await world.service.file(
        world.draft(source_message_id="7", reporter_channel="telegram")
    )
    assert len({mine.number, theirs.number, elsewhere.number}) == 3
    assert (await world.service.get(theirs.number)).description == "另一个人报的"


async def test_outdoor_report_goes_to_the_nearest_grid(world: World) -> None:
    view = await world.service.file(
        world.draft(
            building_code=None,
            landmark="东风路与和平街路口",
            lat=36.8013,
            lng=118.0006,
            category="report_road_damage",
            description="路口井盖没了，很危险",
        )
    )
    assert view.building_code is None
    assert view.grid_code == "370399001001W02"
    assert view.address_text == "东风路与和平街路口（东风社区第二网格附近）"
    assert (view.lat, view.lng) == (36.8013, 118.0006)
    # Road damage starts at the street tier and is urgent: the street's person is told.
    assert (view.tier, view.responsible_unit, view.urgency) == ("street", "东风街道", "high")
    staff = await world.outbox(audience="staff")
    assert [m.recipient_id for m in staff] == ["street-s1"]
    assert staff[0].text.startswith("【紧急工单】")


async def test_unit_without_people_gets_a_console_inbox_notice(world: World) -> None:
    view = await world.service.file(world.draft(building_code=B3))
    await world.service.escalate(view.number, "李书记", "需要街道协调")
    await world.service.escalate(view.number, "赵主任", "需要区级部门")
    district = (await world.outbox(audience="staff"))[-1]
    assert (district.channel, district.recipient_id) == ("console", "unit:370399")


@pytest.mark.parametrize(
    "overrides,error,code",
    [
        ({"category": "report_weather"}, BadInput, "unknown_category"),
        ({"description": "  "}, BadInput, "missing_description"),
        ({"building_code": None}, BadInput, "missing_address"),
        ({"building_code": "NOPE-1"}, AddressError, "unknown_address"),
        ({"building_code": None, "lat": 10.0, "lng": 10.0}, AddressError, "outside_area"),
        ({"evidence": [("hologram", "x")]}, BadInput, "bad_evidence"),
    ],
)
async def test_bad_drafts_are_refused(world: World, overrides, error, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as caught:
        await world.service.file(world.draft(**overrides))
    assert caught.value.code == code


async def test_unknown_number(world: World) -> None:
    with pytest.raises(TicketNotFound):
        await world.service.get("20991231-0001")


async def test_lists_for_reporter_and_similar_open(world: World) -> None:
    mine = await world.service.file(world.draft())
    other = await world.service.file(
        world.draft(reporter_id="neighbour", category="report_noise", description="楼上装修太吵")
    )
    assert [v.number for v in await world.service.list_for_reporter("web", "resident-1")] == [
        mine.number
    ]
    await world.service.follow(other.number, "web", "resident-1")
    listed = await world.service.list_for_reporter("web", "resident-1")
    assert {v.number for v in listed} == {mine.number, other.number}
    similar = await world.service.find_similar_open("report_lighting", B1, None)
    assert [v.number for v in similar] == [mine.number]
    by_grid = await world.service.find_similar_open("report_lighting", None, "370399001001W01")
    assert [v.number for v in by_grid] == [mine.number]
    assert await world.service.find_similar_open("report_lighting", B3, None) == []
    await world.service.resolve(mine.number, "李书记", "已更换灯泡")
    still_open = await world.service.list_for_reporter("web", "resident-1", open_only=True)
    assert [v.number for v in still_open] == [other.number]
    closed_too = await world.service.list_for_reporter("web", "resident-1", open_only=False)
    assert {v.number for v in closed_too} == {mine.number, other.number}


async def test_open_first_lists_open_tickets_before_newer_closed_ones(world: World) -> None:
    """What the status question asks in one query: the open tickets, else the latest."""
    assert await world.service.list_for_reporter("web", "resident-1", open_first=True) == []
    older = await world.service.file(world.draft())
    world.clock.advance(minutes=5)
    newer = await world.service.file(world.draft(description="楼道灯又坏了一盏"))
    await world.service.resolve(newer.number, "李书记", "已更换灯泡")
    listed = await world.service.list_for_reporter(
        "web", "resident-1", open_only=False, open_first=True
    )
    assert [v.number for v in listed] == [older.number, newer.number]
    await world.service.resolve(older.number, "李书记", "已更换灯泡")
    listed = await world.service.list_for_reporter(
        "web", "resident-1", open_only=False, open_first=True
    )
    assert [v.number for v in listed] == [newer.number, older.number]
