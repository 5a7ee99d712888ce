"""A whole report and a status query through the Rasa-compatible REST channel."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import select

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.tickets.models import Ticket
from tests.e2e.resident import choose, find_ticket_number, typed_answer

DEMO_MESSAGE = "锦园小区2号楼楼道灯坏了,晚上很黑"
OTHER_MESSAGE = "锦园小区2号楼门口垃圾好几天没人清了"
_ids = itertools.count(1)


async def say(client: TestClient, sender: str, text: str, **metadata: Any) -> list[dict]:
    metadata.setdefault("message_id", f"m-{next(_ids)}")
    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": text, "metadata": metadata}
    )
    assert response.status == 200, await response.text()
    replies = await response.json()
    assert isinstance(replies, list) and replies, "every message gets an answer"
    for reply in replies:
        assert reply["recipient_id"] == sender
        assert isinstance(reply["text"], str)
    return replies


class Filed:
    """The outcome of a scripted report: its number, what the bot said, the last request."""

    def __init__(self, number: str, transcript: list[str], last: tuple[str, str, list]) -> None:
        self.number = number
        self.transcript = transcript
        self.last_text, self.last_id, self.last_replies = last


async def report_until_filed(
    client: TestClient, sender: str, first: str, *, ids: Iterator[int] = _ids
) -> Filed:
    text, message_id = first, f"m-{next(ids)}"
    replies = await say(client, sender, text, message_id=message_id)
    transcript = [r["text"] for r in replies]
    for _ in range(12):
        number = find_ticket_number([r["text"] for r in replies])
        if number:
            return Filed(number, transcript, (text, message_id, replies))
        buttons = [b for r in replies for b in r.get("buttons", [])]
        index = choose([b["title"] for b in buttons])
        text = buttons[index]["payload"] if index is not None else typed_answer(replies[-1]["text"])
        message_id = f"m-{next(ids)}"
        replies = await say(client, sender, text, message_id=message_id)
        transcript += [r["text"] for r in replies]
    raise AssertionError("no ticket number after 12 turns:\n" + "\n".join(transcript))


@pytest.fixture
async def client(database_url, make_settings, aiohttp_client):  # type: ignore[no-untyped-def]
    # database_url first: it is then torn down last, after the app has stopped.
    app = create_app(make_settings(database_url=database_url))
    return await aiohttp_client(app)


async def test_demo_report_then_status_query(client: TestClient) -> None:
    filed = await report_until_filed(client, "resident-1", DEMO_MESSAGE)
    number, transcript = filed.number, filed.transcript
    runtime = client.app[RUNTIME]
    async with runtime.sessions() as session:
        ticket = (await session.exec(select(Ticket).where(Ticket.number == number))).one()
    assert ticket.category == "report_lighting"
    assert ticket.reporter_id == "resident-1"
    assert "2号楼" in (ticket.address_text or "")
    assert ticket.deadline is not None
    assert any("小时" in t or "工作日" in t or "前" in t for t in transcript), transcript

    status = await say(client, "resident-1", "我的工单怎么样了")
    assert any(number in r["text"] for r in status), status


async def test_retried_message_files_nothing_twice(client: TestClient) -> None:
    filed = await report_until_filed(client, "resident-2", DEMO_MESSAGE)
    # The channel retries the message that filed the ticket (same message id): the resident
    # gets the same answer again and nothing new is filed.
    again = await say(client, "resident-2", filed.last_text, message_id=filed.last_id)
    assert again == filed.last_replies
    async with client.app[RUNTIME].sessions() as session:
        tickets = (await session.exec(select(Ticket))).all()
    assert [t.number for t in tickets] == [filed.number]


async def test_residents_whose_clients_number_messages_per_chat_each_get_a_ticket(
    client: TestClient,
) -> None:
    """The same message ids from two residents are two reports, never one (a lost report)."""
    # Two reports that take the same number of turns (a second report of the same problem
    # would be offered the first one to follow instead), so the confirming ids coincide.
    filed = [
        await report_until_filed(client, sender, first, ids=itertools.count(1))
        for sender, first in (("chat-a", DEMO_MESSAGE), ("chat-b", OTHER_MESSAGE))
    ]
    assert filed[0].last_id == filed[1].last_id
    assert filed[0].number != filed[1].number
    async with client.app[RUNTIME].sessions() as session:
        tickets = (await session.exec(select(Ticket).order_by(Ticket.id))).all()
    assert [(t.number, t.reporter_id) for t in tickets] == [
        (filed[0].number, "chat-a"),
        (filed[1].number, "chat-b"),
    ]


async def test_malformed_and_empty_requests_get_clear_errors(client: TestClient) -> None:
    bad = await client.post(
        "/webhooks/rest/webhook", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad.status == 400
    assert (await bad.json())["error"]["code"] == "bad_json"
    empty = await client.post("/webhooks/rest/webhook", json={"sender": "u", "message": ""})
    assert empty.status == 400
    huge = await client.post("/webhooks/rest/webhook", json={"sender": "u", "message": "灯" * 5000})
    assert huge.status == 413
    assert "消息太长" in (await huge.json())["error"]["message"]


async def test_healthz_reports_each_part(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    report = await response.json()
    assert report["database"]["ok"] is True
    assert report["state_store"] == {"ok": True, "kind": "memory"}
    assert report["nlu"]["model_version"]


async def test_uploads_are_checked_by_content(client: TestClient) -> None:
    from aiohttp import FormData

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    form = FormData()
    form.add_field("sender", "u")
    form.add_field("file", png, filename="x.png", content_type="image/png")
    ok = await client.post("/webhooks/rest/upload", data=form)
    assert ok.status == 201
    body = await ok.json()
    assert body["kind"] == "image" and body["url"].startswith("/uploads/")
    assert (await client.get(body["url"])).status == 200

    fake = FormData()
    fake.add_field("file", b"MZ\x90\x00 not an image", filename="x.jpg", content_type="image/jpeg")
    refused = await client.post("/webhooks/rest/upload", data=fake)
    assert refused.status == 415

    limit = client.app[RUNTIME].settings.upload_max_bytes
    big = FormData()
    big.add_field("file", png + b"\x00" * limit, filename="big.png", content_type="image/png")
    too_big = await client.post("/webhooks/rest/upload", data=big)
    assert too_big.status == 413
    assert (await client.get("/uploads/..%2F..%2Fetc%2Fpasswd")).status == 404


async def test_nonsense_gets_an_answer_files_nothing_and_is_kept_for_review(
    client: TestClient,
) -> None:
    from bot.review import NluReviewItem

    replies = await say(client, "resident-9", "asdfgh 啊啊啊 qwerty 13912345678")
    assert replies[0]["text"].strip()
    async with client.app[RUNTIME].sessions() as session:
        assert (await session.exec(select(Ticket))).all() == []
        kept = (await session.exec(select(NluReviewItem))).all()
    assert len(kept) == 1
    assert "13912345678" not in kept[0].text
    assert kept[0].model_version == client.app[RUNTIME].nlu.model.version
