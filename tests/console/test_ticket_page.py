"""The ticket page: the residents' urgings (催办) come first, above the details."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.console.conftest import file, login, runtime_of, two_communities


async def test_urgings_are_shown_first(sqlite_client: TestClient) -> None:
    client = sqlite_client
    await two_communities(client)
    ticket = await file(client)
    tickets = runtime_of(client).tickets
    await tickets.urge(ticket.number, "web", "resident-1", "怎么还没人来修")
    await tickets.urge(ticket.number, "web", "resident-1", "都三天了，我要投诉")
    await login(client, "han")

    page = await (await client.get(f"/console/tickets/{ticket.number}")).text()
    assert "居民已催办 2 次" in page
    urgings = page.index('id="urgings"')
    assert urgings < page.index("诉求内容") < page.index("办理记录")
    # Newest first, the resident's own words.
    assert page.index("我要投诉", urgings) < page.index("怎么还没人来修", urgings)
    assert "居民催办" in page[page.index("办理记录"):]  # labelled in the history too

    as_json = await (
        await client.get(
            f"/console/tickets/{ticket.number}", headers={"Accept": "application/json"}
        )
    ).json()
    assert as_json["urge_count"] == 2
    assert [u["note"] for u in as_json["urgings"]] == ["都三天了，我要投诉", "怎么还没人来修"]


async def test_no_urgings_no_banner(sqlite_client: TestClient) -> None:
    client = sqlite_client
    await two_communities(client)
    ticket = await file(client)
    await login(client, "han")
    page = await (await client.get(f"/console/tickets/{ticket.number}")).text()
    assert 'id="urgings"' not in page


async def test_every_contact_role_is_named_in_chinese(sqlite_client: TestClient) -> None:
    # 锦园小区 has its lift company's rescue line; the page showed the code "lift_rescue".
    client = sqlite_client
    await two_communities(client)
    ticket = await file(client)
    await login(client, "han")
    page = await (await client.get(f"/console/tickets/{ticket.number}")).text()
    people = page[page.index("地址责任人"):page.index("现场材料")]
    assert "电梯救援" in people and "lift_rescue" not in people
