"""The WeCom staff app end to end: signed, encrypted callbacks in; ticket commands run
through the ticket service; staff notices out through a fake WeCom API on 127.0.0.1."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.addresses.repository import bind_person_channel
from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.runtime import Runtime
from bot.staff import Scope
from bot.tickets import Dispatcher
from bot.tickets.views import TicketDraft, TicketView
from connectors.wecom import WeComConnector
from connectors.wecom import callback as callback_module
from tests.connectors.wecom import client as wc
from tests.connectors.wecom.fake_api import FakeWeCom

BUILDING = "370303001001X01-001"  # 锦园小区1号楼, grid 370303001001W01
WORKER = "370303001001W01-W"  # 罗雪, grid worker of W01
OTHER_WORKER = "370303001001W02-W"  # 汪志桂, grid worker of W02


@pytest.fixture
async def fake(aiohttp_server: Any) -> tuple[FakeWeCom, TestServer]:
    api = FakeWeCom(wc.CORP_ID, wc.SECRET)
    server = await aiohttp_server(api.app(), host="127.0.0.1")
    return api, server


@pytest.fixture
async def client(fake: Any, make_settings: Any, aiohttp_client: Any) -> TestClient:
    _, server = fake
    settings = make_settings(
        wecom_corp_id=wc.CORP_ID,
        wecom_agent_id=wc.AGENT_ID,
        wecom_secret=wc.SECRET,
        wecom_token=wc.TOKEN,
        wecom_aes_key=wc.AES_KEY,
        wecom_api_base=str(server.make_url("")).rstrip("/"),
        public_url="https://minsheng.example.cn",
    )
    app = create_app(settings, background=False)
    test_client: TestClient = await aiohttp_client(app)
    runtime: Runtime = app[RUNTIME]
    for person, user_id, grid in ((WORKER, "luoxue", "W01"), (OTHER_WORKER, "wangzg", "W02")):
        assert await bind_person_channel(runtime.sessions, person, "wecom", user_id)
        await runtime.staff.create_account(
            user_id, "正确的密码-123", role="grid_worker",
            scope=Scope.parse(f"grid:370303001001{grid}"), display_name=user_id,
            person_code=person,
        )
    await runtime.addresses.reload()
    return test_client


def runtime_of(client: TestClient) -> Runtime:
    return client.app[RUNTIME]


async def file(client: TestClient, reporter: str = "resident-1") -> TicketView:
    return await runtime_of(client).tickets.file(
        TicketDraft(
            category="report_lighting",
            description="楼道灯坏了，晚上很黑",
            reporter_channel="web",
            reporter_id=reporter,
            building_code=BUILDING,
        )
    )


async def command(client: TestClient, user_id: str, text: str, msg_id: str | None = None) -> str:
    query, body = wc.encrypted(wc.text_message(user_id, text, msg_id))
    response = await client.post("/webhooks/wecom", params=query, data=body)
    assert response.status == 200, await response.text()
    reply = wc.decrypt_reply(await response.text())
    assert reply["ToUserName"] == user_id and reply["MsgType"] == "text"
    return reply["Content"]


async def drain(client: TestClient) -> None:
    runtime = runtime_of(client)
    await Dispatcher(runtime.sessions, runtime.outputs).drain()


async def test_signatures_are_checked_and_forgeries_change_nothing(client: TestClient) -> None:
    query, echo = wc.verify_query()
    response = await client.get("/webhooks/wecom", params=query)
    assert response.status == 200 and await response.text() == echo
    forged, _ = wc.verify_query(token="not-our-token")
    response = await client.get("/webhooks/wecom", params=forged)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "bad_signature"
    response = await client.get("/webhooks/wecom", params={"timestamp": "1"})
    assert response.status == 400
    # A forged or malformed POST is refused and changes nothing.
    ticket = await file(client)
    query, body = wc.encrypted(wc.text_message("luoxue", f"接单 {ticket.number}"))
    forged = dict(query, msg_signature="0" * 40)
    response = await client.post("/webhooks/wecom", params=forged, data=body)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "bad_signature"
    other_query, other_body = wc.encrypted(
        wc.text_message("luoxue", f"接单 {ticket.number}"), token="someone-else"
    )
    response = await client.post("/webhooks/wecom", params=other_query, data=other_body)
    assert response.status == 403
    response = await client.post("/webhooks/wecom", params=query, data="<xml><oops")
    assert response.status == 400
    entity = '<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>'
    response = await client.post("/webhooks/wecom", params=query, data=entity)
    assert response.status == 400
    assert (await runtime_of(client).tickets.get(ticket.number)).status == "submitted"


async def test_a_grid_worker_accepts_by_command_and_the_resident_hears(
    client: TestClient, fake: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, _ = fake
    ticket = await file(client)
    assert ticket.grid_code == "370303001001W01"
    # The new-ticket notice reaches the grid worker in WeCom, with a console link.
    await drain(client)
    [notice] = [m for m in api.sent if m["touser"] == "luoxue"]
    assert notice["agentid"] == wc.AGENT_ID
    content = notice["text"]["content"]
    assert ticket.number in content and "【新工单】" in content
    assert f"https://minsheng.example.cn/console/tickets/{ticket.number}" in content

    reply = await command(client, "luoxue", f"接单 {ticket.number}")
    assert "已接单" in reply and ticket.number in reply
    assert f"/console/tickets/{ticket.number}" in reply
    view = await runtime_of(client).tickets.get(ticket.number)
    assert view.status == "accepted"
    assert view.history[-1].actor == "luoxue"
    await drain(client)
    pushed = await runtime_of(client).web_inbox.fetch("resident-1")
    assert any("受理" in m["text"] for m in pushed)

    reply = await command(client, "luoxue", f"回复　{ticket.number}　已联系物业，明天修")
    assert "已回复居民" in reply
    reply = await command(client, "luoxue", f"办结：{ticket.number} 已修好")
    assert "已办结" in reply
    await drain(client)
    texts = [m["text"] for m in await runtime_of(client).web_inbox.fetch("resident-1")]
    assert any("已联系物业，明天修" in t for t in texts)
    assert any("已修好" in t for t in texts)
    assert (await runtime_of(client).tickets.get(ticket.number)).status == "resolved"
    # A command that no longer fits the ticket's state is explained, nothing changes.
    reply = await command(client, "luoxue", f"接单 {ticket.number}")
    assert "不能接单" in reply

    # WeCom retries a MsgId it got no answer to: the command runs once, the answer repeats.
    second = await file(client, reporter="resident-2")
    first = await command(client, "luoxue", f"回复 {second.number} 马上到", msg_id="777")
    again = await command(client, "luoxue", f"回复 {second.number} 马上到", msg_id="777")
    assert first == again
    view = await runtime_of(client).tickets.get(second.number)
    assert [e.kind for e in view.history].count("reply") == 1

    # The resident's urging reaches the grid worker in WeCom too.
    await runtime_of(client).tickets.urge(second.number, "web", "resident-2", "怎么还没来")
    await drain(client)
    assert any(
        second.number in m["text"]["content"] and "催办" in m["text"]["content"]
        for m in api.sent if m["touser"] == "luoxue"
    )

    # A command WeCom stops waiting for is answered "" at once and sent through the API.
    monkeypatch.setattr(callback_module, "PATIENCE", 0.0)
    query, body = wc.encrypted(wc.text_message("luoxue", f"处理 {second.number}"))
    response = await client.post("/webhooks/wecom", params=query, data=body)
    assert response.status == 200 and await response.text() == ""
    [connector] = [c for c in runtime_of(client).connectors if isinstance(c, WeComConnector)]
    assert connector.callback is not None
    await connector.callback.aclose()
    assert "已开始处理" in api.sent[-1]["text"]["content"]
    assert (await runtime_of(client).tickets.get(second.number)).status == "in_progress"
    monkeypatch.undo()

    # Bad commands get a help line; unknown numbers are "not found".
    for text, expected in (
        ("你好", "没有看懂这条指令"),
        ("回复 20261121-0042", "请在编号后写上回复内容"),
        ("接单 20990101-9999", "没有找到工单 20990101-9999"),
    ):
        assert expected in await command(client, "luoxue", text)

    # An expired access token is fetched again, once, and the notice still goes out.
    issued = api.tokens_issued
    api.expire_tokens()
    await file(client, reporter="resident-3")
    await drain(client)
    assert api.tokens_issued == issued + 1
    assert api.sent[-1]["touser"] == "luoxue" and "【新工单】" in api.sent[-1]["text"]["content"]


async def test_a_worker_of_another_grid_cannot_act(client: TestClient) -> None:
    ticket = await file(client)
    for text in (f"接单 {ticket.number}", f"办结 {ticket.number} 好了", f"查看 {ticket.number}"):
        reply = await command(client, "wangzg", text)
        assert "不在您的管辖范围内" in reply
    view = await runtime_of(client).tickets.get(ticket.number)
    assert view.status == "submitted"
    assert [e.kind for e in view.history] == ["filed"]
    # Residents waiting for a person (转人工) are listed and answered by whoever's area
    # they are in: the resident's ticket places them in grid W01.
    handoff = await runtime_of(client).handoff.open(
        conversation_id="web:resident-1", channel="web", sender_id="resident-1",
        reason="resident_asked",
    )
    assert "没有等待人工的居民" in await command(client, "wangzg", "转人工")
    listed = await command(client, "luoxue", "转人工")
    assert f"编号 {handoff.id}" in listed
    reply = await command(client, "wangzg", f"接待 {handoff.id} 您好")
    assert "不在您的管辖范围内" in reply
    reply = await command(client, "luoxue", f"接待 {handoff.id} 您好，我是网格员罗雪")
    assert "已回复居民" in reply
    await drain(client)
    said = [m["text"] for m in await runtime_of(client).web_inbox.fetch("resident-1")]
    assert any("我是网格员罗雪" in text for text in said)
    assert "已结束人工接待" in await command(client, "luoxue", f"结束 {handoff.id}")
    assert "已经结束" in await command(client, "luoxue", f"结束 {handoff.id}")

    # A member bound to no staff account is told how to get bound.
    reply = await command(client, "stranger", f"接单 {ticket.number}")
    assert "还没有绑定" in reply
    assert (await runtime_of(client).tickets.get(ticket.number)).status == "submitted"


async def test_a_retry_on_another_worker_runs_nothing_twice(
    fake: Any, make_settings: Any, aiohttp_client: Any, redis_server: str
) -> None:
    """Two worker processes (two apps on one database and one Redis): WeCom's retry of a
    MsgId lands on the second while the first has run it; it answers the same, once."""
    _, server = fake
    settings = make_settings(
        wecom_corp_id=wc.CORP_ID, wecom_agent_id=wc.AGENT_ID, wecom_secret=wc.SECRET,
        wecom_token=wc.TOKEN, wecom_aes_key=wc.AES_KEY,
        wecom_api_base=str(server.make_url("")).rstrip("/"), redis_url=redis_server,
    )
    first: TestClient = await aiohttp_client(create_app(settings, background=False))
    second: TestClient = await aiohttp_client(create_app(settings, background=False))
    runtime = runtime_of(first)
    assert await bind_person_channel(runtime.sessions, WORKER, "wecom", "luoxue")
    await runtime.staff.create_account(
        "luoxue", "正确的密码-123", role="grid_worker",
        scope=Scope.parse("grid:370303001001W01"), person_code=WORKER,
    )
    ticket = await file(first)
    msg_id = str(uuid.uuid4().int % 10**18)
    answer = await command(first, "luoxue", f"回复 {ticket.number} 马上到", msg_id=msg_id)
    retried = await command(second, "luoxue", f"回复 {ticket.number} 马上到", msg_id=msg_id)
    assert answer == retried and "已回复居民" in answer
    view = await runtime.tickets.get(ticket.number)
    assert [e.kind for e in view.history].count("reply") == 1
