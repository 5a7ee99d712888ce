"""Places: turning what a resident says into a standard building, via the AddressBook.

Resolving is the address book's job; this module keeps the slots a flow needs from its
answers, asks the narrower questions it suggests (which building, which community), and
handles problems outdoors (a landmark and a point, routed to the nearest grid).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.addresses import UnknownAddress, parse_scene
from flows._context import (
    IGNORE,
    NOTHING,
    ActionContext,
    Filled,
    FollowUp,
    Ignore,
    Miss,
    Outcome,
)
from flows._model import CollectStep
from flows._registry import validator

if TYPE_CHECKING:
    from bot.addresses import BuildingInfo, Place, Resolution, Route
    from flows._context import Turn

OUTDOOR = "outdoor"  # the value of the 不在楼里 quick reply
NO_MAP = "no_map"  # the value of the 发不了定位 quick reply: place it from the words said
# Longest landmark kept on a ticket (the tickets table allows 200; the address text built
# from it, 300).
LANDMARK_CHARS = 80

#: Slots an address answer fills (``address`` itself is the text shown to people).
ADDRESS_SLOTS = (
    "address",
    "building_code",
    "unit",
    "room",
    "compound_name",
    "community_code",
    "grid_code",
    "landmark",
    "lat",
    "lng",
    "address_mode",
    "address_context",
    "pin_asked",
    "words_asked",
)


def display_address(turn: Turn, info: BuildingInfo, unit: str | None, room: str | None) -> str:
    text = info.address
    if unit:
        text += turn.responses.render("format_unit", {"unit": unit}, variant=0)
    if room:
        text += turn.responses.render("format_room", {"room": room}, variant=0)
    return text


def building_values(
    turn: Turn, code: str, unit: str | None = None, room: str | None = None
) -> dict[str, Any] | None:
    """Slots for a known building, or None when the code is not in the address book."""
    info = turn.services.addresses.building(code)
    if info is None:
        return None
    return {
        "address": display_address(turn, info, unit, room),
        "building_code": info.code,
        "unit": unit,
        "room": room,
        "compound_name": info.compound_name,
        "community_code": info.community_code,
        "grid_code": info.grid_code,
        "landmark": None,
        "lat": None,
        "lng": None,
        "address_mode": "building",
        "address_context": None,
    }


def remember_building(
    turn: Turn, code: str, *, scanned: bool = False, stated: bool = False
) -> None:
    """Keep the building for later questions ("找书记"); a scanned door plate is certain,
    a building named for an earlier report only a guess for the next one. ``stated``: the
    resident said it on its own ("我住在长安新村12号楼"), meant for the report that follows:
    that one takes it without asking (see :func:`take_stated_building`)."""
    turn.profile["building_code"] = code
    turn.profile["building_scanned"] = scanned
    turn.profile["building_stated"] = stated


def take_stated_building(turn: Turn) -> bool:
    """Whether the known building was just stated for the coming report; once only."""
    stated = bool(turn.profile.get("building_stated"))
    turn.profile["building_stated"] = False
    return stated


def scene_building(turn: Turn) -> str | None:
    """The building code a QR scan carries, remembered for the rest of the conversation."""
    code = parse_scene(turn.message.scene) if turn.message.scene else None
    if code and turn.services.addresses.building(code) is not None:
        remember_building(turn, code, scanned=True)
        return code
    return None


def known_building(turn: Turn) -> tuple[str, bool] | None:
    """The resident's building as far as this conversation knows it, and whether it came
    from a door plate (certain) rather than an earlier answer (a guess)."""
    if (code := scene_building(turn)) is not None:
        return code, True
    code = turn.profile.get("building_code")
    if code and turn.services.addresses.building(code) is not None:
        return str(code), bool(turn.profile.get("building_scanned"))
    return None


def route_of(turn: Turn, building_code: str | None, grid_code: str | None) -> Route | None:
    """Who is in charge of a building, or of a grid for an outdoor place."""
    book = turn.services.addresses
    try:
        if building_code:
            return book.route(building_code)
        if grid_code:
            return book.grid_route(grid_code)
    except UnknownAddress:
        return None
    return None


def mentions_place(ctx: ActionContext) -> bool:
    """The NLU saw a place in the message (an address span or a building number)."""
    parse = ctx.parse
    if parse is None:
        return bool(ctx.text)  # a voice message: let the address book judge
    return any(e.entity in {"address", "building"} for e in parse.entities)


def resolve_near_home(turn: Turn, text: str) -> Resolution:
    """Resolve ``text``; a compound name several communities share is read in the community
    of the building this conversation knows (the door plate scanned, the last report):
    someone who scanned 城南社区锦园小区5号楼 and says "隔壁佳园小区3号楼" means 城南's 佳园."""
    book = turn.services.addresses
    resolution = book.resolve(text)
    if resolution.status != "need_community":
        return resolution
    known = known_building(turn)
    info = book.building(known[0]) if known is not None else None
    if info is None or not info.community_code:
        return resolution
    hinted = book.resolve(text, community_hint=info.community_code)
    return hinted if hinted.status == "resolved" else resolution


