"""Handing a conversation to a person (bot.handoff keeps the record; staff answer through
it) and filing what the resident told them when nobody answered in time."""

from __future__ import annotations

from flows._context import ActionContext
from flows._handoff import announce
from flows._registry import action

_MIN_DESCRIPTION_CHARS = 4


@action("request_handoff", sets=("handoff_reason",))
async def request_handoff(ctx: ActionContext) -> None:
    """Open the handoff (durable, through the handoff service) and tell the resident a
    person was asked, when people are on duty and how to go back to the bot."""
    reason = str(ctx.slots.get("handoff_reason") or ctx.frame.flow)
    await ctx.request_handoff(reason)
    announce(ctx.turn)


@action("prefill_from_handoff", sets=("description", "prefilled"))
async def prefill_from_handoff(ctx: ActionContext) -> None:
    """After a time-out the resident chose to file the matter: what they told the staff
    while waiting becomes the report's description (they need not say it again)."""
    ctx.slots["prefilled"] = True
    service = ctx.services.handoff
    if service is None:
        return
    latest = await service.latest(ctx.message.conversation_id)
    if latest is None:
        return
    # Short lines are "你好" / "有人吗" / "在吗", not the matter itself.
    said = [
        line.text.strip()
        for line in latest.resident_lines
        if len(line.text.strip()) >= _MIN_DESCRIPTION_CHARS
    ]
    text = "；".join(said)
    if len(text) >= _MIN_DESCRIPTION_CHARS:
        ctx.slots["description"] = text
