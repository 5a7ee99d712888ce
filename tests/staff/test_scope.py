"""Every role sees exactly its tickets: real tickets filed through the ticket service in the
test district (two communities, three grids), queried with ticket_filter on SQLite and
PostgreSQL; can_see_ticket agrees with the SQL for every row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.errors import BadInput
from bot.staff import Role, Scope, ScopeLevel, can_see_ticket, ticket_filter
from bot.tickets.models import Ticket
from tests.tickets.conftest import B1, B3, B4, World


@dataclass(frozen=True)
class Account:
    role: str
    scope_level: str
    scope_code: str


async def _file(world: World) -> dict[str, str]:
    """Four tickets; returns label -> ticket number."""
    numbers: dict[str, str] = {}
    numbers["g1_light"] = (await world.service.file(world.draft(building_code=B1))).number
    numbers["g2_water"] = (
        await world.service.file(
            world.draft(
                category="report_water", building_code=B3, reporter_id="r2",
                description="和平小区1号楼停水了",
            )
        )
    ).number
    numbers["xihu_garbage"] = (
        await world.service.file(
            world.draft(
                category="report_garbage", building_code=B4, reporter_id="r3",
                description="湖畔小区门口垃圾没人清",
            )
        )
    ).number
    numbers["xihu_dispatched"] = (
        await world.service.file(
            world.draft(
                category="report_lighting", building_code=B4, reporter_id="r4",
                description="湖畔小区路灯不亮",
            )
        )
    ).number
    await world.service.dispatch(numbers["xihu_dispatched"], "utilities", "王书记")
    # A row whose executing department differs from the catalog's (as after a hand-over
    # recorded by another system): the dispatched department alone must still match.
    async with world.sessions() as session:
        row = (
            await session.exec(select(Ticket).where(col(Ticket.number) == numbers["g2_water"]))
        ).one()
        row.dispatched_department = "greening"
        session.add(row)
        await session.commit()
    return numbers


CASES: list[tuple[str, Account, set[str]]] = [
    ("grid worker W01", Account("grid_worker", "grid", "370399001001W01"), {"g1_light"}),
    ("grid worker W02", Account("grid_worker", "grid", "370399001001W02"), {"g2_water"}),
    ("secretary 东风", Account("secretary", "community", "370399001001"),
     {"g1_light", "g2_water"}),
    ("secretary 西湖", Account("secretary", "community", "370399001002"),
     {"xihu_garbage", "xihu_dispatched"}),
    ("street staff", Account("street_staff", "street", "370399001"),
     {"g1_light", "g2_water", "xihu_garbage", "xihu_dispatched"}),
    ("other street", Account("street_staff", "street", "370399002"), set()),
    ("district staff", Account("district_staff", "district", "370399"),
     {"g1_light", "g2_water", "xihu_garbage", "xihu_dispatched"}),
    ("other district", Account("district_staff", "district", "370302"), set()),
    ("municipal", Account("department_handler", "department", "municipal"), {"g1_light"}),
    ("water", Account("department_handler", "department", "water"), {"g2_water"}),
    ("greening (dispatched only)", Account("department_handler", "department", "greening"),
     {"g2_water"}),
    ("utilities (dispatched)", Account("department_handler", "department", "utilities"),
     {"xihu_dispatched"}),
    ("sanitation", Account("department_handler", "department", "sanitation"),
     {"xihu_garbage"}),
    ("admin anywhere", Account("admin", "grid", "370399001001W01"),
     {"g1_light", "g2_water", "xihu_garbage", "xihu_dispatched"}),
    ("empty code", Account("grid_worker", "grid", ""), set()),
]


async def test_each_role_sees_exactly_its_tickets(database_url: str, tmp_path: Path) -> None:
    from tests.tickets.conftest import make_world

    world = await make_world(database_url, tmp_path)
    try:
        numbers = await _file(world)
        label_of = {number: label for label, number in numbers.items()}
        async with world.sessions() as session:
            rows = list(await session.exec(select(Ticket)))
            assert len(rows) == 4
            for name, account, expected in CASES:
                query = select(Ticket).where(ticket_filter(account))
                seen = {label_of[row.number] for row in await session.exec(query)}
                assert seen == expected, name
                by_python = {label_of[row.number] for row in rows if can_see_ticket(account, row)}
                assert by_python == expected, name
        # Ticket views (what flows and the console render) give the same answers for the
        # levels they carry codes of.
        for name, account, expected in CASES:
            if account.scope_level in {"district", "department"} and account.role != "admin":
                continue
            for label, number in numbers.items():
                view = await world.service.get(number)
                assert can_see_ticket(account, view) == (label in expected), (name, label)
    finally:
        await world.engine.dispose()


def test_scope_parsing_and_role_levels() -> None:
    scope = Scope.parse("community:370303001001")
    assert (scope.level, scope.code, scope.everything) == (
        ScopeLevel.COMMUNITY, "370303001001", False
    )
    assert scope.as_text() == "community:370303001001"
    assert scope.label_zh() == "社区：370303001001"
    assert scope.allows_role(Role.SECRETARY) and not scope.allows_role(Role.GRID_WORKER)
    assert Scope.parse("department:water").allows_role(Role.DEPARTMENT_HANDLER)
    assert Scope.of(Account("admin", "district", "370399")).everything
    for bad in ("community", "village:1", "grid:", ":123"):
        with pytest.raises(BadInput, match="级别:编码"):
            Scope.parse(bad)