def _span_text(text: str, resolution: Resolution) -> str:
    if resolution.span is None:
        return text
    start, end = resolution.span
    return text[start:end] or text


def narrower_question(
    turn: Turn, text: str, resolution: Resolution
) -> tuple[str, dict[str, Any], tuple[tuple[str, Any], ...], dict[str, Any]] | None:
    """The follow-up for a compound without a building, or a name several communities share:
    (response, variables, choices, slots to keep). None when nothing was recognised."""
    if resolution.status not in ("need_building", "need_community"):
        return None
    if not resolution.question_choices:
        return None
    place = _span_text(text, resolution)
    first = turn.services.addresses.building(resolution.question_choices[0][0])
    if first is not None and first.compound_name:
        # Name the compound as we know it, not as typed ("锦园小去2号楼") or a code.
        context = place if resolution.status == "need_community" else first.compound_name
        place = first.compound_name
    else:
        context = place
    choices = tuple((label, code) for code, label in resolution.question_choices)
    keep = {"unit": resolution.unit, "room": resolution.room, "address_context": context}
    if resolution.status == "need_community":
        key = "ask_community"
    elif first is None:
        key = "ask_compound"  # only a community or street was named: which compound?
    else:
        key = "ask_building"
    return key, {"place": place}, choices, keep


def _filled(ctx: ActionContext, values: dict[str, Any], listening: bool) -> Filled:
    remember_building(ctx.turn, values["building_code"])
    if listening and ctx.slots.get("address") and ctx.slots.get("address") != values["address"]:
        return Filled(values, ack="address_corrected", ack_vars={"address": values["address"]})
    if listening and not ctx.slots.get("address"):
        # Said while we asked something else: say we have it, the question comes again.
        return Filled(values, ack="address_noted", ack_vars={"address": values["address"]})
    return Filled(values)


def _resolve_correction(ctx: ActionContext) -> Resolution:
    """"不对,是3号楼" means building 3 of the compound already known: if the words alone do
    not name one building, read them as a building of that compound."""
    book = ctx.services.addresses
    text = ctx.text
    hint = ctx.slots.get("community_code")
    resolution = book.resolve(text, community_hint=hint)
    parse = ctx.parse
    # The compound named earlier, or said while another question was pending ("长安新村",
    # then "12号楼").
    compound = ctx.slots.get("compound_name") or ctx.slots.get("address_context")
    if resolution.status == "resolved" or not compound or parse is None or parse.text != text:
        return resolution
    starts = [e.start for e in parse.entities if e.entity == "building"]
    if not starts:
        return resolution
    # "不是3号楼,是5号楼": the building named last is the one meant.
    return book.resolve(f"{compound}{text[max(starts):]}", community_hint=hint)


def _same_question(a: Resolution, b: Resolution) -> bool:
    return a.status == b.status and a.question_choices == b.question_choices


def _resolve_answer(ctx: ActionContext, text: str) -> Resolution:
    """Resolve an answer to "锦园小区哪一栋?" or "哪个社区?": "3号楼" or "城南社区" means
    that part of the place already named, so the place goes in front. An answer that adds
    nothing to it ("跳过") resolves on its own (and is then usually not understood)."""
    book = ctx.services.addresses
    context = ctx.slots.get("address_context")
    if not context:
        return resolve_near_home(ctx.turn, text)
    combined = book.resolve(f"{context}{text}")
    if combined.status != "resolved":
        # "城南" answering "锦园小区2号楼 is in which community?" reads better in front.
        before = book.resolve(f"{text}{context}")
        if before.status == "resolved":
            return before
    if combined.status == "resolved" or not _same_question(combined, book.resolve(context)):
        return combined
    return resolve_near_home(ctx.turn, text)


