"""The inbox group of residents waiting for a person (等待人工): listed with the same scope
rule as the live-handoff pages, counted on the group, and pushed on the live feed."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.console.conftest import file, login, runtime_of, two_communities
from tests.console.test_live import read_event


async def wait_for_person(client: TestClient, sender: str, words: str) -> int:
    handoff = runtime_of(client).handoff
    view = await handoff.open(
        conversation_id=f"web:{sender}", channel="web", sender_id=sender,
        reason="resident_asked",
    )
    await handoff.append_resident_message(view.id, words, [])
    return view.id


async def test_waiting_residents_in_scope_are_a_group_of_the_inbox(
    sqlite_client: TestClient,
) -> None:
    client = sqlite_client
    await two_communities(client)
    await file(client, reporter="resident-1")  # places resident-1 in 城南
    handoff_id = await wait_for_person(client, "resident-1", "楼道灯还是不亮，能派人来吗")

    await login(client, "han")
    page = await (await client.get("/console/?group=handoff")).text()
    assert "1 位居民在等待人工" in page
    assert f'href="/console/handoffs/{handoff_id}"' in page
    assert "楼道灯还是不亮" in page
    assert 'id="handoff-count" class="count hot">1<' in page
    everything = await (await client.get("/console/")).text()
    assert 'id="handoff-count" class="count hot">1<' in everything  # counted on every group
    api = await (await client.get("/console/api/tickets?group=handoff")).json()
    assert [h["id"] for h in api["handoffs"]] == [handoff_id]

    await login(client, "zhao")  # 东风: not theirs
    page = await (await client.get("/console/?group=handoff")).text()
    assert "目前没有等待人工服务的居民" in page and "楼道灯还是不亮" not in page
    api = await (await client.get("/console/api/tickets?group=handoff")).json()
    assert api["handoffs"] == []


async def test_a_new_waiting_resident_is_pushed_live(sqlite_client: TestClient) -> None:
    client = sqlite_client
    await two_communities(client)
    await file(client, reporter="resident-2")
    await login(client, "han")
    response = await client.get("/console/api/events", timeout=30)
    assert (await read_event(response, "handoffs", timeout=10)) == {"waiting": 0, "open": 0}

    await wait_for_person(client, "resident-2", "有人吗")
    assert (await read_event(response, "handoffs", timeout=10)) == {"waiting": 1, "open": 1}
    response.close()
