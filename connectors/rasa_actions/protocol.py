"""Rasa's action-server protocol, as rasa-sdk speaks it (no rasa-sdk needed).

Rasa POSTs ``{"next_action", "sender_id", "tracker", "domain", "version"}``; the server
answers ``{"events": [...], "responses": [...]}``. An action it does not know is 404
``{"error", "action_name"}``; an action that refuses to run (a form validation that cannot
validate) is 400 with the same body, which makes Rasa predict another action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ActionRejected(Exception):
    """The action cannot run on this tracker (rasa-sdk's ActionExecutionRejection)."""


@dataclass
class ActionCall:
    """One request from Rasa, with the tracker's useful parts typed."""

    action: str
    sender_id: str
    slots: dict[str, Any]
    latest: dict[str, Any]
    events: list[dict[str, Any]]
    domain: dict[str, Any]
    events_out: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_body(cls, body: Any) -> ActionCall:
        if not isinstance(body, dict) or not isinstance(body.get("next_action"), str):
            raise ValueError("next_action")
        tracker = body.get("tracker") or {}
        if not isinstance(tracker, dict):
            raise ValueError("tracker")
        sender = body.get("sender_id") or tracker.get("sender_id")
        if not isinstance(sender, str) or not sender:
            raise ValueError("sender_id")
        slots = tracker.get("slots") or {}
        latest = tracker.get("latest_message") or {}
        events = tracker.get("events") or []
        domain = body.get("domain") or {}
        if not (isinstance(slots, dict) and isinstance(latest, dict)):
            raise ValueError("tracker")
        if not (isinstance(events, list) and isinstance(domain, dict)):
            raise ValueError("tracker")
        return cls(body["next_action"], sender, slots, latest, events, domain)

    # ------------------------------------------------------------------ reading

    @property
    def text(self) -> str:
        value = self.latest.get("text")
        return value if isinstance(value, str) else ""

    @property
    def message_id(self) -> str | None:
        value = self.latest.get("message_id")
        return value if isinstance(value, str) and value else None

    def entity(self, name: str) -> str | None:
        for ent in self.latest.get("entities") or []:
            if isinstance(ent, dict) and ent.get("entity") == name and ent.get("value"):
                return str(ent["value"])
        return None

    def slot(self, name: str) -> str | None:
        value = self.slots.get(name)
        return None if value is None or value == "" else str(value)

    def slots_to_validate(self) -> dict[str, Any]:
        """Slots set since the resident's latest message (what rasa-sdk validates)."""
        changed: dict[str, Any] = {}
        for event in reversed(self.events):
            if not isinstance(event, dict):
                continue
            if event.get("event") == "user":
                break
            if event.get("event") == "slot" and isinstance(event.get("name"), str):
                changed.setdefault(event["name"], event.get("value"))
        return dict(reversed(list(changed.items())))

    # ------------------------------------------------------------------ answering

    def set_slot(self, name: str, value: Any) -> None:
        self.events_out.append({"event": "slot", "timestamp": None, "name": name, "value": value})

    def say(self, text: str, buttons: list[dict[str, str]] | None = None) -> None:
        response: dict[str, Any] = {"text": text}
        if buttons:
            response["buttons"] = buttons
        self.responses.append(response)

    def answer(self) -> dict[str, Any]:
        return {"events": self.events_out, "responses": self.responses}
