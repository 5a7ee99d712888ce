"""The action server answers the JSON Rasa sends to an action endpoint (next_action,
sender_id, tracker, domain, version) with the documented ``events`` and ``responses``."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app

TOKEN = "t0ken-for-rasa"
URL = f"/webhooks/rasa/actions?token={TOKEN}"
DOMAIN = {"intents": ["report_lighting"], "slots": {}, "responses": {}, "forms": {}}


def rasa_call(
    action: str,
    sender: str = "rasa-r1",
    *,
    slots: dict[str, Any] | None = None,
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
    intent: str = "report_lighting",
    events: list[dict[str, Any]] | None = None,
    message_id: str = "m1",
) -> dict[str, Any]:
    """The body Rasa 3.x POSTs to an action endpoint."""
    return {
        "next_action": action,
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "conversation_id": sender,
            "slots": slots or {},
            "latest_message": {
                "text": text,
                "message_id": message_id,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": entities or [],
                "intent_ranking": [{"name": intent, "confidence": 0.9}],
            },
            "latest_event_time": 1700000000.0,
            "followup_action": None,
            "paused": False,
            "events": events or [],
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
        "domain": DOMAIN,
        "version": "3.6.20",
    }


@pytest.fixture
async def client(make_settings: Any, aiohttp_client: Any) -> TestClient:
    app = create_app(make_settings(rasa_actions_token=TOKEN), background=False)
    return await aiohttp_client(app)


def _slots(answer: dict[str, Any]) -> dict[str, Any]:
    assert all(e["event"] == "slot" for e in answer["events"])
    return {e["name"]: e["value"] for e in answer["events"]}


async def test_file_a_ticket_then_look_it_up(client: TestClient) -> None:
    resolved = await client.post(
        URL, json=rasa_call("action_resolve_address", text="城南社区锦园小区2号楼")
    )
    assert resolved.status == 200
    body = await resolved.json()
    assert set(body) == {"events", "responses"}
    building = _slots(body)["building_code"]
    assert building and body["responses"][0]["text"]

    slots = {"building_code": building, "description": "楼道灯坏了，晚上很黑"}
    filed = await client.post(URL, json=rasa_call("action_file_ticket", slots=slots))
    assert filed.status == 200
    answer = await filed.json()
    number = _slots(answer)["ticket_number"]
    assert number in answer["responses"][0]["text"]
    # Rasa retrying the same message files nothing new.
    again = await (await client.post(URL, json=rasa_call("action_file_ticket", slots=slots))).json()
    assert _slots(again)["ticket_number"] == number

    status = await client.post(
        URL,
        json=rasa_call(
            "action_ticket_status",
            entities=[{"entity": "ticket_number", "value": number, "start": 0, "end": 13}],
        ),
    )
    assert number in (await status.json())["responses"][0]["text"]
    # Someone else asking for that number learns nothing about it.
    other = await client.post(
        URL, json=rasa_call("action_ticket_status", "rasa-r2", slots={"ticket_number": number})
    )
    assert "没有查到" in (await other.json())["responses"][0]["text"]


async def test_contact_secretary_and_unknown_address(client: TestClient) -> None:
    answer = await (
        await client.post(
            URL,
            json=rasa_call(
                "action_contact_secretary",
                slots={"address": "城南社区锦园小区2号楼"},
            ),
        )
    ).json()
    assert "书记" in answer["responses"][-1]["text"]
    unknown = await (
        await client.post(URL, json=rasa_call("action_resolve_address", text="火星基地"))
    ).json()
    assert unknown["events"] == [] and unknown["responses"][0]["text"]


async def test_validate_report_form_returns_slot_events(client: TestClient) -> None:
    events = [
        {"event": "user", "text": "earlier"},
        {"event": "slot", "name": "category", "value": "report_lighting"},
        {"event": "slot", "name": "description", "value": "灯"},
        {"event": "slot", "name": "address", "value": "城南社区锦园小区2号楼"},
        {"event": "slot", "name": "category", "value": "not_a_category"},
    ]
    # Only slots set since the latest user message are validated; the latest value counts.
    body = rasa_call("validate_report_form", events=events[:4])
    answer = await (await client.post(URL, json=body)).json()
    slots = _slots(answer)
    assert slots["category"] == "report_lighting"
    assert slots["description"] is None
    assert slots["building_code"]
    bad = await (
        await client.post(
            URL, json=rasa_call("validate_report_form", events=events[:1] + events[4:])
        )
    ).json()
    assert _slots(bad) == {"category": None} and bad["responses"]


async def test_protocol_errors(client: TestClient) -> None:
    unknown = await client.post(URL, json=rasa_call("action_nope"))
    assert unknown.status == 404
    assert (await unknown.json())["action_name"] == "action_nope"
    assert (await client.post(URL, json={"tracker": {}})).status == 400
    no_token = await client.post("/webhooks/rasa/actions", json=rasa_call("action_ticket_status"))
    assert no_token.status == 401
    listing = await (await client.get(URL)).json()
    assert {"name": "validate_report_form"} in listing
