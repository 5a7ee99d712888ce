"""``POST /intake/v1/orders`` on the whole gateway: keys, kinds, one order, batches, errors."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import func, select

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.intake.web import INTAKE_SOURCES
from bot.tickets.models import Ticket

URL = "/intake/v1/orders"
ORDER = {
    "source_number": "GD20261201000001",
    "received_at": "2026-12-01 08:30:00",
    "caller_name": "王小明",
    "caller_phone": "13812345678",
    "text": "城南社区锦园小区2号楼楼道灯坏了，晚上很黑",
    "address": "车站街道城南社区锦园小区2号楼",
    "category": "路灯与楼道灯",
}


async def gateway(aiohttp_client: Any, make_settings: Any, **settings: object) -> TestClient:
    client: TestClient = await aiohttp_client(create_app(make_settings(**settings)))
    return client


async def key_of(client: TestClient, name: str = "12345", kind: str = "orders") -> str:
    _, key = await client.app[INTAKE_SOURCES].add(name, f"{name}热线", kind=kind)
    return key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def tickets(client: TestClient) -> int:
    async with client.app[RUNTIME].sessions() as session:
        return (await session.exec(select(func.count()).select_from(Ticket))).one()


async def test_one_order_is_filed_and_a_resend_is_a_duplicate(
    aiohttp_client: Any, make_settings: Any
) -> None:
    client = await gateway(aiohttp_client, make_settings)
    key = await key_of(client)
    first = await client.post(URL, json=ORDER, headers=bearer(key))
    assert first.status == 201, await first.text()
    body = await first.json()
    assert body["source_number"] == ORDER["source_number"] and body["duplicate"] is False
    assert body["status"] == "submitted"
    again = await client.post(URL, json=ORDER, headers={"X-Api-Key": key})
    assert again.status == 200
    assert await again.json() == {**body, "duplicate": True}
    ticket = await client.app[RUNTIME].tickets.get(body["ticket_number"])
    assert ticket.source == "12345" and ticket.building_code is not None
    assert await tickets(client) == 1


async def test_keys_kinds_and_malformed_bodies_are_refused(
    aiohttp_client: Any, make_settings: Any
) -> None:
    client = await gateway(aiohttp_client, make_settings)
    key = await key_of(client)
    alarms = await key_of(client, "fume-net", kind="alarms")

    missing = await client.post(URL, json=ORDER)
    assert missing.status == 401 and (await missing.json())["error"]["code"] == "missing_api_key"
    wrong = await client.post(URL, json=ORDER, headers=bearer(key + "x"))
    assert wrong.status == 401 and (await wrong.json())["error"]["code"] == "bad_api_key"
    kind = await client.post(URL, json=ORDER, headers=bearer(alarms))
    assert kind.status == 403 and (await kind.json())["error"]["code"] == "wrong_kind"

    broken = await client.post(URL, data=b'{"source_number": "x",', headers=bearer(key))
    error = (await broken.json())["error"]
    assert broken.status == 400 and error["code"] == "bad_json" and "JSON" in error["message"]
    shape = await client.post(URL, json=[ORDER], headers=bearer(key))
    assert shape.status == 400 and (await shape.json())["error"]["code"] == "bad_shape"
    many = await client.post(URL, json={"orders": [ORDER] * 501}, headers=bearer(key))
    assert many.status == 413 and (await many.json())["error"]["code"] == "too_many"
    bad = await client.post(URL, json={**ORDER, "address": "火星基地"}, headers=bearer(key))
    assert bad.status == 422
    assert (await bad.json())["error"]["code"] == "address_unresolved"
    assert await tickets(client) == 0


async def test_a_bad_order_in_a_batch_changes_nothing_for_it_only(
    aiohttp_client: Any, make_settings: Any
) -> None:
    client = await gateway(aiohttp_client, make_settings)
    key = await key_of(client)
    batch = {
        "orders": [
            ORDER,
            {**ORDER, "source_number": "GD-2", "text": ""},
            "not an order",
            {**ORDER, "source_number": "GD-3", "category": None,
             "text": "锦园小区2号楼门口的路灯不亮了", "received_at": "明天"},
            {**ORDER, "source_number": "GD-4", "address": "华光路"},
        ]
    }  # fmt: skip
    answer = await client.post(URL, json=batch, headers=bearer(key))
    assert answer.status == 200, await answer.text()
    body = await answer.json()
    results = body["results"]
    assert (body["filed"], body["duplicates"], body["errors"]) == (2, 0, 3)
    assert results[0]["ticket_number"] and results[4]["ticket_number"]
    assert {k: results[1][k] for k in ("index", "source_number", "code")} == {
        "index": 1, "source_number": "GD-2", "code": "missing_text",
    }  # fmt: skip
    assert results[1]["message"] == "缺少诉求内容"
    assert results[2]["code"] == "not_an_object" and results[3]["code"] == "bad_time"
    assert await tickets(client) == 2
    road = await client.app[RUNTIME].tickets.get(results[4]["ticket_number"])
    assert road.landmark == "华光路" and road.grid_code is not None
    again = await client.post(URL, json=batch, headers=bearer(key))
    assert (await again.json())["duplicates"] == 2 and await tickets(client) == 2


async def test_each_source_is_rate_limited(aiohttp_client: Any, make_settings: Any) -> None:
    client = await gateway(aiohttp_client, make_settings, rate_api_key_per_minute=2)
    key = await key_of(client)
    statuses = [
        (
            await client.post(URL, json={**ORDER, "source_number": f"R{i}"}, headers=bearer(key))
        ).status
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]


@pytest.mark.postgres
async def test_orders_on_postgresql(
    aiohttp_client: Any, make_settings: Any, postgres_url: str
) -> None:
    client = await gateway(aiohttp_client, make_settings, database_url=postgres_url)
    key = await key_of(client)
    batch = {"orders": [ORDER, {**ORDER, "source_number": "PG-2"}, ORDER]}
    body = await (await client.post(URL, json=batch, headers=bearer(key))).json()
    assert (body["filed"], body["duplicates"], body["errors"]) == (2, 1, 0)
    assert body["results"][2]["ticket_number"] == body["results"][0]["ticket_number"]


async def test_an_order_saying_someone_is_in_danger_is_filed_red(
    aiohttp_client: Any, make_settings: Any
) -> None:
    client = await gateway(aiohttp_client, make_settings)
    key = await key_of(client)
    urgent = {**ORDER, "source_number": "RED-1", "text": "锦园小区2号楼电梯里困人了，快来人",
              "category": "安全隐患"}  # fmt: skip
    calm = {**ORDER, "source_number": "CALM-1"}
    body = await (
        await client.post(URL, json={"orders": [urgent, calm]}, headers=bearer(key))
    ).json()
    service = client.app[RUNTIME].tickets
    red, normal = [await service.get(r["ticket_number"]) for r in body["results"]]
    assert red.urgency == "red" and normal.urgency != "red"


async def test_the_console_names_an_order_by_its_registered_source(
    aiohttp_client: Any, make_settings: Any
) -> None:
    # One picture: an order from a newly registered platform shows in the inbox and is
    # counted on the dashboard under the label staff gave that platform.
    from bot.staff import Scope

    client = await gateway(aiohttp_client, make_settings)
    _, key = await client.app[INTAKE_SOURCES].add("citymail", "市长信箱")
    posted = await client.post(URL, json=ORDER, headers=bearer(key))
    assert posted.status == 201, await posted.text()
    await client.app[RUNTIME].staff.create_account(
        "admin",
        "正确的密码-123",
        role="admin",
        scope=Scope.parse("district:370303"),
        display_name="admin",
    )
    login = await client.post(
        "/console/login", json={"username": "admin", "password": "正确的密码-123"}
    )
    assert login.status == 200
    listed = (await (await client.get("/console/api/tickets")).json())["tickets"]
    assert [(t["source"], t["source_label"]) for t in listed] == [("citymail", "市长信箱")]
    dashboard = await (await client.get("/console/api/dashboard?days=7")).json()
    assert [(s["source"], s["label"], s["count"]) for s in dashboard["by_source"]] == [
        ("citymail", "市长信箱", 1)
    ]
