"""Rating a resolved ticket: 满意 / 基本满意 / 不满意 (which reopens it with the comment)."""

from __future__ import annotations

from bot.errors import InvalidTransition, TicketNotFound
from flows._context import ActionContext
from flows._registry import action

_RESOLVED = "resolved"
# The ticket service's scale: 满意 5, 基本满意 3, 不满意 1; below 3 reopens.
REOPEN_BELOW = 3
_UNSATISFIED_INTENT = "rate_unsatisfied"


@action("find_rating_ticket", sets=("rate_number", "rate_category", "rate_urges"))
async def find_rating_ticket(ctx: ActionContext) -> None:
    """The ticket being rated: the number in the message, else the resident's latest
    resolved ticket that has no rating yet. A complaint ("处理得太慢了") with nothing to
    rate but a ticket still open is an urging of that ticket (``rate_urges``)."""
    tickets = ctx.services.tickets
    numbers = ctx.turn.entities("ticket_number")
    view = None
    if numbers:
        try:
            view = await tickets.get(numbers[0])
        except TicketNotFound:
            view = None
        if view is not None and (
            view.status != _RESOLVED
            or not await tickets.is_party(view.number, ctx.message.channel, ctx.message.sender_id)
        ):
            view = None
    else:
        mine = await tickets.list_for_reporter(
            ctx.message.channel, ctx.message.sender_id, open_only=False, limit=20
        )
        view = next((t for t in mine if t.status == _RESOLVED and t.rating is None), None)
    if view is None:
        ctx.slots["rate_number"] = None
        if ctx.turn.intent == _UNSATISFIED_INTENT and await tickets.list_for_reporter(
            ctx.message.channel, ctx.message.sender_id, open_only=True, limit=1
        ):
            ctx.slots["rate_urges"] = True
            return
        ctx.say("nothing_to_rate")
        return
    ctx.slots["rate_number"] = view.number
    ctx.slots["rate_category"] = view.category_name_zh


@action("rate_ticket", sets=("rated",))
async def rate_ticket(ctx: ActionContext) -> None:
    """Record the rating; 不满意 reopens the ticket with the comment as the reason."""
    number = ctx.slots["rate_number"]
    rating = int(ctx.slots["rating"])
    comment = (ctx.slots.get("rate_comment") or "").strip() or None
    try:
        view = await ctx.services.tickets.rate(number, rating, comment)
    except InvalidTransition:
        ctx.slots["rated"] = False
        ctx.say("already_rated", {"number": number})
        return
    ctx.slots["rated"] = True
    if rating < REOPEN_BELOW:
        ctx.say("rated_reopened", {"number": view.number, "deadline": view.deadline_text_zh})
    else:
        ctx.say("rated_thanks", {"number": view.number})
