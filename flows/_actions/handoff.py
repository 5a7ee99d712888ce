"""Handing a conversation to a person (the secretary console answers; the bot stays quiet)."""

from __future__ import annotations

from flows._context import ActionContext
from flows._registry import action


@action("request_handoff", sets=("handoff_reason",))
async def request_handoff(ctx: ActionContext) -> None:
    """Set ``state["handoff"]`` with the reason; the engine keeps passing messages, which
    the dialogue manager records for the console instead of answering."""
    reason = str(ctx.slots.get("handoff_reason") or ctx.frame.flow)
    ctx.say("handoff_started")
    ctx.request_handoff(reason)