def nearby_question(
    turn: Turn, lat: float, lng: float
) -> tuple[str, dict[str, Any], tuple[tuple[str, Any], ...], dict[str, Any]]:
    """"Which of these buildings?" for a location pin: (response, variables, choices, slots)."""
    candidates = turn.services.addresses.nearest(lat, lng, k=3)
    choices = tuple((c.label, c.building_code) for c in candidates)
    return "ask_building_nearby", {}, choices, {"lat": lat, "lng": lng}


def _nearby(ctx: ActionContext) -> Outcome:
    location = ctx.message.location
    assert location is not None
    key, variables, choices, keep = nearby_question(ctx.turn, location.lat, location.lng)
    return FollowUp(key, variables, choices, values=keep)


def _near(turn: Turn, lat: float, lng: float) -> str | None:
    """"Near 锦园小区2号楼" for a pin sent without words (we asked for words *or* a pin)."""
    nearest = turn.services.addresses.nearest(lat, lng, k=1)
    if not nearest:
        return None
    info = turn.services.addresses.building(nearest[0].building_code)
    place = info.address if info is not None else nearest[0].label
    return turn.responses.render("format_near", {"place": place}, variant=0)


def says_no_map(turn: Turn) -> bool:
    """"我不会发定位", "不会弄", "发不了": the resident cannot send a location pin."""
    text = turn.text
    return bool(text) and any(word in text for word in turn.responses.words("no_map"))


def _point_of(turn: Turn, words: str, context: str = "") -> tuple[float, float] | None:
    """A point for words said about a place outdoors: a crossing, a gate or a road the
    registry knows, else a building or compound the words name."""
    book = turn.services.addresses
    resolution = book.resolve(words)
    place = book.locate(words, context=context, resolution=resolution)
    if place is not None:
        return place.lat, place.lng
    first = resolution.candidates[0].building_code if resolution.candidates else None
    if first is None and resolution.question_choices:
        # "金居小区东门外": the compound is known, its buildings are all close by (of a name
        # several communities share, the first: its grid worker passes it on if need be).
        first = resolution.question_choices[0][0]
        if book.building(first) is None:
            inner = book.resolve(first).question_choices
            first = inner[0][0] if inner else None
    info = book.building(first) if first else None
    return (info.lat, info.lng) if info is not None else None


def _home_point(turn: Turn) -> tuple[float, float] | None:
    """The resident's own building, when the conversation knows it: someone who cannot send
    a pin reports most often near home, and its grid worker knows the streets around."""
    known = known_building(turn)
    info = turn.services.addresses.building(known[0]) if known is not None else None
    return (info.lat, info.lng) if info is not None else None


def outdoor_values(turn: Turn, slot: str, landmark: str, lat: float, lng: float
                   ) -> dict[str, Any] | None:
    """Slots for a place outdoors at a point, routed to the nearest grid (None when the point
    is outside the registry's area)."""
    grid = turn.services.addresses.grid_for_point(lat, lng)
    if grid is None:
        return None
    return {
        slot: landmark,
        "address_mode": "outdoor",
        "landmark": landmark,
        "lat": lat,
        "lng": lng,
        "building_code": None,
        "unit": None,
        "room": None,
        "compound_name": None,
        "grid_code": grid.code,
        "community_code": grid.community_code,
        "address_context": None,
    }


def place_values(turn: Turn, slot: str, place: Place) -> dict[str, Any] | None:
    """Slots for a place the registry located (a crossing, a gate, a road)."""
    return outdoor_values(turn, slot, place.name, place.lat, place.lng)


def _no_map_choice(turn: Turn) -> tuple[tuple[str, Any], ...]:
    return ((turn.responses.button(NO_MAP).title, NO_MAP),)


