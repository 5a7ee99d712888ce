"""Live handoff on the console over HTTP: the whole gateway (create_app), a resident on the
REST channel, staff signed in through /console/login."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.handoff import HandoffStatus
from bot.handoff import texts as handoff_texts
from bot.runtime import Runtime
from bot.staff import Role, Scope
from bot.tickets import Dispatcher
from bot.tickets.clock import utcnow
from tests.e2e.test_rest_conversation import DEMO_MESSAGE, report_until_filed

PASSWORD = "correct horse 电池"
_ids = itertools.count(1)


@pytest.fixture
async def client(database_url, make_settings, aiohttp_client):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=database_url), background=False)
    return await aiohttp_client(app)


def runtime_of(client: TestClient) -> Runtime:
    return client.app[RUNTIME]


def demo_building(client: TestClient) -> Any:
    """The demo building 城南社区 锦园小区2号楼 (the one the scripted resident picks; its
    codes give the staff scopes)."""
    book = runtime_of(client).addresses
    code = book.resolve("锦园小区2号楼").candidates[0].building_code
    building = book.building(code)
    assert building is not None
    return building


def other_building(client: TestClient) -> Any:
    """东风社区 锦园小区2号楼: same name, another community and street."""
    book = runtime_of(client).addresses
    building = book.building(book.resolve("锦园小区2号楼").candidates[1].building_code)
    assert building is not None
    return building


def other_community(client: TestClient, community_code: str) -> str:
    other = other_building(client).community_code
    assert other != community_code
    return str(other)


async def add_staff(client: TestClient, username: str, role: Role, scope: str) -> None:
    await runtime_of(client).staff.create_account(
        username, PASSWORD, role=role, scope=Scope.parse(scope), display_name=f"{username}书记"
    )


async def login(client: TestClient, username: str) -> str:
    """Sign in (the cookie jar keeps the session); returns the CSRF token."""
    client.session.cookie_jar.clear()
    response = await client.post(
        "/console/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status == 200, await response.text()
    return str((await response.json())["csrf_token"])


async def say(client: TestClient, sender: str, text: str) -> list[dict[str, Any]]:
    response = await client.post(
        "/webhooks/rest/webhook",
        json={"sender": sender, "message": text, "metadata": {"message_id": f"c-{next(_ids)}"}},
    )
    assert response.status == 200, await response.text()
    return list(await response.json())


async def pushes(client: TestClient, sender: str) -> list[dict[str, Any]]:
    runtime = runtime_of(client)
    await Dispatcher(runtime.sessions, runtime.outputs, clock=utcnow).run_once()
    response = await client.get("/webhooks/rest/inbox", params={"sender": sender})
    assert response.status == 200
    return list(await response.json())


async def waiting_resident(client: TestClient, sender: str) -> int:
    await say(client, sender, "转人工")
    await say(client, sender, "楼下垃圾三天没人清运了")
    [waiting] = await runtime_of(client).handoff.list_waiting()
    return waiting.id


async def test_secretary_answers_and_hands_back(client: TestClient) -> None:
    building = demo_building(client)
    await add_staff(client, "li", Role.SECRETARY, f"community:{building.community_code}")
    sender = "web-h-1"
    handoff_id = await waiting_resident(client, sender)
    csrf = await login(client, "li")

    listed = await client.get("/console/api/handoffs")
    assert listed.status == 200
    [item] = (await listed.json())["handoffs"]
    assert item["id"] == handoff_id and item["status"] == "waiting"
    assert item["last_line"] == "楼下垃圾三天没人清运了"
    page = await client.get("/console/handoffs", headers={"Accept": "text/html"})
    html = await page.text()
    assert page.status == 200 and f"/console/handoffs/{handoff_id}" in html
    assert "<script>" not in html and "<style" not in html and "等待人工的居民" in html

    detail = await client.get(f"/console/handoffs/{handoff_id}")
    html = await detail.text()
    assert detail.status == 200 and "楼下垃圾三天没人清运了" in html
    assert 'src="/console/static/handoff.js"' in html
    js = await client.get("/console/static/handoff.js")
    assert js.status == 200 and js.content_type == "text/javascript"

    # No CSRF token: refused, nothing sent.
    refused = await client.post(f"/console/handoffs/{handoff_id}/answer", json={"text": "x"})
    assert refused.status == 403
    answered = await client.post(
        f"/console/handoffs/{handoff_id}/answer",
        json={"text": "收到,已通知保洁公司今天清运"},
        headers={"X-CSRF-Token": csrf},
    )
    assert answered.status == 200, await answered.text()
    assert (await answered.json())["message"] == "已发送给居民。"
    inbox = await pushes(client, sender)
    assert [m["text"] for m in inbox] == [
        handoff_texts.STAFF_ANSWER.format(staff="li书记", text="收到,已通知保洁公司今天清运")
    ]
    lines = (await (await client.get(f"/console/api/handoffs/{handoff_id}")).json())["lines"]
    assert [(line["by"], line["text"]) for line in lines][-1] == (
        "staff", "收到,已通知保洁公司今天清运"
    )
    # While the person is on it, the resident's words reach the console, not the bot.
    await say(client, sender, "好的谢谢")
    lines = (await (await client.get(f"/console/api/handoffs/{handoff_id}")).json())["lines"]
    assert lines[-1]["text"] == "好的谢谢"

    closed = await client.post(
        f"/console/handoffs/{handoff_id}/close", data={"csrf_token": csrf},
        allow_redirects=False,
    )
    assert closed.status == 303
    assert (await runtime_of(client).handoff.get(handoff_id)).status == HandoffStatus.CLOSED
    assert (await pushes(client, sender))[-1]["text"] == handoff_texts.CLOSED
    replies = await say(client, sender, "文苑公寓3号楼电梯坏了")
    keys = [k for r in replies for k in r.get("custom", {}).get("responses", [])]
    assert "handoff_waiting" not in keys and "ask_evidence" in keys, keys
    again = await client.post(
        f"/console/handoffs/{handoff_id}/close", headers={"X-CSRF-Token": csrf}
    )
    assert again.status == 409


async def test_file_a_ticket_from_the_conversation(client: TestClient) -> None:
    building = demo_building(client)
    await add_staff(client, "li", Role.SECRETARY, f"community:{building.community_code}")
    sender = "web-h-2"
    handoff_id = await waiting_resident(client, sender)
    csrf = await login(client, "li")
    page = await (await client.get(f"/console/handoffs/{handoff_id}")).text()
    assert "report_" in page  # the catalog's categories in the select

    filed = await client.post(
        f"/console/handoffs/{handoff_id}/file",
        json={
            "category": "report_lighting",
            "description": "楼下垃圾三天没人清运了",
            "building_code": building.code,
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert filed.status == 200, await filed.text()
    number = (await filed.json())["number"]
    ticket = await runtime_of(client).tickets.get(number)
    assert (ticket.reporter_channel, ticket.reporter_id) == ("web", sender)
    assert ticket.description == "楼下垃圾三天没人清运了"

    bad = await client.post(
        f"/console/handoffs/{handoff_id}/file",
        json={"category": "nope", "description": "x", "building_code": building.code},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status == 400 and (await bad.json())["message"] == "请选择诉求类别。"


async def test_scope_of_handoffs(client: TestClient) -> None:
    building = demo_building(client)
    other = other_community(client, building.community_code)
    await add_staff(client, "li", Role.SECRETARY, f"community:{building.community_code}")
    await add_staff(client, "zhao", Role.SECRETARY, f"community:{other}")
    await add_staff(client, "wang", Role.GRID_WORKER, f"grid:{building.grid_code}")
    sender = "web-h-3"
    # The resident has filed before (at 锦园小区2号楼): the handoff is placed there.
    await report_until_filed(client, sender, DEMO_MESSAGE)
    handoff_id = await waiting_resident(client, sender)

    for username, sees in (("li", True), ("wang", True), ("zhao", False)):
        csrf = await login(client, username)
        listed = (await (await client.get("/console/api/handoffs")).json())["handoffs"]
        assert [h["id"] for h in listed] == ([handoff_id] if sees else []), username
        detail = await client.get(f"/console/api/handoffs/{handoff_id}")
        assert detail.status == (200 if sees else 404), username
        if not sees:
            answer = await client.post(
                f"/console/handoffs/{handoff_id}/answer", json={"text": "hi"},
                headers={"X-CSRF-Token": csrf},
            )
            assert answer.status == 404
            filed = await client.post(
                f"/console/handoffs/{handoff_id}/file",
                json={"category": "report_lighting", "description": "x",
                      "building_code": building.code},
                headers={"X-CSRF-Token": csrf},
            )
            assert filed.status == 404


async def test_unplaced_handoffs_are_for_community_level_and_up(client: TestClient) -> None:
    building = demo_building(client)
    await add_staff(client, "li", Role.SECRETARY, f"community:{building.community_code}")
    await add_staff(client, "wang", Role.GRID_WORKER, f"grid:{building.grid_code}")
    handoff_id = await waiting_resident(client, "web-h-4")
    await login(client, "wang")
    assert (await (await client.get("/console/api/handoffs")).json())["handoffs"] == []
    assert (await client.get(f"/console/api/handoffs/{handoff_id}")).status == 404
    await login(client, "li")
    listed = (await (await client.get("/console/api/handoffs")).json())["handoffs"]
    assert [h["id"] for h in listed] == [handoff_id]


async def test_handoff_routes_need_a_session(client: TestClient) -> None:
    handoff_id = await waiting_resident(client, "web-h-5")
    assert (await client.get("/console/api/handoffs")).status == 401
    page = await client.get(
        "/console/handoffs", headers={"Accept": "text/html"}, allow_redirects=False
    )
    assert page.status == 303 and page.headers["Location"] == "/console/login"
    posted = await client.post(f"/console/handoffs/{handoff_id}/answer", json={"text": "x"})
    assert posted.status == 401
    assert (await client.get("/console/api/handoffs/abc")).status == 401
