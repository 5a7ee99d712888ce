"""The bot's side of a handoff (转人工): what it says when a person is asked, and what it
does with the resident's messages while they wait. It is never silent.

While a handoff is open (``state["handoff"]``, a cache of the record in
:mod:`bot.handoff`), each message is, in this order:

1. the record is gone (a person closed it, nobody answered in time, or the cache outlived
   it): the conversation is the bot's again and the message is handled normally;
2. "返回机器人" / "结束人工" (button ``back_to_bot``): the resident ends the wait; the bot says
   so and resumes whatever it was asking before;
3. someone in danger (flows/_emergency.py) or an urgent demand (a catalog category marked
   urgent, e.g. a gas smell): kept on the record for the staff, the wait ends and the bot
   handles it at once — safety first;
4. a status question (我的工单怎么样了, a ticket number): kept on the record and answered by
   the bot, with a line saying the person is still coming;
5. anything else (你好, 有人吗, details, photos): kept on the record for the person, and
   acknowledged briefly.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from bot.tickets import Urgency
from flows._emergency import danger_of

if TYPE_CHECKING:
    from flows._context import Turn

BACK_TO_BOT = "back_to_bot"
STATUS_INTENT = "query_status"
# Responses this module says; every deployment's responses.yml must have them.
REQUIRED_RESPONSES = (
    "handoff_started",
    "handoff_on_duty",
    "handoff_off_duty",
    "handoff_how_to_leave",
    "handoff_waiting",
    "handoff_left",
    "handoff_urgent",
    "handoff_still_waiting",
)


class During(Enum):
    """What became of a message that arrived while a handoff was open."""

    RELEASED = "released"  # the handoff had ended: handle the message normally
    ACKNOWLEDGED = "acknowledged"  # recorded for the person, acknowledged: nothing more
    LEFT = "left"  # the resident went back to the bot: resume what was asked before
    URGENT = "urgent"  # the wait ended for an urgent matter: handle the message normally
    STATUS = "status"  # recorded, and the bot answers the status question meanwhile


def announce(turn: Turn) -> None:
    """A person was asked: say so, when people are on duty, and how to go back."""
    service = turn.services.handoff
    turn.say("handoff_started")
    if service is not None:
        hours = service.duty.describe()
        if service.duty.on_duty(turn.now):
            turn.say("handoff_on_duty", {"hours": hours})
        else:
            start = service.duty.when(service.duty.next_start(turn.now), turn.now)
            turn.say("handoff_off_duty", {"hours": hours, "next": start})
        minutes = max(1, round(service.timeout.total_seconds() / 60))
    else:
        minutes = 10
    turn.say("handoff_how_to_leave", {"minutes": minutes})


def release(turn: Turn) -> None:
    """The conversation is the bot's again (same change as ``flows.end_handoff``)."""
    turn.state["handoff"] = False
    turn.state["handoff_info"] = None
    turn.state["misses"] = 0


async def during_handoff(turn: Turn) -> During:
    """Handle a message that arrived while a handoff is open (see the module docstring)."""
    service = turn.services.handoff
    view = await service.current(turn.message.conversation_id) if service is not None else None
    if service is None or view is None:
        release(turn)
        return During.RELEASED
    if turn.text and turn.responses.after_button(BACK_TO_BOT, turn.text) is not None:
        await service.leave(view.id, by="resident")
        release(turn)
        turn.say("handoff_left")
        return During.LEFT
    attachments = [a.url for a in turn.message.attachments]
    await service.append_resident_message(view.id, turn.text, attachments)
    if danger_of(turn) is not None:
        # Someone in danger: the emergency numbers come first (the bot's safety layer).
        await service.leave(view.id, by="urgent")
        release(turn)
        return During.URGENT
    if _urgent(turn):
        await service.leave(view.id, by="urgent")
        release(turn)
        turn.say("handoff_urgent")
        return During.URGENT
    if turn.intent == STATUS_INTENT or turn.entities("ticket_number"):
        return During.STATUS
    turn.say("handoff_waiting")
    return During.ACKNOWLEDGED


def _urgent(turn: Turn) -> bool:
    demand = turn.demand()
    if demand is None:
        return False
    category, confidence = demand
    if confidence < turn.services.settings.flow_category_confirm_threshold:
        return False
    catalog = turn.services.catalog
    return catalog.has(category) and catalog.item(category).urgency is not Urgency.NORMAL
