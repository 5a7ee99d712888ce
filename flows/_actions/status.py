"""Actions of the status query: one ticket by number, or the resident's own tickets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import TicketNotFound
from flows._context import ActionContext
from flows._registry import action

if TYPE_CHECKING:
    from bot.tickets.views import TicketView

_MAX_LISTED = 5


def _status_values(view: TicketView) -> dict[str, object]:
    return {
        "number": view.number,
        "category": view.category_name_zh,
        "status": view.status_label_zh,
        "unit": view.responsible_unit,
        "deadline": view.deadline_text_zh,
        "note": view.status_note or "",
    }


def say_status(ctx: ActionContext, view: TicketView) -> None:
    """One of the resident's own (or followed) tickets: its status, unit, deadline and the
    staff's latest note."""
    key = "ticket_status_open" if view.is_open else "ticket_status_done"
    ctx.say(key, _status_values(view))
    if view.status_note:
        ctx.say("ticket_status_note", {"note": view.status_note})


@action("lookup_status", sets=("status_found", "status_number"))
async def lookup_status(ctx: ActionContext) -> None:
    """By the ticket number in the message, else the resident's open tickets (or, if none
    is open, the latest one)."""
    tickets = ctx.services.tickets
    numbers = ctx.turn.entities("ticket_number") or (
        [ctx.slots["status_number"]] if ctx.slots.get("status_number") else []
    )
    if numbers:
        try:
            view = await tickets.get(numbers[0])
        except TicketNotFound:
            ctx.slots["status_found"] = False
            ctx.say("ticket_not_found", {"number": numbers[0]})
            return
        ctx.slots["status_found"] = True
        channel, sender = ctx.message.channel, ctx.message.sender_id
        if await tickets.is_party(view.number, channel, sender):
            say_status(ctx, view)
        else:
            # Numbers are easy to guess: a stranger learns whether the ticket is open, and
            # nothing of what it is about, where, or what the staff wrote.
            ctx.say("ticket_status_public", {"number": view.number, "status": view.status_label_zh})
        return
    channel, sender = ctx.message.channel, ctx.message.sender_id
    # One query: the open tickets, or (none open) the latest one first.
    listed = await tickets.list_for_reporter(channel, sender, open_only=False, open_first=True)
    mine = [view for view in listed if view.is_open]
    if not mine:
        recent = listed[:1]
        if not recent:
            ctx.slots["status_found"] = False
            ctx.say("no_tickets")
            return
        ctx.slots["status_found"] = True
        ctx.say("no_open_tickets")
        say_status(ctx, recent[0])
        return
    ctx.slots["status_found"] = True
    if len(mine) == 1:
        say_status(ctx, mine[0])
        return
    lines = [
        ctx.turn.responses.render("ticket_list_line", _status_values(view), variant=0)
        for view in mine[:_MAX_LISTED]
    ]
    ctx.say("ticket_list", {"count": len(mine), "lines": "\n".join(lines)})
