"""补充情况 end to end through the REST channel: staff ask for more on the console, the
resident's next message (words, or a photo) goes onto the ticket and is acknowledged; the
message after that is the bot's again."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import RUNTIME
from bot.runtime import Runtime
from bot.tickets import Dispatcher
from bot.tickets import texts as ticket_texts
from tests.console.conftest import add_staff, login
from tests.e2e.test_rest_conversation import report_until_filed

_ids = itertools.count(1)
SECRETARY = "han"
CHENGNAN = "370303001001"


@pytest.fixture
async def client(database_url, make_settings, aiohttp_client):  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=database_url), background=False)
    return await aiohttp_client(app)


async def say(client: TestClient, sender: str, text: str, **metadata: Any) -> str:
    metadata.setdefault("message_id", f"i-{next(_ids)}")
    response = await client.post(
        "/webhooks/rest/webhook", json={"sender": sender, "message": text, "metadata": metadata}
    )
    assert response.status == 200, await response.text()
    replies = await response.json()
    assert replies and all(r["text"].strip() for r in replies), replies
    return "\n".join(r["text"] for r in replies)


async def pushed(client: TestClient, sender: str) -> str:
    runtime: Runtime = client.app[RUNTIME]
    await Dispatcher(runtime.sessions, runtime.outputs).run_once()
    response = await client.get("/webhooks/rest/inbox", params={"sender": sender})
    return "\n".join(m["text"] for m in await response.json())


async def ask_for_more(client: TestClient, number: str, question: str) -> None:
    headers = await login(client, SECRETARY)
    response = await client.post(
        f"/console/tickets/{number}/request-info", json={"text": question}, headers=headers
    )
    assert response.status == 200, await response.text()


async def history(client: TestClient, number: str) -> list[tuple[str, str, str | None]]:
    view = await client.app[RUNTIME].tickets.get(number)
    return [(e.kind, e.actor, e.note) for e in view.history]


async def test_the_next_message_answers_the_staff_question(client: TestClient) -> None:
    await add_staff(client, SECRETARY, "secretary", f"community:{CHENGNAN}")
    filed = await report_until_filed(client, "res-info", "锦园小区2号楼楼道灯坏了,晚上很黑")
    number = filed.number

    await ask_for_more(client, number, "请问是几单元几楼的灯？")
    assert "请问是几单元几楼的灯" in await pushed(client, "res-info")

    # Not a report, not small talk, not a status question: the answer to the staff.
    answer = "3单元5楼到6楼之间那盏，坏了有一周了"
    ack = await say(client, "res-info", answer)
    assert number in ack and "补充" in ack, ack
    kinds = await history(client, number)
    assert kinds[-1] == ("info_received", ticket_texts.RESIDENT_ACTOR, answer)

    # Answered once: the next message is the bot's as usual (a status question here).
    status = await say(client, "res-info", "我的工单怎么样了")
    assert "补充" not in status and number in status
    assert [k for k, _, _ in await history(client, number)].count("info_received") == 1


async def test_a_photo_alone_answers_and_other_residents_are_not_caught(
    client: TestClient,
) -> None:
    await add_staff(client, SECRETARY, "secretary", f"community:{CHENGNAN}")
    number = (
        await report_until_filed(client, "res-photo", "锦园小区2号楼门口垃圾好几天没人清了")
    ).number
    await ask_for_more(client, number, "麻烦拍张照片给我们看看")

    # Somebody else's words are theirs: only the reporter's next message is attached.
    other = await say(client, "res-other", "你好")
    assert number not in other

    form = FormData()
    form.add_field("sender", "res-photo")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    form.add_field("file", png, filename="x.png", content_type="image/png")
    upload = await (await client.post("/webhooks/rest/upload", data=form)).json()
    ack = await say(
        client, "res-photo", "", attachments=[{"kind": "image", "url": upload["url"]}]
    )
    assert number in ack, ack
    view = await client.app[RUNTIME].tickets.get(number)
    assert view.history[-1].kind == "info_received"
    assert ("image", upload["url"]) in view.evidence


async def test_someone_in_danger_hears_the_number_first_while_staff_wait_for_an_answer(
    client: TestClient,
) -> None:
    """Staff wait for this resident's answer, and the resident's next words say someone is
    in danger: the emergency number comes first, before the acknowledgement; the words
    still reach the staff who asked."""
    await add_staff(client, SECRETARY, "secretary", f"community:{CHENGNAN}")
    number = (await report_until_filed(client, "res-danger", "锦园小区2号楼楼道灯坏了")).number
    await ask_for_more(client, number, "请问是几单元的楼道？")
    await pushed(client, "res-danger")

    for words, emergency in (("楼道里有人打架 都见血了 快报警", "110"), ("楼道里冒烟了", "119")):
        response = await client.post(
            "/webhooks/rest/webhook",
            json={"sender": "res-danger", "message": words,
                  "metadata": {"message_id": f"i-{next(_ids)}"}},
        )
        said = "\n".join(r["text"] for r in await response.json())
        assert said.splitlines()[0].count(emergency), said
        if words.startswith("楼道里有人打架"):  # the first answer of the two is attached
            assert said.index(emergency) < said.index("补充") < said.rindex(number), said
            kinds = await history(client, number)
            assert ("info_received", ticket_texts.RESIDENT_ACTOR, words) in kinds
