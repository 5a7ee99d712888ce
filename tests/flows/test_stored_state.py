"""Conversations stored before a trainer changed the flows keep working.

The dialogue state outlives a deployment (24 hours in Redis). A frame naming a flow, step or
response that no longer exists used to raise KeyError on every later message of that
resident (a 500 on the web channel); it is now dropped with a polite word.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.messages import InboundMessage
from bot.runtime import Runtime


def _state(**frame: Any) -> dict[str, Any]:
    base = {
        "flow": "report_issue", "step": "evidence", "slots": {}, "waiting": True, "asks": 1,
        "variant": 0, "prompt": None, "id": "f1", "started_at": "2026-11-21T12:00:00",
    }
    base.update(frame)
    return {
        "v": 1, "updated_at": None, "handoff": False, "handoff_info": None, "misses": 0,
        "profile": {}, "stack": [base],
    }


@pytest.mark.parametrize(
    "frame",
    [
        {"flow": "renamed_flow"},
        {"step": "renamed_step"},
        {"prompt": {"response": "removed_response", "vars": {}, "choices": []}},
    ],
)
async def test_a_frame_the_flows_no_longer_know_is_dropped(
    make_settings: Any, frame: dict[str, Any]
) -> None:
    runtime = await Runtime.start(make_settings(), background=False)
    try:
        await runtime.store.set("conv:web:old", _state(**frame), ttl=3600)
        replies = await runtime.engine.handle(
            InboundMessage(channel="web", sender_id="old", text="文苑公寓3号楼电梯坏了",
                           message_id="m1")
        )
        keys = [k for r in replies for k in r.custom.get("responses", [])]
        assert keys[0] == "conversation_reset"
        assert "ask_evidence" in keys  # the new message is handled as usual
        state = await runtime.engine.state_of("web:old")
        assert state is not None
        assert [f["flow"] for f in state["stack"]] == ["report_issue"]
    finally:
        await runtime.stop()


async def test_a_stored_state_that_is_not_a_mapping_starts_afresh(make_settings: Any) -> None:
    runtime = await Runtime.start(make_settings(), background=False)
    try:
        await runtime.store.set("conv:web:odd", ["not", "a", "state"], ttl=3600)  # type: ignore[arg-type]
        replies = await runtime.engine.handle(
            InboundMessage(channel="web", sender_id="odd", text="你好", message_id="m1")
        )
        assert [k for r in replies for k in r.custom.get("responses", [])] == ["greet"]
    finally:
        await runtime.stop()
