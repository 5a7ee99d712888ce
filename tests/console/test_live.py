"""The live feed: a server-sent event reaches the open stream after a ticket is filed."""

from __future__ import annotations

import asyncio
import json

from aiohttp.test_utils import TestClient

from tests.console.conftest import DONGFENG_BUILDING, file, login, two_communities


async def read_event(response, kind: str, timeout: float) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The data of the next ``event: kind`` on the stream (fails after ``timeout``)."""

    async def next_event() -> dict[str, object]:
        event, data = "", ""
        while True:
            raw = await response.content.readline()
            assert raw, "the stream ended"
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: "):
                data = line[len("data: "):]
            elif line == "" and event:
                if event == kind:
                    return dict(json.loads(data))
                event, data = "", ""

    return await asyncio.wait_for(next_event(), timeout)


async def test_a_new_ticket_is_pushed_to_the_open_stream(sqlite_client: TestClient) -> None:
    client = sqlite_client
    await two_communities(client)
    await login(client, "han")
    response = await client.get("/console/api/events", timeout=30)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert (await asyncio.wait_for(response.content.readline(), 5)).startswith(b"retry:")

    await file(client, DONGFENG_BUILDING)  # not in han's scope: never sent
    ticket = await file(client)
    data = await read_event(response, "ticket", timeout=10)
    assert (data["number"], data["kind"], data["status"]) == (ticket.number, "filed", "submitted")

    await client.post(
        f"/console/tickets/{ticket.number}/claim",
        headers={**await _csrf(client), "Accept": "application/json"},
    )
    data = await read_event(response, "ticket", timeout=10)
    assert (data["number"], data["status"]) == (ticket.number, "accepted")
    response.close()


async def _csrf(client: TestClient) -> dict[str, str]:
    me = await client.get("/console/me", headers={"Accept": "application/json"})
    return {"X-CSRF-Token": (await me.json())["csrf_token"]}
