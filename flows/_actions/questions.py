"""Questions (咨询): answered from the knowledge file; a ticket only if the resident wants."""

from __future__ import annotations

from flows._context import ActionContext
from flows._registry import action
from flows._validators import strip_entities

# Below this a knowledge match is a guess; a guess is not an answer.
ANSWER_THRESHOLD = 0.7


@action("answer_question", sets=("knowledge_id", "category", "description"))
async def answer_question(ctx: ActionContext) -> None:
    """Say the written answer when the knowledge file has one; keep the question as a
    possible ticket (category and description) either way."""
    turn = ctx.turn
    slots = ctx.slots
    intent = turn.intent
    if intent is not None and ctx.services.catalog.has(intent):
        slots.setdefault("category", intent)
    text = strip_entities(ctx, ("phone",))
    if text and slots.get("description") is None:
        slots["description"] = text
    found = ctx.services.knowledge.answer(turn.text, intent=intent)
    if found is None or found.score < ANSWER_THRESHOLD:
        slots["knowledge_id"] = None
        return
    slots["knowledge_id"] = found.id
    ctx.say("knowledge_answer", {"title": found.title, "answer": found.text})


@action("answer_known_question", sets=("knowledge_id", "description"))
async def answer_known_question(ctx: ActionContext) -> None:
    """Answer from the knowledge file when it clearly has the answer, whatever the intent
    ("你们这个东西怎么用" is out of scope for the classifier, not for the knowledge file)."""
    text = ctx.turn.text
    found = ctx.services.knowledge.answer(text) if text else None
    if found is None or found.score < ANSWER_THRESHOLD:
        ctx.slots["knowledge_id"] = None
        return
    ctx.slots["knowledge_id"] = found.id
    ctx.slots["description"] = strip_entities(ctx, ("phone",)) or None
    ctx.say("knowledge_answer", {"title": found.title, "answer": found.text})
