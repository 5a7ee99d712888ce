"""Staff notices on the console: the unit's console inbox and the person's own channel ids,
classified (red, urgent, escalated, overdue), and nobody else's."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.addresses.models import PersonChannel
from bot.app import create_app
from bot.console.notices_web import notice_kind
from bot.staff import Role, Scope
from bot.tickets.clock import utcnow
from bot.tickets.outbox import Audience, add_message
from bot.tickets.views import TicketDraft
from tests.console.test_handoff_web import (
    PASSWORD,
    add_staff,
    demo_building,
    login,
    other_community,
    runtime_of,
)


@pytest.fixture
async def client(database_url, make_settings, aiohttp_client):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=database_url), background=False)
    return await aiohttp_client(app)


async def test_secretary_sees_unit_and_personal_notices(client: TestClient) -> None:
    runtime = runtime_of(client)
    building = demo_building(client)
    community = building.community_code
    for category in ("report_lighting", "report_safety_hazard"):
        await runtime.tickets.file(TicketDraft(
            category=category, description="楼道里有问题", reporter_channel="web",
            reporter_id="r-1", building_code=building.code,
        ))
    # The demo secretary of the community is reachable on WeCom; an overdue notice for them.
    secretary_code = f"{community}-S"
    async with runtime.sessions() as session:
        session.add(PersonChannel(person_code=secretary_code, channel="wecom",
                                  user_id="wecom-han"))
        add_message(session, channel="wecom", recipient_id="wecom-han",
                    text="【超期督办】工单 20261201-0009｜路灯与楼道灯｜请尽快办结。",
                    now=utcnow(), audience=Audience.STAFF)
        await session.commit()
    await runtime.staff.create_account(
        "han", PASSWORD, role=Role.SECRETARY, scope=Scope.parse(f"community:{community}"),
        display_name="韩书记", person_code=secretary_code,
    )
    await add_staff(client, "zhao", Role.SECRETARY,
                    f"community:{other_community(client, community)}")

    await login(client, "han")
    notices = (await (await client.get("/console/api/notices")).json())["notices"]
    assert [n["kind"] for n in notices] == ["overdue", "urgent", "new"]
    assert notices[1]["kind_label"] == "紧急" and notices[1]["ticket_number"]
    urgent = await client.get("/console/api/notices", params={"kind": "urgent"})
    assert [n["kind"] for n in (await urgent.json())["notices"]] == ["urgent"]
    page = await client.get("/console/notices")
    html = await page.text()
    assert page.status == 200 and "工作提醒" in html and "超期督办" in html
    assert "<script>" not in html and "<style" not in html

    await login(client, "zhao")
    assert (await (await client.get("/console/api/notices")).json())["notices"] == []
    assert "暂无提醒" in await (await client.get("/console/notices")).text()


async def test_notices_need_a_session(client: TestClient) -> None:
    assert (await client.get("/console/api/notices")).status == 401
    page = await client.get(
        "/console/notices", headers={"Accept": "text/html"}, allow_redirects=False
    )
    assert page.status == 303


def test_notice_kinds() -> None:
    assert notice_kind("【红色高频事件】车站街道：5 位居民反映") == "red"
    assert notice_kind("【提级工单】20261201-0001｜...") == "escalated"
    assert notice_kind("【紧急工单】20261201-0001｜...") == "urgent"
    assert notice_kind("【超期督办】工单 20261201-0001") == "overdue"
    assert notice_kind("【新工单】20261201-0001") == "new"
    assert notice_kind("【转办工单】20261201-0001") == "other"
