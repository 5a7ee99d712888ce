"""Actions of the report flow: take what the first message says, check for duplicates,
summarise, and file the ticket."""

from __future__ import annotations

import logging
from typing import Any

from bot.addresses import distance_m
from bot.messages import MediaKind, client_key_of, is_verified
from bot.privacy import mask_phone
from bot.tickets import TicketDraft, TicketView, Urgency
from flows._addressing import (
    ADDRESS_SLOTS,
    building_values,
    known_building,
    locate_place,
    mentions_place,
    narrower_question,
    nearby_question,
    remember_building,
    resolve_near_home,
    route_of,
    take_stated_building,
)
from flows._clauses import matters
from flows._context import ActionContext, Filled, FollowUp
from flows._interpreter import MAX_LATER
from flows._registry import action
from flows._state import Frame
from flows._validators import category_options, describe_media, strip_entities

log = logging.getLogger(__name__)

_MIN_DESCRIPTION_CHARS = 4
# Two outdoor reports this close are about one spot (a crossing, a gate), farther apart two.
SAME_SPOT_METRES = 150.0


@action(
    "prefill_report",
    sets=("prefilled", "category", "category_options", "description", "phone", "evidence"),
)
async def prefill_report(ctx: ActionContext) -> None:
    """Fill what the first message already says: category (when the NLU is sure; otherwise
    the top categories as options), description, phone, photos and voice."""
    slots, turn = ctx.slots, ctx.turn
    slots["prefilled"] = True
    threshold = ctx.services.settings.flow_category_confirm_threshold
    _split_matters(ctx, threshold)
    demand = turn.demand()
    if slots.get("category") is None:
        if demand is not None and demand[1] >= threshold:
            slots["category"] = demand[0]
        elif not slots.get("category_options"):
            slots["category_options"] = category_options(ctx)
    text = strip_entities(ctx, ("phone",))
    if slots.get("description") is None and len(text) >= _MIN_DESCRIPTION_CHARS:
        slots["description"] = text
    if slots.get("phone") is None:
        numbers = turn.entities("phone")
        if numbers:
            slots["phone"] = numbers[0]
        elif ctx.message.phone:
            slots["phone"] = ctx.message.phone
    media = [[a.kind.value, a.url] for a in ctx.message.attachments]
    if media and not slots.get("evidence"):
        slots["evidence"] = media
        voice = [
            a.recognized_text
            for a in ctx.message.attachments
            if a.kind is MediaKind.VOICE and a.recognized_text
        ]
        if voice and slots.get("description") is None:
            slots["description"] = voice[0].strip()


def _split_matters(ctx: ActionContext, threshold: float) -> None:
    """"楼道灯坏了，而且门口垃圾好几天没人清": two matters. The first is this report; the
    others are noted and offered one by one right after it is filed (or cancelled)."""
    parse, slots, turn = ctx.services.parse, ctx.slots, ctx.turn
    if parse is None or not turn.text or slots.get("category") is not None:
        return
    words = turn.responses.words
    found = matters(
        turn.text, words("another_matter"), parse, ctx.services.catalog.has, threshold,
        remarks=words("same_matter"), not_before=words("not_another_matter"),
    )
    if len(found) == 1 and found[0].category:
        demand = turn.demand()
        if demand is None or demand[1] < threshold:
            # "楼道灯坏了。已经好几天了，物业也不管": the remark blurs the whole message,
            # the clause that reports the problem does not.
            slots["category"] = found[0].category
        return
    if len(found) < 2:
        return
    first, *others = found
    slots["category"] = first.category
    slots["description"] = first.text
    slots["category_options"] = None
    later: list[dict[str, Any]] = turn.state.setdefault("later", [])
    for other in others:
        frame = Frame.new(
            ctx.frame.flow,
            ctx.frame.step,
            turn.now,
            {"prefilled": True, "category": other.category, "description": other.text},
        )
        later.append(frame.data)
    del later[:-MAX_LATER]
    ctx.say("two_matters", {"first": first.text, "second": others[0].text})


@action("warn_if_urgent", sets=("urgent_warned",))
async def warn_if_urgent(ctx: ActionContext) -> None:
    """Gas, live wires, a collapsed road: before any question, tell the resident how to stay
    safe. Only for categories the catalog marks urgent and for which responses.yml has a
    tip (``urgent_<category>``): a water cut needs other advice than a gas smell. Said once
    per report."""
    category = ctx.slots.get("category")
    if not category or not ctx.services.catalog.has(str(category)):
        return
    if ctx.services.catalog.item(str(category)).urgency is Urgency.NORMAL:
        return
    key = f"urgent_{category}"
    if key not in ctx.turn.responses:
        return
    ctx.slots["urgent_warned"] = True
    ctx.say(key)


