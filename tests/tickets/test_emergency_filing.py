"""A life-safety emergency is filed red with the catalog's shortest time limit, and the
handlers are told at once through the urgent staff notice."""

from __future__ import annotations

from bot.tickets import Urgency
from tests.tickets.conftest import B1, World, local


async def test_an_emergency_is_red_with_the_shortest_limit_and_handlers_told(
    world: World,
) -> None:
    view = await world.service.file(
        world.draft(
            category="report_safety_hazard",
            description="电梯里困人了 快来人",
            urgency=Urgency.RED,
        )
    )
    assert view.urgency == "red"
    shortest = world.catalog.emergency_time_limit_hours
    assert shortest == 2  # 违停 (2 calendar hours) is the shortest item of the catalog
    assert (view.expected_hours, view.working_hours) == (2, False)
    assert view.deadline == local(2026, 11, 18, 12, 0)  # counted around the clock
    staff = await world.outbox(audience="staff")
    assert sorted(m.recipient_id for m in staff) == ["gw-g1", "sec-c1"]
    assert all(m.text.startswith("【紧急工单】") for m in staff)


async def test_without_the_emergency_flag_the_category_decides(world: World) -> None:
    view = await world.service.file(world.draft(building_code=B1))
    assert view.urgency == "normal" and view.working_hours
    staff = await world.outbox(audience="staff")
    assert all(m.text.startswith("【新工单】") for m in staff)


def test_a_time_limit_reads_as_a_date_weekday_and_time() -> None:
    from bot.tickets.clock import deadline_text

    # Thursday 3 December 2026, 18:00 in China.
    assert deadline_text(local(2026, 12, 3, 18, 0)) == "12月3日（周四）18:00"
    assert deadline_text(None) == ""
