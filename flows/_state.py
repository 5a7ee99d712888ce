"""The conversation state: a JSON-serialisable dict the engine stores per conversation.

::

    {
      "v": 1,
      "updated_at": "2026-11-21T12:00:00",   # naive UTC; older than the TTL = stale
      "handoff": false,                      # cache: a person is on this conversation
      "handoff_info": {"id": ..., "reason": ..., "since": ...},   # the record: bot.handoff
      "misses": 0,                           # misunderstandings in a row
      "profile": {"building_code": ...},     # what we learnt about the resident
      "stack": [ {frame}, ... ]              # running flows; the last one is answering
    }

A frame is one running flow::

    {"flow": "report_issue", "step": "address", "slots": {...}, "waiting": true,
     "asks": 1, "variant": 0, "prompt": null, "id": "...", "started_at": "..."}

Only this package reads or writes the state; :class:`Frame` is a typed view over a frame dict
(it mutates the dict in place, so the state stays the single source of truth).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

STATE_VERSION = 1
MAX_STACK = 4


def new_state() -> dict[str, Any]:
    return {
        "v": STATE_VERSION,
        "updated_at": None,
        "handoff": False,
        "handoff_info": None,
        "misses": 0,
        "profile": {},
        "stack": [],
    }


def normalize(state: dict[str, Any] | None) -> dict[str, Any]:
    """A deep copy of ``state`` with every key present (older or foreign states are reset)."""
    import copy

    if not isinstance(state, dict) or state.get("v") != STATE_VERSION:
        return new_state()  # absent, from an older version, or not ours
    result = new_state()
    result.update(copy.deepcopy(state))
    if not isinstance(result.get("stack"), list):
        result["stack"] = []
    if not isinstance(result.get("profile"), dict):
        result["profile"] = {}
    return result


def end_handoff(state: dict[str, Any]) -> dict[str, Any]:
    """The state after a person hands the conversation back to the bot.

    The handoff service applies it under the conversation's lock (``Engine.update_state``)
    when a person closes the handoff or nobody answered in time; what the resident said
    meanwhile is on the handoff record. The flow that was running when the person took
    over resumes with the next message.
    """
    result = normalize(state)
    result["handoff"] = False
    result["handoff_info"] = None
    result["misses"] = 0
    return result


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class Frame:
    """A typed view over one frame dict of ``state["stack"]``."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    def new(
        cls, flow: str, first_step: str, now: datetime, slots: dict[str, Any] | None = None
    ) -> Frame:
        return cls(
            {
                "flow": flow,
                "step": first_step,
                "slots": dict(slots or {}),
                "waiting": False,
                "asks": 0,
                "variant": None,
                "prompt": None,
                "id": uuid.uuid4().hex[:12],
                "started_at": now.isoformat(),
            }
        )

    @property
    def flow(self) -> str:
        return str(self.data["flow"])

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))

    @property
    def step(self) -> str:
        return str(self.data["step"])

    @step.setter
    def step(self, value: str) -> None:
        self.data["step"] = value
        self.data["asks"] = 0
        self.data["variant"] = None
        self.data["prompt"] = None
        self.data["waiting"] = False

    @property
    def slots(self) -> dict[str, Any]:
        slots: dict[str, Any] = self.data.setdefault("slots", {})
        return slots

    def filled(self, slot: str) -> bool:
        """A slot counts as filled once it holds anything but ``None`` ('' and [] are answers)."""
        return self.slots.get(slot) is not None

    @property
    def waiting(self) -> bool:
        return bool(self.data.get("waiting"))

    @waiting.setter
    def waiting(self, value: bool) -> None:
        self.data["waiting"] = value

    @property
    def asks(self) -> int:
        return int(self.data.get("asks") or 0)

    @asks.setter
    def asks(self, value: int) -> None:
        self.data["asks"] = value

    @property
    def variant(self) -> int | None:
        value = self.data.get("variant")
        return int(value) if value is not None else None

    @variant.setter
    def variant(self, value: int | None) -> None:
        self.data["variant"] = value

    @property
    def prompt(self) -> dict[str, Any] | None:
        """A follow-up question a validator asked instead of the step's own (which building?)."""
        return self.data.get("prompt")

    @prompt.setter
    def prompt(self, value: dict[str, Any] | None) -> None:
        self.data["prompt"] = value