def _outdoor(ctx: ActionContext, step: CollectStep, *, typed: bool, choice: Any) -> Outcome:
    """Outdoors (a road, a square): a landmark plus a point, routed to the nearest grid.

    The point comes from a location pin, or from the words: a crossing, a gate or a road the
    registry knows. Someone who cannot send a pin ("我不会发定位") is never asked for one
    again: the words said are kept as they are, and placed by the roads and compounds they
    name, or by the resident's own building; failing that, one plain question about what is
    nearby, in other words."""
    turn = ctx.turn
    location = ctx.message.location
    lat, lng = ctx.slots.get("lat"), ctx.slots.get("lng")
    landmark = ctx.slots.get("landmark")
    no_map = choice == NO_MAP or (typed and says_no_map(turn))
    extra: dict[str, Any] = {}
    if location is not None:
        lat, lng = location.lat, location.lng
        landmark = landmark or location.label or _near(turn, lat, lng)
    elif typed and ctx.text and not no_map:
        words = ctx.text
        if landmark and landmark not in words and len(words) < LANDMARK_CHARS // 2:
            words = f"{landmark}，{words}"  # more words about the place already described
        landmark = words
        if len(landmark) > LANDMARK_CHARS:
            # A ticket keeps a short landmark; the whole answer goes to the description.
            earlier = str(ctx.slots.get("description") or "")
            if landmark not in earlier:
                extra["description"] = f"{earlier};{landmark}" if earlier else landmark
            landmark = landmark[: LANDMARK_CHARS - 1] + "…"
        point = _point_of(turn, words, str(ctx.slots.get("description") or ""))
        if point is not None:
            lat, lng = point
    values: dict[str, Any] = {
        "address_mode": "outdoor", "landmark": landmark, "lat": lat, "lng": lng, **extra
    }
    if no_map and lat is None:
        # Placed from what was said about the problem, else near the resident's home.
        point = _point_of(turn, str(landmark or ""), str(ctx.slots.get("description") or ""))
        point = point or _point_of(turn, str(ctx.slots.get("description") or ""))
        point = point or _home_point(turn)
        if point is not None:
            lat, lng = point
            landmark = landmark or ctx.slots.get("description") or ""
            if len(landmark) > LANDMARK_CHARS:
                landmark = landmark[: LANDMARK_CHARS - 1] + "…"
    if landmark and lat is not None and lng is not None:
        filled = outdoor_values(turn, step.slot, str(landmark), float(lat), float(lng))
        if filled is not None:
            return Filled({**values, **filled})
    if ctx.slots.get("words_asked"):
        # Asked what is nearby and still nothing to place it by: the usual re-ask (and,
        # the second time, a person is offered) rather than the same line again.
        return Miss()
    if no_map or (landmark and ctx.slots.get("pin_asked")):
        # No pin and nothing we can place: what is nearby, asked once in plain words.
        return FollowUp(
            "ask_nearby_words", values={**values, "pin_asked": True, "words_asked": True}
        )
    if landmark:
        return FollowUp(
            "ask_location_pin", choices=_no_map_choice(turn), values={**values, "pin_asked": True}
        )
    return FollowUp("ask_landmark", choices=_no_map_choice(turn), values=values)


def locate_place(
    ctx: ActionContext, text: str, resolution: Resolution, slot: str
) -> Outcome | None:
    """A place outdoors the words name, placed at once; a road alone is a long line, so the
    resident is asked which part of it (with a way to go on without a map)."""
    turn = ctx.turn
    context = str(ctx.slots.get("description") or "")
    place = turn.services.addresses.locate(text, context=context, resolution=resolution)
    if place is None:
        return None
    values = place_values(turn, slot, place)
    if values is None:
        return None
    if place.precise:
        return Filled(values)
    keep = {k: values[k] for k in ("address_mode", "landmark", "lat", "lng")}
    return FollowUp("ask_road_spot", {"road": place.name}, _no_map_choice(turn), values=keep)


def _unit_or_room(ctx: ActionContext, listening: bool) -> Outcome:
    """"2单元" or "502室" said after the building is known: the same building, more exact."""
    code = ctx.slots.get("building_code")
    unit = next(iter(ctx.turn.entities("unit")), None)
    room = next(iter(ctx.turn.entities("room")), None)
    if not code or (unit is None and room is None):
        return IGNORE
    values = building_values(
        ctx.turn, str(code), unit or ctx.slots.get("unit"), room or ctx.slots.get("room")
    )
    if values is None or values["address"] == ctx.slots.get("address"):
        return IGNORE
    return _filled(ctx, values, listening)


def _partly_heard(
    ctx: ActionContext,
    step: CollectStep,
    text: str,
    resolution: Resolution,
    unit: str | None,
    room: str | None,
) -> Outcome:
    """A compound without a building ("长安新村") said while we asked something else, with
    no address yet: keep it, and ask which building when the flow gets to the address."""
    if ctx.slots.get("address") or ctx.slots.get("address_context"):
        return IGNORE
    question = narrower_question(ctx.turn, text, resolution)
    if question is None:
        return IGNORE
    key, variables, choices, keep = question
    keep.update(unit=unit, room=room)
    ctx.prompt_next(step.slot, key, variables, choices)
    return Filled(keep, ack="address_partly_noted", ack_vars={"place": variables["place"]})


