"""When the NLU is unsure: answer from the knowledge file, offer the likeliest demand
categories, or admit it did not understand (twice in a row: offer a person)."""

from __future__ import annotations

from flows._actions.questions import ANSWER_THRESHOLD
from flows._context import ActionContext
from flows._registry import action
from flows._validators import category_options, strip_entities

MISSES_BEFORE_HUMAN = 2


@action(
    "handle_fallback",
    sets=("knowledge_id", "category_options", "description", "too_many_misses"),
)
async def handle_fallback(ctx: ActionContext) -> None:
    """Decide what an unclear message most likely is (see the fallback flow's branches)."""
    turn, slots = ctx.turn, ctx.slots
    found = ctx.services.knowledge.answer(turn.text) if turn.text else None
    if found is not None and found.score >= ANSWER_THRESHOLD:
        slots["knowledge_id"] = found.id
        turn.state["misses"] = 0
        ctx.say("knowledge_answer", {"title": found.title, "answer": found.text})
        return
    options = category_options(ctx)
    if options:
        slots["category_options"] = options
        slots["description"] = strip_entities(ctx, ("phone",)) or None
        turn.state["misses"] = 0
        return
    misses = int(turn.state.get("misses") or 0) + 1
    turn.state["misses"] = 0 if misses >= MISSES_BEFORE_HUMAN else misses
    slots["too_many_misses"] = misses >= MISSES_BEFORE_HUMAN