@action("resolve_address", sets=(*ADDRESS_SLOTS, "address_looked_up", "address_guessed"))
async def resolve_address(ctx: ActionContext) -> None:
    """The place from a QR scene, the message itself, or the building this conversation
    already knows. A compound without a building prepares the narrower question. Runs once
    per flow: after "修改地址" the resident is asked, not given the old guess again."""
    slots, turn = ctx.slots, ctx.turn
    if slots.get("address") is not None or slots.get("address_looked_up"):
        return
    slots["address_looked_up"] = True
    text = ctx.text
    if text and (mentions_place(ctx) or turn.services.addresses.locate(text) is not None):
        resolution = resolve_near_home(turn, text)
        if resolution.status == "resolved" and resolution.building_code:
            values = building_values(
                turn, resolution.building_code, resolution.unit, resolution.room
            )
            if values is not None:
                slots.update(values)
                remember_building(turn, values["building_code"])
                return
        # Not in a building: a crossing, a gate, a road ("世纪路和柳泉路路口红绿灯坏了").
        located = locate_place(ctx, text, resolution, "address")
        if isinstance(located, Filled):
            slots.update(located.values)
            return
        if isinstance(located, FollowUp):
            slots.update(located.values)
            ctx.prompt_next("address", located.response, located.variables, located.choices)
            return
        question = narrower_question(turn, text, resolution)
        if question is not None:
            key, variables, choices, keep = question
            slots.update(keep)
            ctx.prompt_next("address", key, variables, choices)
            return
    location = ctx.message.location
    if location is not None:
        key, variables, choices, keep = nearby_question(turn, location.lat, location.lng)
        slots.update(keep)
        ctx.prompt_next("address", key, variables, choices)
        return
    known = known_building(turn)
    if known is not None:
        code, scanned = known
        values = building_values(turn, code)
        if values is not None:
            slots.update(values)
            # Named for an earlier report: confirm it before filing another one there. Said
            # just before this report ("我住在长安新村12号楼", then the problem): taken.
            slots["address_guessed"] = not scanned and not take_stated_building(turn)


@action(
    "check_duplicates",
    sets=(
        "duplicate_number",
        "duplicate_count",
        "duplicate_status",
        "duplicate_address",
        "follow_duplicate",
    ),
)
async def check_duplicates(ctx: ActionContext) -> None:
    """An open ticket of the same category for the same building (or, for a problem
    outdoors, the same grid): offer to follow it instead of filing the same problem again.

    A problem in a building is the same problem only in that building: the garbage at
    锦园小区3号楼 is not the blocked drain at 佳园小区7号楼, although both are in one grid."""
    slots = ctx.slots
    category = slots.get("category")
    building, grid = slots.get("building_code"), slots.get("grid_code")
    found = None
    if category and (building or grid):
        similar = await ctx.services.tickets.find_similar_open(
            category, building, None if building else grid
        )
        me = (ctx.message.channel, ctx.message.sender_id)
        others = [
            t for t in similar
            if (t.reporter_channel, t.reporter_id) != me and (building or _same_spot(slots, t))
        ]
        found = others[0] if others else None
    previous = slots.get("duplicate_number")
    if found is None:
        slots.update(
            duplicate_number=None,
            duplicate_count=None,
            duplicate_status=None,
            duplicate_address=None,
        )
    else:
        slots.update(
            duplicate_number=found.number,
            duplicate_count=1 + found.supporters,
            duplicate_status=found.status_label_zh,
            # Where, so the resident can tell whether it is the same problem (never the
            # neighbour's unit or room).
            duplicate_address=found.landmark or found.public_address_text,
        )
    if previous != slots.get("duplicate_number"):
        slots["follow_duplicate"] = None  # a different ticket: ask again


def _same_spot(slots: dict[str, Any], ticket: TicketView) -> bool:
    """An outdoor problem is the same as another ticket's only outdoors and close by: the
    street lamp outside 锦园小区's east gate is not the stairwell light of its 2号楼, though
    both are 路灯与楼道灯 in one grid."""
    if ticket.building_code:
        return False
    lat, lng = slots.get("lat"), slots.get("lng")
    if lat is not None and lng is not None and ticket.lat is not None and ticket.lng is not None:
        return distance_m(float(lat), float(lng), ticket.lat, ticket.lng) <= SAME_SPOT_METRES
    landmark = slots.get("landmark")
    return bool(landmark) and landmark == ticket.landmark


@action("follow_ticket", sets=("followed",))
async def follow_ticket(ctx: ActionContext) -> None:
    """Follow the duplicate ticket: its updates reach this resident, who counts as a
    supporter."""
    number = ctx.slots["duplicate_number"]
    message = ctx.message
    view = await ctx.services.tickets.follow(
        number,
        message.channel,
        message.sender_id,
        client_key=client_key_of(message),
        verified=is_verified(message),
    )
    ctx.slots["followed"] = number
    ctx.say(
        "followed_ticket",
        {"number": view.number, "status": view.status_label_zh, "deadline": view.deadline_text_zh},
    )


