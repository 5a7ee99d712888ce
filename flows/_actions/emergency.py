"""Actions of the emergency flow: the lift company's rescue line, and the red ticket.

The emergency numbers themselves were said before the flow started (flows/_emergency.py):
nothing here may come before them.
"""

from __future__ import annotations

import logging

from bot.tickets import TicketDraft, Urgency
from flows._addressing import remember_building, route_of
from flows._context import ActionContext
from flows._registry import action

log = logging.getLogger(__name__)

LIFT_RESCUE_ROLE = "lift_rescue"


@action("say_lift_rescue", sets=("lift_rescue_said",))
async def say_lift_rescue(ctx: ActionContext) -> None:
    """Someone trapped in a lift of a building whose compound's lift company the registry
    knows: its rescue line too (once)."""
    slots = ctx.slots
    if not slots.get("danger_lift") or slots.get("lift_rescue_said"):
        return
    route = route_of(ctx.turn, slots.get("building_code"), None)
    contact = route.contact(LIFT_RESCUE_ROLE) if route is not None else None
    if contact is None:
        return
    slots["lift_rescue_said"] = True
    ctx.say(
        "danger_lift_rescue",
        {"company": contact.name, "phone": contact.phone},
        link=f"tel:{contact.phone}",
    )


@action("file_emergency", sets=("ticket_number",))
async def file_emergency(ctx: ActionContext) -> None:
    """File the emergency as a red ticket (shortest time limit, handlers told at once) —
    no photo, phone or confirmation asked while someone is in danger."""
    slots, message = ctx.slots, ctx.message
    draft = TicketDraft(
        category=slots["category"],
        description=slots.get("description") or ctx.text or "",
        reporter_channel=message.channel,
        reporter_id=message.sender_id,
        building_code=slots.get("building_code"),
        unit=slots.get("unit"),
        room=slots.get("room"),
        landmark=slots.get("landmark"),
        lat=slots.get("lat"),
        lng=slots.get("lng"),
        reporter_phone=slots.get("phone") or message.phone or None,
        evidence=[(str(kind), str(url)) for kind, url in slots.get("evidence") or []],
        source_message_id=message.message_id or f"{message.conversation_id}:{ctx.frame.id}",
        urgency=Urgency.RED,
    )
    view = await ctx.services.tickets.file(draft)
    slots["ticket_number"] = view.number
    ctx.profile["emergency"] = {
        "number": view.number,
        "kind": slots.get("danger"),
        "at": ctx.turn.now.isoformat(),
    }
    if view.building_code and ctx.profile.get("building_code") != view.building_code:
        remember_building(ctx.turn, view.building_code)
    grid = view.grid_name or view.community_name or ""
    ctx.say(
        "emergency_filed",
        {"number": view.number, "grid": grid, "deadline": view.deadline_text_zh},
    )
    log.info("emergency flow filed red ticket %s (%s)", view.number, slots.get("danger"))
