"""Every console action changes the ticket through the TicketService and queues a push to
the resident; errors come back as Chinese messages; a reply reaches the web chat."""

from __future__ import annotations

from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlmodel import col, select

from bot.media import StoredMedia
from bot.messages import MediaKind
from bot.tickets.dispatcher import Dispatcher
from bot.tickets.models import OutboxMessage, Ticket
from tests.console.conftest import file, login, runtime_of, two_communities

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def resident_pushes(client: TestClient, number: str) -> list[str]:
    async with runtime_of(client).sessions() as session:
        ticket = (await session.exec(select(Ticket).where(Ticket.number == number))).one()
        rows = await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.ticket_id == ticket.id, OutboxMessage.audience == "resident")
            .order_by(col(OutboxMessage.id))
        )
        return [row.text for row in rows]


async def act(
    client: TestClient, headers: dict[str, str], number: str, action: str, **form: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/console/tickets/{number}/{action}", json=form, headers=headers
    )
    body: dict[str, Any] = await response.json()
    body["_status"] = response.status
    return body


async def test_each_action_moves_the_ticket_and_tells_the_resident(
    sqlite_client: TestClient,
) -> None:
    client = sqlite_client
    await two_communities(client)
    headers = await login(client, "han")
    cases: list[tuple[str, dict[str, str], str, str]] = [
        ("claim", {}, "accepted", "已受理"),
        ("start", {}, "in_progress", "正在办理"),
        ("reply", {"text": "明天上午电工上门"}, "submitted", "明天上午电工上门"),
        ("request-info", {"text": "请问是几单元？"}, "submitted", "请问是几单元？"),
        ("transfer", {"department": "城管", "reason": "属城管职责"}, "transferred", "属城管职责"),
        ("dispatch", {"department": "城管", "note": "请立即处理"}, "in_progress", "直接办理"),
        ("escalate", {"reason": "社区无法解决"}, "escalated", "提级"),
        ("resolve", {"note": "已更换灯泡"}, "resolved", "已更换灯泡"),
        ("reject", {"reason": "不属于受理范围"}, "rejected", "不属于受理范围"),
    ]
    departments = runtime_of(client).catalog.departments()
    for action, form, status, heard in cases:
        if "department" in form:
            form = {**form, "department": departments[0].code}
        ticket = await file(client, description=f"测试 {action}")
        before = await resident_pushes(client, ticket.number)
        body = await act(client, headers, ticket.number, action, **form)
        assert body["_status"] == 200 and body["ok"], (action, body)
        assert body["status"] == status, action
        view = await runtime_of(client).tickets.get(ticket.number)
        assert view.status == status and view.history[-1].actor == "han", action
        after = await resident_pushes(client, ticket.number)
        assert len(after) == len(before) + 1, action
        assert heard in after[-1], (action, after[-1])


async def test_errors_are_chinese_and_forms_redirect(sqlite_client: TestClient) -> None:
    client = sqlite_client
    await two_communities(client)
    headers = await login(client, "han")
    ticket = await file(client)
    await act(client, headers, ticket.number, "resolve", note="修好了")
    refused = await act(client, headers, ticket.number, "claim")
    assert refused["_status"] == 409 and refused["message"] == "当前状态下不能进行此操作。"
    empty = await act(client, headers, ticket.number, "reject")
    assert empty["_status"] == 400 and empty["message"] == "请填写原因。"
    blank = await act(client, headers, ticket.number, "reply", text="  ")
    assert blank["_status"] == 400 and blank["message"] == "请填写内容。"

    fresh = await file(client)
    token = headers["X-CSRF-Token"]
    form = await client.post(
        f"/console/tickets/{fresh.number}/claim", data={"csrf_token": token},
        allow_redirects=False,
    )
    assert form.status == 303
    assert form.headers["Location"] == f"/console/tickets/{fresh.number}?done=claim"
    again = await client.post(
        f"/console/tickets/{fresh.number}/reject", data={"csrf_token": token},
        allow_redirects=False,
    )
    assert again.headers["Location"].endswith("?error=missing_reason")
    page = await client.get(again.headers["Location"], headers={"Accept": "text/html"})
    assert "请填写原因。" in await page.text()
    no_csrf = await client.post(f"/console/tickets/{fresh.number}/start", data={})
    assert no_csrf.status == 403


async def test_reply_reaches_the_residents_web_chat(sqlite_client: TestClient) -> None:
    client = sqlite_client
    await two_communities(client)
    headers = await login(client, "han")
    ticket = await file(client, reporter="chat-user-7")
    await act(client, headers, ticket.number, "reply", text="您好，物业今天下午处理")
    runtime = runtime_of(client)
    await Dispatcher(runtime.sessions, runtime.outputs).drain()
    inbox = await client.get("/webhooks/rest/inbox", params={"sender": "chat-user-7"})
    assert inbox.status == 200
    texts = [m["text"] for m in await inbox.json()]
    assert any("您好，物业今天下午处理" in text and ticket.number in text for text in texts)


async def test_resolve_with_a_photo_and_the_page_shows_evidence(
    sqlite_client: TestClient,
) -> None:
    client = sqlite_client
    await two_communities(client)
    runtime = runtime_of(client)
    stored: StoredMedia = await runtime.media.save(PNG, MediaKind.IMAGE, "image/png")
    ticket = await file(client, evidence=(("image", stored.url),))
    headers = await login(client, "han")
    page = await client.get(f"/console/tickets/{ticket.number}", headers={"Accept": "text/html"})
    html = await page.text()
    assert page.status == 200
    assert f'<img src="/console/tickets/{ticket.number}/evidence/0"' in html
    assert "韩勇" in html  # the community secretary from the address registry
    photo = await client.get(f"/console/tickets/{ticket.number}/evidence/0")
    assert photo.status == 200 and await photo.read() == PNG
    assert photo.content_type == "image/png"
    part = await client.get(
        f"/console/tickets/{ticket.number}/evidence/0", headers={"Range": "bytes=0-7"}
    )
    assert part.status == 206 and await part.read() == PNG[:8]
    assert part.headers["Content-Range"] == f"bytes 0-7/{len(PNG)}"
    tail = await client.get(
        f"/console/tickets/{ticket.number}/evidence/0", headers={"Range": "bytes=-4"}
    )
    assert tail.status == 206 and await tail.read() == PNG[-4:]
    beyond = await client.get(
        f"/console/tickets/{ticket.number}/evidence/0", headers={"Range": "bytes=999-"}
    )
    assert beyond.status == 416

    data = FormData()
    data.add_field("csrf_token", headers["X-CSRF-Token"])
    data.add_field("note", "已修复")
    data.add_field("photo", PNG, filename="fix.png", content_type="image/png")
    done = await client.post(
        f"/console/tickets/{ticket.number}/resolve", data=data, allow_redirects=False
    )
    assert done.status == 303, await done.text()
    view = await runtime.tickets.get(ticket.number)
    assert view.status == "resolved" and len(view.evidence) == 2
    second = await client.get(f"/console/tickets/{ticket.number}/evidence/1")
    assert second.status == 200 and await second.read() == PNG

    bad = FormData()
    bad.add_field("csrf_token", headers["X-CSRF-Token"])
    bad.add_field("photo", b"<svg/>", filename="x.png", content_type="image/png")
    other = await file(client)
    refused = await client.post(
        f"/console/tickets/{other.number}/resolve", data=bad, allow_redirects=False
    )
    assert refused.headers["Location"].endswith("?error=bad_upload")