def _whole_compound(ctx: ActionContext, step: CollectStep) -> Filled | None:
    """"就是整个小区" to "which building of 银座雅居?": the compound's common parts (物业费,
    绿化, 流浪狗), placed at the compound and routed to its grid."""
    context = ctx.slots.get("address_context")
    words = ctx.turn.responses.words("whole_compound")
    if not context or not any(word in ctx.text for word in words):
        return None
    book = ctx.services.addresses
    resolution = book.resolve(str(context))
    if resolution.status != "need_building" or not resolution.question_choices:
        return None
    info = book.building(resolution.question_choices[0][0])
    if info is None or not info.compound_name:
        return None
    grid = book.grid_for_point(info.lat, info.lng)
    place = ctx.turn.responses.render(
        "format_whole_compound", {"compound": info.compound_name}, variant=0
    )
    return Filled(
        {
            step.slot: place,
            "address_mode": "outdoor",
            "landmark": place,
            "lat": info.lat,
            "lng": info.lng,
            "building_code": None,
            "unit": None,
            "room": None,
            "compound_name": info.compound_name,
            "grid_code": grid.code if grid is not None else info.grid_code,
            "community_code": info.community_code,
            "address_context": None,
        }
    )


@validator("address", sets=(*ADDRESS_SLOTS, "description"))
async def address(ctx: ActionContext, step: CollectStep, choice: Any, listening: bool) -> Outcome:
    """A standard building via the address book; asks which building or community until it
    is exactly one, or takes a landmark and a location pin for problems outdoors."""
    turn = ctx.turn
    if not listening and choice is NOTHING and (code := scene_building(turn)) is not None:
        values = building_values(turn, code)  # the door plate scanned while we asked
        if values is not None:
            return _filled(ctx, values, listening)
    if not listening and (
        choice in (OUTDOOR, NO_MAP) or ctx.slots.get("address_mode") == "outdoor"
    ):
        return _outdoor(ctx, step, typed=choice is NOTHING, choice=choice)
    if not listening and choice is NOTHING and (whole := _whole_compound(ctx, step)) is not None:
        return whole
    if choice is not NOTHING:
        text = str(choice)  # a building, compound or community code from a quick reply
    elif ctx.message.location is not None and not ctx.text and not listening:
        return _nearby(ctx)
    else:
        if listening and not mentions_place(ctx):
            return _unit_or_room(ctx, listening)
        text = ctx.text
    if not text:
        return IGNORE if listening else Miss()
    if listening:
        resolution = _resolve_correction(ctx)
    elif choice is NOTHING:
        resolution = _resolve_answer(ctx, text)
    else:
        resolution = turn.services.addresses.resolve(text)
    # Unit and room said in the first answer stay valid through the narrower questions.
    unit = resolution.unit or (None if listening else ctx.slots.get("unit"))
    room = resolution.room or (None if listening else ctx.slots.get("room"))
    if resolution.status == "resolved" and resolution.building_code:
        values = building_values(turn, resolution.building_code, unit, room)
        if values is not None:
            return _filled(ctx, values, listening)
    if not listening:
        # Not a building: a crossing, a compound's gate, a road ("世纪路和柳泉路路口").
        located = locate_place(ctx, text, resolution, step.slot)
        if located is not None:
            return located
    if listening:
        more_exact = _unit_or_room(ctx, listening)
        if not isinstance(more_exact, Ignore):
            return more_exact
        return _partly_heard(ctx, step, text, resolution, unit, room)
    question = narrower_question(turn, text, resolution)
    if question is not None:
        key, variables, choices, keep = question
        keep.update(unit=unit, room=room)
        return FollowUp(key, variables, choices, values=keep)
    if says_no_map(turn) and not ctx.slots.get("words_asked"):
        # "我不会发定位": no map needed; what is nearby, in words (asked once).
        return FollowUp("ask_nearby_words", values={"words_asked": True})
    # "没查到这个地址" only when a place was named; "跳过" or "不知道" names none.
    return Miss("address_not_found" if mentions_place(ctx) else "address_needed")