def _summary(ctx: ActionContext) -> str:
    slots, turn = ctx.slots, ctx.turn
    catalog = ctx.services.catalog

    def line(key: str, **values: Any) -> str:
        return turn.responses.render(key, values, variant=0)

    lines = [
        line("summary_category", category=catalog.item(slots["category"]).name),
        line("summary_description", description=slots.get("description") or ""),
        line("summary_address", address=slots.get("address") or ""),
    ]
    evidence = slots.get("evidence") or []
    lines.append(
        line("summary_evidence", media=describe_media(turn.responses, evidence))
        if evidence
        else line("summary_no_evidence")
    )
    phone = slots.get("phone")
    lines.append(
        line("summary_phone", phone=mask_phone(phone)) if phone else line("summary_no_phone")
    )
    lines.append(line("summary_anonymous" if slots.get("anonymous") else "summary_named"))
    return "\n".join(lines)


@action("summarize_report", sets=("summary",))
async def summarize_report(ctx: ActionContext) -> None:
    """The summary the resident confirms before filing (the phone number masked)."""
    ctx.slots["summary"] = _summary(ctx)


@action("forget_address", sets=(*ADDRESS_SLOTS, "address_guessed"))
async def forget_address(ctx: ActionContext) -> None:
    """The guessed address was wrong: clear it so the address question is asked."""
    for slot in ADDRESS_SLOTS:
        ctx.slots.pop(slot, None)
    ctx.slots["address_guessed"] = False


# What clearing a field for a change means: some answers fill several slots.
_FIELD_SLOTS: dict[str, tuple[str, ...]] = {
    "category": ("category", "category_options"),
    "address": ADDRESS_SLOTS,
    "description": ("description",),
    "evidence": ("evidence",),
    "phone": ("phone",),
    "anonymous": ("anonymous",),
}


@action("reopen_field", sets=("change_field",))
async def reopen_field(ctx: ActionContext) -> None:
    """Forget the field the resident wants to change, so its question is asked again."""
    field = ctx.slots.pop("change_field", None)
    for slot in _FIELD_SLOTS.get(str(field), ()):
        ctx.slots.pop(slot, None)
    ctx.frame.data.pop("pending_prompt", None)  # an old narrower question is stale now


@action("reuse_phone", sets=("phone",))
async def reuse_phone(ctx: ActionContext) -> None:
    """The phone (or the choice to leave none) given for an earlier report in this
    conversation: not asked twice; the summary shows it before anything is filed."""
    if ctx.slots.get("phone") is None and "phone" in ctx.profile:
        ctx.slots["phone"] = ctx.profile["phone"]


@action("file_ticket", sets=("ticket_number",))
async def file_ticket(ctx: ActionContext) -> None:
    """File the ticket and tell the resident its number, the expected handling time and
    whom to call."""
    slots, message = ctx.slots, ctx.message
    draft = TicketDraft(
        category=slots["category"],
        description=slots.get("description") or "",
        reporter_channel=message.channel,
        reporter_id=message.sender_id,
        building_code=slots.get("building_code"),
        unit=slots.get("unit"),
        room=slots.get("room"),
        landmark=slots.get("landmark"),
        lat=slots.get("lat"),
        lng=slots.get("lng"),
        reporter_phone=slots.get("phone") or None,
        anonymous=bool(slots.get("anonymous")),
        evidence=[(str(kind), str(url)) for kind, url in slots.get("evidence") or []],
        # The confirming message files at most once, however often the channel retries it;
        # without a message id the frame (one report) does.
        source_message_id=message.message_id or f"{message.conversation_id}:{ctx.frame.id}",
        # Clusters weigh the report by who plausibly sent it (one client counts once).
        reporter_client=client_key_of(message),
        reporter_verified=is_verified(message),
    )
    view = await ctx.services.tickets.file(draft)
    slots["ticket_number"] = view.number
    ctx.profile["phone"] = slots.get("phone") or ""
    ctx.profile["building_stated"] = False  # a place stated for one report, not for all
    if view.building_code and ctx.profile.get("building_code") != view.building_code:
        remember_building(ctx.turn, view.building_code)
    # The time limit as a date and time ("12月3日（周四）18:00"), never "21 个工作小时".
    ctx.say(
        "ticket_filed",
        {
            "number": view.number,
            "category": view.category_name_zh,
            "unit": view.responsible_unit,
            "deadline": view.deadline_text_zh,
        },
    )
    log.info("report flow filed ticket %s (%s)", view.number, view.category)
    say_secretary(ctx, view.building_code, view.grid_code)


def say_secretary(ctx: ActionContext, building_code: str | None, grid_code: str | None) -> None:
    """The community secretary's one-tap contact for the place of a ticket."""
    route = route_of(ctx.turn, building_code, grid_code)
    contact = route.contact("secretary") if route is not None else None
    if route is None or contact is None:
        return
    ctx.say(
        "secretary_contact",
        {"name": contact.name, "phone": contact.phone, "community": route.community.name},
        link=f"tel:{contact.phone}",
    )
