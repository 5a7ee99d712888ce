"""催办: a resident pressing for their ticket ("怎么还没人来", "你们处理得太慢了 我要投诉").

The urging goes onto the resident's open ticket (an event the handler sees, a reminder to
the handlers); it is never filed as a new ticket. With several open tickets the resident
picks one; with none open but one resolved and waiting for a rating, a complaint about the
handling is offered as 不满意 (reopen it) or a new report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.errors import InvalidTransition, TicketNotFound
from flows._context import ActionContext
from flows._registry import action

if TYPE_CHECKING:
    from bot.tickets.views import TicketView

_RESOLVED = "resolved"
_MAX_OFFERED = 5
# 不满意 on the ticket service's scale (see flows/_actions/satisfaction.py).
_UNSATISFIED = 1


def _values(view: TicketView) -> dict[str, object]:
    return {
        "number": view.number,
        "category": view.category_name_zh,
        "status": view.status_label_zh,
        "unit": view.responsible_unit,
        "deadline": view.deadline_text_zh,
    }


@action(
    "find_urge_ticket",
    sets=("urge_number", "urge_options", "urge_rate_number", "urge_rate_category", "urge_text"),
)
async def find_urge_ticket(ctx: ActionContext) -> None:
    """Which ticket the urging is about: the one whose number the resident gave, their only
    open ticket, a choice among several, or — none open — the latest resolved one waiting
    for a rating."""
    tickets = ctx.services.tickets
    channel, sender = ctx.message.channel, ctx.message.sender_id
    slots = ctx.slots
    slots["urge_text"] = ctx.text.strip()
    mine = await tickets.list_for_reporter(channel, sender, open_only=True)
    for number in ctx.turn.entities("ticket_number"):
        if any(view.number == number for view in mine):
            slots["urge_number"] = number
            return
    if len(mine) == 1:
        slots["urge_number"] = mine[0].number
        return
    if mine:
        slots["urge_options"] = [
            [f"{view.number} {view.category_name_zh}", view.number] for view in mine[:_MAX_OFFERED]
        ]
        return
    recent = await tickets.list_for_reporter(channel, sender, open_only=False, limit=5)
    rateable = next((v for v in recent if v.status == _RESOLVED and v.rating is None), None)
    if rateable is not None:
        slots["urge_rate_number"] = rateable.number
        slots["urge_rate_category"] = rateable.category_name_zh


@action("urge_ticket", sets=("urged",))
async def urge_ticket(ctx: ActionContext) -> None:
    """Record the urging on the ticket and tell the resident where it stands."""
    number = str(ctx.slots["urge_number"])
    channel, sender = ctx.message.channel, ctx.message.sender_id
    try:
        urged = await ctx.services.tickets.urge(
            number, channel, sender, str(ctx.slots.get("urge_text") or "")
        )
    except (TicketNotFound, InvalidTransition):
        # Finished (or not theirs) between the listing and the tap: say where it stands.
        ctx.slots["urged"] = False
        ctx.say("urge_not_open", {"number": number})
        return
    ctx.slots["urged"] = True
    view = urged.ticket
    ctx.say("urged" if view.deadline else "urged_no_deadline", _values(view))
    ctx.say("urge_reminded" if urged.staff_notified else "urge_reminded_recently")


@action("reopen_complained", sets=("urge_reopened",))
async def reopen_complained(ctx: ActionContext) -> None:
    """The complaint about a resolved ticket as 不满意: it is reopened with the resident's
    words as the reason."""
    number = str(ctx.slots["urge_rate_number"])
    comment = str(ctx.slots.get("urge_text") or "") or None
    try:
        view = await ctx.services.tickets.rate(number, _UNSATISFIED, comment)
    except InvalidTransition:
        ctx.slots["urge_reopened"] = False
        ctx.say("already_rated", {"number": number})
        return
    ctx.slots["urge_reopened"] = True
    ctx.say("rated_reopened", {"number": view.number, "deadline": view.deadline_text_zh})
