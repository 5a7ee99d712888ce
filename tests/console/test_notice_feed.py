"""The one staff notice feed (bot.staff.notices): scoped like every console query, one entry
per notice however many handlers it went to, and live alerts on the console's event stream
for escalated, overdue, urgent and red notices."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.staff import Scope
from bot.staff.notices import notices_for, personal_ids
from tests.console.conftest import add_staff, file, login, runtime_of, two_communities
from tests.console.test_live import read_event

STREET = "370303001"  # the street of 城南


async def notices(client: TestClient) -> list[dict[str, object]]:
    return list((await (await client.get("/console/api/notices")).json())["notices"])


async def test_notices_follow_the_scope_and_are_listed_once(sqlite_client: TestClient) -> None:
    client = sqlite_client
    await two_communities(client)
    await add_staff(client, "sun", "street_staff", f"street:{STREET}")
    ticket = await file(client)
    await runtime_of(client).tickets.escalate(ticket.number, "韩书记", "社区无法解决")

    await login(client, "sun")
    mine = await notices(client)
    assert [(n["kind"], n["ticket_number"]) for n in mine] == [
        ("escalated", ticket.number), ("new", ticket.number),
    ]
    assert mine[0]["kind_label"] == "提级"
    await login(client, "han")
    assert {n["kind"] for n in await notices(client)} == {"escalated", "new"}
    await login(client, "zhao")
    assert await notices(client) == []

    # A unit's console inbox and personal channel ids are read besides the scope.
    zhao = Scope.parse("community:370303002001")
    assert personal_ids(zhao, ["wecom-zhao"]) == ["unit:370303002001", "wecom-zhao"]
    assert await notices_for(runtime_of(client).sessions, zhao, personal_ids(zhao)) == []


async def test_an_escalation_is_alerted_live(sqlite_client: TestClient) -> None:
    client = sqlite_client
    await two_communities(client)
    ticket = await file(client)
    await login(client, "han")
    response = await client.get("/console/api/events", timeout=30)
    await read_event(response, "handoffs", timeout=10)  # the stream is running

    await runtime_of(client).tickets.escalate(ticket.number, "韩书记", "需要街道协调")
    alert = await read_event(response, "notice", timeout=10)
    assert (alert["kind"], alert["ticket_number"]) == ("escalated", ticket.number)
    assert "需要街道协调" in str(alert["text"])
    response.close()
