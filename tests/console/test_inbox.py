"""The inbox lists only the tickets in the staff member's scope, newest first, grouped,
filtered and paginated — on SQLite and PostgreSQL."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.console import inbox
from bot.staff import Scope
from tests.console.conftest import (
    CHENGNAN,
    CHENGNAN_GRID,
    DONGFENG,
    DONGFENG_BUILDING,
    file,
    login,
    runtime_of,
    two_communities,
)


async def numbers(client: TestClient, query: str = "") -> list[str]:
    response = await client.get(f"/console/api/tickets{query}")
    assert response.status == 200, await response.text()
    return [t["number"] for t in (await response.json())["tickets"]]


async def test_scoped_listing(client: TestClient) -> None:
    await two_communities(client)
    first = await file(client)
    second = await file(client, category="report_garbage", description="垃圾没人清")
    theirs = await file(client, DONGFENG_BUILDING)
    await runtime_of(client).tickets.claim(first.number, "韩书记")

    await login(client, "han")
    assert await numbers(client) == [second.number, first.number]  # newest first
    assert await numbers(client, "?group=new") == [second.number]
    assert await numbers(client, "?status=accepted") == [first.number]
    assert await numbers(client, "?category=report_garbage") == [second.number]
    assert await numbers(client, f"?grid={CHENGNAN_GRID}") == [second.number, first.number]
    assert await numbers(client, "?grid=nowhere") == []
    assert await numbers(client, "?group=waiting") == [second.number]  # resident spoke last
    assert await numbers(client, "?group=urgent") == []
    assert await numbers(client, "?since=2000-01-01&until=2000-01-02") == []
    paged = await client.get("/console/api/tickets?per_page=1&page=2")
    body = await paged.json()
    assert (body["total"], body["pages"], [t["number"] for t in body["tickets"]]) == (
        2, 2, [first.number]
    )
    assert (await client.get("/console/api/tickets?group=bogus")).status == 400
    assert (await client.get("/console/api/tickets?since=yesterday")).status == 400

    page = await client.get("/console/", headers={"Accept": "text/html"})
    html = await page.text()
    assert page.status == 200 and "工单收件箱" in html
    assert first.number in html and second.number in html and theirs.number not in html
    assert "<script>" not in html and "<style" not in html  # CSP: files only
    partial = await (await client.get("/console/?partial=1")).text()
    assert first.number in partial and "<html" not in partial

    await login(client, "zhao")
    assert await numbers(client) == [theirs.number]
    await login(client, "root")
    assert set(await numbers(client)) == {first.number, second.number, theirs.number}


async def test_feed_is_scoped(client: TestClient) -> None:
    sessions = runtime_of(client).sessions
    start = await inbox.latest_event_id(sessions)
    ours = await file(client)
    await file(client, DONGFENG_BUILDING)
    feed = await inbox.events_since(sessions, Scope.parse(f"community:{CHENGNAN}"), start)
    assert [(e.number, e.kind) for e in feed] == [(ours.number, "filed")]
    other = await inbox.events_since(sessions, Scope.parse(f"community:{DONGFENG}"), start)
    assert ours.number not in [e.number for e in other]
