"""The life-safety layer: a message that says someone is in danger is answered with the
emergency numbers before anything else, then filed as a red ticket (flows/emergency.yml).

It runs ahead of every flow, also in the middle of one (a report being filled, a status
question, a handoff wait): no question comes before the numbers, and no category quiz
while someone is in danger. A report the resident was filling about the same thing is
taken over (its address and description are kept); a report about something else is put
aside and taken up again after the emergency is filed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from flows._addressing import ADDRESS_SLOTS
from flows._danger import Danger, detect
from flows._state import parse_time

if TYPE_CHECKING:
    from flows._context import Turn
    from flows._interpreter import Interpreter

EMERGENCY_FLOW = "emergency"
REPORT_FLOW = "report_issue"
# Within this time a second danger message of the same conversation is the same emergency:
# the numbers again and the ticket already filed, not a second ticket.
SAME_EMERGENCY = timedelta(hours=2)
REQUIRED_RESPONSES = (
    "danger_call_110",
    "danger_call_119",
    "danger_call_120",
    "emergency_already_filed",
)


def danger_of(turn: Turn) -> Danger | None:
    """The danger this message announces now (its words, with the NLU's reading)."""
    if not turn.text:
        return None
    intent = turn.parse.intent.name if turn.parse is not None else None
    key = (turn.text, intent)
    if turn.danger_read is None or turn.danger_read[0] != key:
        turn.danger_read = (key, detect(turn.text, intent))
    return turn.danger_read[1]


def say_numbers(turn: Turn, danger: Danger, *, group: bool = False) -> None:
    """The first answer: who to call, before any question."""
    turn.say(f"danger_{danger.kind}", group=group)
    first = turn.responses.render(f"danger_{danger.kind}", {}, variant=0)
    for number in danger.numbers:
        if number not in first:
            turn.say(f"danger_call_{number}", group=group)


async def handle_danger(interpreter: Interpreter, turn: Turn) -> bool:
    """Answer a message that says someone is in danger; False when it does not."""
    danger = danger_of(turn)
    if danger is None:
        return False
    top = interpreter.top(turn)
    if top is not None and top.flow == EMERGENCY_FLOW:
        # Already on it (the address is being asked): the numbers again, then the answer.
        say_numbers(turn, danger)
        return False
    say_numbers(turn, danger)
    filed = _recent_emergency(turn, danger)
    if filed is not None:
        turn.say("emergency_already_filed", {"number": filed})
        return True
    slots = _take_over(interpreter, turn, danger)
    await interpreter.start(turn, EMERGENCY_FLOW, slots)
    return True


def _recent_emergency(turn: Turn, danger: Danger) -> str | None:
    filed = turn.profile.get("emergency")
    if not isinstance(filed, dict) or filed.get("kind") != danger.kind:
        return None
    at = parse_time(filed.get("at"))
    if at is None or turn.now - at > SAME_EMERGENCY:
        return None
    return str(filed.get("number") or "") or None


def _take_over(interpreter: Interpreter, turn: Turn, danger: Danger) -> dict[str, Any]:
    """The emergency frame's first slots; a report in progress is taken over or put aside."""
    slots: dict[str, Any] = {
        "category": danger.category,
        "description": turn.text,
        "danger": danger.kind,
        "danger_lift": danger.lift,
        "prefilled": True,
    }
    stack = interpreter.stack(turn)
    kept: list[dict[str, Any]] = []
    for data in stack:
        if data.get("flow") != REPORT_FLOW:
            continue  # a status question or a contact list: not needed any more
        old = data.get("slots") or {}
        for slot in ADDRESS_SLOTS:
            if old.get(slot) is not None:
                slots.setdefault(slot, old[slot])
        if old.get("phone"):
            slots.setdefault("phone", old["phone"])
        if old.get("category") in (None, danger.category):
            if old.get("description"):
                slots["description"] = f"{old['description']}；{turn.text}"
        else:
            kept.append(_fresh(data, interpreter.flows[REPORT_FLOW].steps[0].id))
    stack.clear()
    if kept:
        later: list[dict[str, Any]] = turn.state.setdefault("later", [])
        later[:0] = kept
    return slots


def _fresh(data: dict[str, Any], first_step: str) -> dict[str, Any]:
    """A report put aside, to start over from its first step (answered questions skip)."""
    flow_slots = {k: v for k, v in (data.get("slots") or {}).items() if v is not None}
    frame = dict(data)
    frame["slots"] = flow_slots
    frame["step"] = first_step
    frame["waiting"] = False
    frame["prompt"] = None
    frame.pop("pending_prompt", None)
    return frame
