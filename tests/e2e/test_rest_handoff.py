"""Handoff (转人工) end to end through the REST channel: a person answers in the resident's
web inbox and hands the conversation back; nobody answers and the resident files a ticket;
the bot's own offer after two misunderstandings; never an empty answer while waiting."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.handoff import HandoffStatus
from bot.handoff import texts as handoff_texts
from bot.runtime import Runtime
from bot.tickets import Dispatcher
from bot.tickets.clock import utcnow
from tests.e2e.resident import choose, find_ticket_number, typed_answer

_ids = itertools.count(1)


async def say(client: TestClient, sender: str, text: str) -> list[dict[str, Any]]:
    response = await client.post(
        "/webhooks/rest/webhook",
        json={"sender": sender, "message": text, "metadata": {"message_id": f"h-{next(_ids)}"}},
    )
    assert response.status == 200, await response.text()
    replies = await response.json()
    assert isinstance(replies, list) and replies, f"no answer to {text!r}"
    assert all(r["text"].strip() for r in replies), replies
    return replies


def joined(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r["text"] for r in replies)


async def pushes(
    client: TestClient, sender: str, at: datetime | None = None
) -> list[dict[str, Any]]:
    """Deliver the outbox once (as the dispatcher does, at ``at``) and read the web inbox."""
    runtime: Runtime = client.app[RUNTIME]
    await Dispatcher(runtime.sessions, runtime.outputs, clock=lambda: at or utcnow()).run_once()
    response = await client.get("/webhooks/rest/inbox", params={"sender": sender})
    assert response.status == 200
    return list(await response.json())


@pytest.fixture
async def client(database_url, make_settings, aiohttp_client):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=database_url), background=False)
    return await aiohttp_client(app)


async def test_person_answers_in_the_inbox_then_hands_back(client: TestClient) -> None:
    runtime: Runtime = client.app[RUNTIME]
    sender = "web-resident-1"
    opened = joined(await say(client, sender, "转人工"))
    assert "工作人员" in opened and "值班时间" in opened and "返回机器人" in opened

    for text in ("你好", "有人吗", "我的工单怎么样了", "楼下垃圾三天没人清运了"):
        await say(client, sender, text)  # never an empty answer while waiting
    [waiting] = await runtime.handoff.list_waiting()
    assert (waiting.channel, waiting.sender_id, waiting.reason) == ("web", sender, "resident_asked")
    assert [line.text for line in waiting.resident_lines] == [
        "你好", "有人吗", "我的工单怎么样了", "楼下垃圾三天没人清运了"
    ]

    await runtime.handoff.answer(waiting.id, "李书记", "收到,已通知保洁公司今天清运")
    inbox = await pushes(client, sender)
    assert [m["text"] for m in inbox] == [
        handoff_texts.STAFF_ANSWER.format(staff="李书记", text="收到,已通知保洁公司今天清运")
    ]
    # Still the person's conversation: the resident's thanks is for them.
    assert "工作人员" in joined(await say(client, sender, "好的谢谢"))

    await runtime.handoff.close(waiting.id, "李书记")
    inbox = await pushes(client, sender)
    assert inbox[-1]["text"] == handoff_texts.CLOSED
    assert (await runtime.handoff.get(waiting.id)).status == HandoffStatus.CLOSED
    # The bot answers normally again.
    replies = await say(client, sender, "文苑公寓3号楼电梯坏了")
    keys = [k for r in replies for k in r.get("custom", {}).get("responses", [])]
    assert "handoff_waiting" not in keys and "ask_evidence" in keys, keys


async def test_nobody_answers_and_the_resident_files_a_ticket(client: TestClient) -> None:
    runtime: Runtime = client.app[RUNTIME]
    sender = "web-resident-2"
    await say(client, sender, "我要找人工")
    await say(client, sender, "楼上装修噪音太大,每天晚上十点还在施工")
    [waiting] = await runtime.handoff.list_waiting()

    timeout = timedelta(seconds=runtime.settings.handoff_timeout_seconds)
    assert await runtime.handoff.expire_overdue(utcnow() + timeout - timedelta(seconds=5)) == []
    later = utcnow() + timeout
    assert await runtime.handoff.expire_overdue(later) == [waiting.id]
    [notice] = await pushes(client, sender, later)
    assert notice["text"] == handoff_texts.EXPIRED
    titles = [b["title"] for b in notice["buttons"]]
    assert titles == [handoff_texts.FILE_BUTTON, handoff_texts.DECLINE_BUTTON]
    state = await runtime.engine.state_of(f"web:{sender}")
    assert state is not None and state["handoff"] is False

    # The resident taps "登记成工单": the report starts with what they told the staff.
    replies = await say(client, sender, notice["buttons"][0]["payload"])
    first = [k for r in replies for k in r.get("custom", {}).get("responses", [])]
    assert "ask_description" not in first, first  # what they told the staff is the description
    transcript = [f"{joined(replies)} {first}"]
    for _ in range(12):
        number = find_ticket_number([r["text"] for r in replies])
        if number:
            break
        asked = [k for r in replies for k in r.get("custom", {}).get("responses", [])]
        buttons = [b for r in replies for b in r.get("buttons", [])]
        index = choose([b["title"] for b in buttons])
        text = buttons[index]["payload"] if index is not None else typed_answer(replies[-1]["text"])
        if any("category" in key for key in asked):
            text = "噪音扰民"
        elif any("address" in key for key in asked):
            text = "文苑公寓3号楼"
        replies = await say(client, sender, text)
        transcript.append(f">>> {text}\n{joined(replies)}")
    else:
        raise AssertionError("no ticket after the time-out offer:\n" + "\n".join(transcript))
    ticket = await runtime.tickets.get(number)
    assert "装修噪音" in ticket.description, ticket.description
    assert ticket.reporter_id == sender


async def test_the_bots_offer_after_two_misunderstandings_opens_the_same_service(
    client: TestClient,
) -> None:
    runtime: Runtime = client.app[RUNTIME]
    sender = "web-resident-3"
    await say(client, sender, "啊啊啊")
    offer = await say(client, sender, "哦哦哦")
    assert any(b["title"] == "转人工" for r in offer for b in r.get("buttons", []))
    assert "返回机器人" in joined(await say(client, sender, "转人工"))
    [waiting] = await runtime.handoff.list_waiting()
    assert (waiting.sender_id, waiting.reason) == (sender, "misunderstood")
    left = joined(await say(client, sender, "返回机器人"))
    assert "小助手" in left
    assert await runtime.handoff.list_waiting() == []
    assert (await runtime.handoff.get(waiting.id)).closed_by == "resident"
