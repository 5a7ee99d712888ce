"""An order becomes a ticket: placed, categorised, de-duplicated, its caller kept for staff."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import func, select

from bot.intake.orders import (
    Order,
    OrderIntake,
    OrderRejected,
    match_category,
    order_from_fields,
    parse_time,
)
from bot.tickets.models import Ticket
from tests.intake.conftest import IntakeWorld, build
from tests.tickets.conftest import B1


async def count_tickets(w: IntakeWorld) -> int:
    async with w.world.sessions() as session:
        return (await session.exec(select(func.count()).select_from(Ticket))).one()


def order(**overrides: object) -> Order:
    fields: dict[str, object] = {
        "source_number": "GD20261130000123",
        "text": "幸福小区1号楼楼道灯坏了一个星期，晚上很黑，请尽快维修",
        "address": "东风街道东风社区幸福小区1号楼2单元",
        "received_at": "2026-11-30 09:15:00",
        "caller_name": "王小明",
        "caller_phone": "138 1234 5678",
        "category": "城乡建设-路灯与楼道灯",
    }
    fields.update(overrides)
    return order_from_fields(fields)


async def test_an_order_is_filed_once_and_a_resend_changes_nothing(
    intake_world: IntakeWorld,
) -> None:
    w = intake_world
    taken = await w.intake.take(w.source, order())
    ticket = taken.ticket
    assert not taken.duplicate
    assert ticket.source == "12345" and ticket.source_ref == "GD20261130000123"
    assert ticket.reporter_channel == "intake" and ticket.reporter_id == "12345"
    assert ticket.building_code == B1 and ticket.unit == "2"
    assert ticket.category == "report_lighting" and not ticket.category_predicted
    assert ticket.reporter_phone == "13812345678"
    filed = ticket.history[0]
    assert filed.kind == "filed" and filed.actor == "12345热线"
    assert filed.note is not None and "2026-11-30 09:15" in filed.note and "王小明" in filed.note
    assert taken.as_json() == {
        "source_number": "GD20261130000123",
        "ticket_number": ticket.number,
        "status": "submitted",
        "duplicate": False,
    }

    again = await w.intake.take(w.source, order(text="另一段文字", address="湖畔小区1号楼"))
    assert again.duplicate and again.ticket.number == ticket.number
    assert again.ticket.description == ticket.description
    assert await count_tickets(w) == 1
    assert await w.intake.check(w.source, order()) is False


async def test_places_outdoors_and_whole_compounds(intake_world: IntakeWorld) -> None:
    w = intake_world
    road = await w.intake.take(w.source, order(source_number="R1", address="东风路"))
    assert road.ticket.building_code is None and road.ticket.landmark == "东风路"
    assert road.ticket.grid_code is not None
    # A compound of two buildings, no building named: the compound, routed to its grid.
    compound = await w.intake.take(
        w.source, order(source_number="R2", address="幸福小区", text="小区里垃圾没人清运")
    )
    assert compound.ticket.building_code is None and compound.ticket.landmark == "幸福小区"
    assert compound.ticket.grid_code == "370399001001W01"


async def test_a_bad_order_changes_nothing(intake_world: IntakeWorld) -> None:
    w = intake_world
    with pytest.raises(OrderRejected) as rejected:
        await w.intake.take(w.source, order(address="火星基地三号舱"))
    assert rejected.value.code == "address_unresolved" and "火星基地" in rejected.value.message
    with pytest.raises(OrderRejected) as unknown:
        # No usable category, and this intake has no NLU to predict one.
        await OrderIntake(w.world.service, w.world.book, w.world.catalog).take(
            w.source, order(category="其他")
        )
    assert unknown.value.code == "category_unknown"
    assert await count_tickets(w) == 0


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"source_number": ""}, "missing_source_number"),
        ({"source_number": "x" * 65}, "source_number_too_long"),
        ({"text": "  "}, "missing_text"),
        ({"address": None}, "missing_address"),
        ({"received_at": "昨天下午"}, "bad_time"),
        ({"caller_phone": "打不通"}, "bad_phone"),
        ({"text": ["not", "text"]}, "bad_field"),
    ],
)
def test_fields_are_checked(fields: dict[str, object], code: str) -> None:
    with pytest.raises(OrderRejected) as rejected:
        order(**fields)
    assert rejected.value.code == code and rejected.value.message


def test_times_are_china_time_unless_a_zone_is_given() -> None:
    assert parse_time("2026-11-30 09:15") == datetime(2026, 11, 30, 1, 15)
    assert parse_time("2026/11/30 9:15") == datetime(2026, 11, 30, 1, 15)
    assert parse_time("2026年11月30日 09:15") == datetime(2026, 11, 30, 1, 15)
    assert parse_time("2026-11-30T09:15:00Z") == datetime(2026, 11, 30, 9, 15)
    assert parse_time(datetime(2026, 11, 30, 9, 15)) == datetime(2026, 11, 30, 1, 15)
    assert parse_time("") is None


async def test_category_text_maps_to_the_catalog(sqlite_url: str, tmp_path: Path) -> None:
    w = await build(sqlite_url, tmp_path)
    try:
        catalog = w.world.catalog
        assert match_category(catalog, "噪音扰民") == "report_noise"
        assert match_category(catalog, "report_noise") == "report_noise"
        assert match_category(catalog, "城市管理>市容环卫>垃圾清运") == "report_garbage"
        assert match_category(catalog, "路灯") == "report_lighting"
        assert match_category(catalog, "其他") is None
        assert match_category(catalog, None) is None
    finally:
        await w.world.engine.dispose()


async def test_a_missing_category_is_predicted_for_staff_to_confirm(
    sqlite_url: str, tmp_path: Path, shared_model: object
) -> None:
    w = await build(sqlite_url, tmp_path, model=shared_model)
    try:
        taken = await w.intake.take(
            w.source,
            order(category=None, text="幸福小区1号楼楼下每天晚上有人唱歌跳舞，噪音太大了"),
        )
        assert taken.ticket.category == "report_noise" and taken.ticket.category_predicted
    finally:
        await w.world.engine.dispose()
