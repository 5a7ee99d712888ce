"""Who to call: the community secretary, the grid worker and the community police officer
of the resident's building, each one tap away (a tel: link)."""

from __future__ import annotations

from flows._addressing import (
    ADDRESS_SLOTS,
    building_values,
    known_building,
    mentions_place,
    remember_building,
    resolve_near_home,
    route_of,
)
from flows._context import ActionContext
from flows._registry import action

ROLES = ("secretary", "grid_worker", "police")


async def _building_of(ctx: ActionContext) -> str | None:
    code = ctx.slots.get("building_code")
    if code:
        return str(code)
    known = known_building(ctx.turn)
    if known is not None:
        return known[0]
    # The building of the resident's latest ticket is the best guess left.
    mine = await ctx.services.tickets.list_for_reporter(
        ctx.message.channel, ctx.message.sender_id, open_only=False, limit=5
    )
    return next((t.building_code for t in mine if t.building_code), None)


@action("find_building", sets=ADDRESS_SLOTS)
async def find_building(ctx: ActionContext) -> None:
    """The building this conversation or the resident's tickets already know, if any."""
    if ctx.slots.get("building_code"):
        return
    code = await _building_of(ctx)
    if code:
        values = building_values(ctx.turn, code)
        if values is not None:
            ctx.slots.update(values)


@action("list_contacts", sets=("contacts_shown",))
async def list_contacts(ctx: ActionContext) -> None:
    """One message per person in charge, with a tel: link."""
    route = route_of(ctx.turn, ctx.slots.get("building_code"), ctx.slots.get("grid_code"))
    shown = 0
    if route is not None:
        ctx.say(
            "contacts_intro",
            {"address": ctx.slots.get("address") or "", "community": route.community.name},
        )
        for role in ROLES:
            contact = route.contact(role)
            if contact is None:
                continue
            ctx.say(
                f"contact_{role}",
                {"name": contact.name, "phone": contact.phone, "community": route.community.name,
                 "grid": route.grid.name},
                link=f"tel:{contact.phone}",
                custom={"contact": {"role": role, "name": contact.name, "phone": contact.phone}},
            )
            shown += 1
    if not shown:
        ctx.say("no_contacts")
    ctx.slots["contacts_shown"] = shown


@action("note_place", sets=("place_noted",))
async def note_place(ctx: ActionContext) -> None:
    """A place said with nothing going on ("我们是盛世名居5号楼的"): a building is remembered
    for the next report or "找书记"; a compound alone is only acknowledged."""
    turn = ctx.turn
    ctx.slots["place_noted"] = None
    if not turn.text or not mentions_place(ctx):
        return
    book = ctx.services.addresses
    resolution = resolve_near_home(turn, turn.text)
    if resolution.status == "resolved" and resolution.building_code:
        values = building_values(turn, resolution.building_code, resolution.unit, resolution.room)
        if values is not None:
            remember_building(turn, values["building_code"], stated=True)
            ctx.slots["place_noted"] = values["address"]
        return
    if resolution.status == "need_building" and resolution.question_choices:
        first = book.building(resolution.question_choices[0][0])
        if first is not None and first.compound_name:
            ctx.slots["place_noted"] = first.compound_name
