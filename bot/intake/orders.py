"""Orders from a hotline or a platform (12345 工单) become tickets of the one queue.

An :class:`Order` is what every road in says, whatever its format (the API's JSON, a row of
a CSV or Excel export): the source's own number, when it was taken, who called, what they
said, where, and the source's category if it has one. :class:`OrderIntake` turns it into a
ticket like any other:

* de-duplicated by (source, source number): it is filed with ``reporter_channel="intake"``,
  ``reporter_id=<source>`` and ``source_message_id=<number>``, so the ticket service's own
  idempotent filing answers a re-sent order with the ticket filed the first time;
* placed by the address book the dialogue flows use: a standard building, else a place
  outdoors (a crossing, a gate, a road) or a whole compound, routed to the nearest grid;
* categorised by the source's category text (exact catalog name, then fuzzy), else by the
  NLU from the order's text, marked ``category_predicted`` for staff to confirm.

The caller's phone is kept as ``reporter_phone`` (the staff in charge only); the caller's
name and the order's own time go into the ``filed`` event's note. Neither is ever logged
unmasked (:func:`bot.privacy.mask_text`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz, process

from bot.addresses import AddressBook
from bot.errors import AddressError, BadInput
from bot.intake import texts
from bot.intake.sources import SourceView
from bot.privacy import mask_phone, mask_text, normalize_digits
from bot.tickets import Catalog, TicketDraft, TicketService, TicketView, Urgency
from bot.tickets._ops import INTAKE_CHANNEL
from bot.tickets.clock import LOCAL_TZ, to_local, to_utc
from nlu import FALLBACK_INTENT, ParseResult

log = logging.getLogger(__name__)

#: The NLU, as the runtime offers it (``NLUService.parse_async``) or the CLI wraps a model.
Parse = Callable[[str], Awaitable[ParseResult]]
#: Life-safety check of an order's text (the composition root passes the flows' one);
#: True files the ticket red.
IsUrgent = Callable[[str], bool]

MAX_NUMBER_CHARS = 64
MAX_TEXT_CHARS = 4000
MAX_ADDRESS_CHARS = 300
MAX_NAME_CHARS = 32
MAX_CATEGORY_CHARS = 100
# The ticket keeps a short landmark (the column allows 200; the address text adds the grid).
LANDMARK_CHARS = 60
# rapidfuzz score (0-100) a source's category text must reach against a catalog name.
FUZZY_CUTOFF = 80.0

_CATEGORY_SPLIT = re.compile(r"[-－—/／>＞|｜\\、,，;；:：]+")
_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y%m%d%H%M%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
)
_CN_TIME = re.compile(
    r"^(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})秒?)?)?$"
)


class OrderRejected(Exception):
    """One order cannot be taken; ``code`` is stable, ``message`` Chinese. Nothing changed."""

    def __init__(self, code: str, **values: object) -> None:
        self.code = code
        self.message = texts.ORDER_ERRORS[code].format(**values)
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True, slots=True)
class Order:
    """One work order as a source sent it, whatever the format it came in."""

    source_number: str
    text: str
    address: str
    received_at: datetime | None = None  # naive UTC
    caller_name: str | None = None
    caller_phone: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class Taken:
    """What became of an order: its ticket, and whether it had been filed before."""

    source_number: str
    ticket: TicketView
    duplicate: bool

    def as_json(self) -> dict[str, object]:
        return {
            "source_number": self.source_number,
            "ticket_number": self.ticket.number,
            "status": self.ticket.status,
            "duplicate": self.duplicate,
        }


# ---------------------------------------------------------------- reading fields


def clean(value: object, field: str, limit: int) -> str:
    """A text field: str (or a number an Excel cell holds), stripped, capped."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise OrderRejected("bad_field", field=field)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an Excel cell holds 12345 as 12345.0
    return " ".join(str(value).split())[:limit]


def parse_time(value: object) -> datetime | None:
    """An order's time as naive UTC. Without a zone it is China time, as the hotline's is.

    Raises:
        OrderRejected: ``bad_time`` when given but not understood.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        raw = normalize_digits(str(value)).strip()
        moment_or_none = _parse_time_text(raw)
        if moment_or_none is None:
            raise OrderRejected("bad_time", value=raw[:40])
        moment = moment_or_none
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return to_utc(moment)


def _parse_time_text(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(raw, fmt)
        except ValueError:
            continue
    match = _CN_TIME.match(raw)
    if match is None:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
    try:
        return datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None


def clean_phone(value: object) -> str | None:
    raw = clean(value, "caller_phone", 64)
    if not raw:
        return None
    phone = re.sub(r"[\s\-()（）]", "", normalize_digits(raw))
    if not re.fullmatch(r"\+?\d{5,20}", phone):
        raise OrderRejected("bad_phone", value=mask_text(raw)[:40])
    return phone[:32]


def order_from_fields(fields: Mapping[str, object]) -> Order:
    """An :class:`Order` from named fields (the API's JSON keys, an import's columns).

    Raises:
        OrderRejected: a required field is missing or one is not understood.
    """
    number = clean(fields.get("source_number"), "source_number", 200)
    if not number:
        raise OrderRejected("missing_source_number")
    if len(number) > MAX_NUMBER_CHARS:
        raise OrderRejected("source_number_too_long")
    text = clean(fields.get("text"), "text", MAX_TEXT_CHARS)
    if not text:
        raise OrderRejected("missing_text")
    address = clean(fields.get("address"), "address", MAX_ADDRESS_CHARS)
    if not address:
        raise OrderRejected("missing_address")
    return Order(
        source_number=number,
        text=text,
        address=address,
        received_at=parse_time(fields.get("received_at")),
        caller_name=clean(fields.get("caller_name"), "caller_name", MAX_NAME_CHARS) or None,
        caller_phone=clean_phone(fields.get("caller_phone")),
        category=clean(fields.get("category"), "category", MAX_CATEGORY_CHARS) or None,
    )


# ---------------------------------------------------------------- where and what


@dataclass(frozen=True, slots=True)
class Where:
    """Where an order's ticket is filed: a building, or a landmark with a point."""

    building_code: str | None = None
    unit: str | None = None
    room: str | None = None
    landmark: str | None = None
    lat: float | None = None
    lng: float | None = None


def _short(text: str) -> str:
    return text if len(text) <= LANDMARK_CHARS else text[: LANDMARK_CHARS - 1] + "…"


def place_address(book: AddressBook, address: str, context: str = "") -> Where:
    """An order's address text on the registry, as the flows place a resident's words.

    A building when the text names exactly one; else a place outdoors the registry can
    point at (a crossing, a compound's gate, a road); else the whole compound when only a
    compound is named (its grid handles it). An order cannot be asked "which one?", so a
    name several communities share is refused with the choices, and so is an unknown place.

    Raises:
        OrderRejected: ``address_unresolved`` or ``address_ambiguous``.
    """
    resolution = book.resolve(address)
    if resolution.status == "resolved" and resolution.building_code:
        return Where(resolution.building_code, resolution.unit, resolution.room)
    place = book.locate(address, context=context, resolution=resolution)
    if place is not None and book.grid_for_point(place.lat, place.lng) is not None:
        return Where(landmark=_short(place.name), lat=place.lat, lng=place.lng)
    if resolution.status == "need_building" and resolution.question_choices:
        first = resolution.question_choices[0][0]
        info = book.building(first)
        if info is None:
            inner = book.resolve(first).question_choices
            info = book.building(inner[0][0]) if inner else None
        if info is not None and book.grid_for_point(info.lat, info.lng) is not None:
            name = info.compound_name or info.community_name
            return Where(landmark=_short(name), lat=info.lat, lng=info.lng)
    if resolution.status == "need_community" and resolution.question_choices:
        choices = "、".join(label for _code, label in resolution.question_choices[:4])
        raise OrderRejected("address_ambiguous", address=address[:60], choices=choices)
    raise OrderRejected("address_unresolved", address=address[:60])


def match_category(catalog: Catalog, text: str | None) -> str | None:
    """The catalog item a source's category text names: its Chinese name or intent exactly,
    one of its levels ("城市管理-市容环卫-垃圾清运", most specific first), else the closest
    name by rapidfuzz; None when nothing is close enough."""
    if not text:
        return None
    names = {item.name: item.intent for item in catalog.items()}
    whole = "".join(text.split())
    if catalog.has(whole):
        return whole
    levels = [part for part in _CATEGORY_SPLIT.split(whole) if part]
    tries = [whole, *reversed(levels)]
    for candidate in tries:
        if candidate in names:
            return names[candidate]
    for candidate in tries:
        best = process.extractOne(
            candidate, list(names), scorer=fuzz.WRatio, score_cutoff=FUZZY_CUTOFF
        )
        if best is not None:
            return names[best[0]]
    return None


# ---------------------------------------------------------------- the intake


class OrderIntake:
    """Takes orders from intake sources into the ticket service. Safe to share."""

    def __init__(
        self,
        tickets: TicketService,
        addresses: AddressBook,
        catalog: Catalog,
        *,
        parse: Parse | None = None,
        is_urgent: IsUrgent | None = None,
    ) -> None:
        self.tickets = tickets
        self.addresses = addresses
        self.catalog = catalog
        self.parse = parse
        self.is_urgent = is_urgent

    async def existing(self, source: SourceView, number: str) -> TicketView | None:
        return await self.tickets.filed_from(INTAKE_CHANNEL, source.name, number)

    async def take(self, source: SourceView, order: Order) -> Taken:
        """File ``order``, or return the ticket it filed before (``duplicate``).

        Raises:
            OrderRejected: the order cannot be placed, categorised or filed; nothing changed.
        """
        known = await self.existing(source, order.source_number)
        if known is not None:
            return Taken(order.source_number, known, duplicate=True)
        draft = await self.draft(source, order)
        started = self.tickets.clock()
        try:
            ticket = await self.tickets.file(draft)
        except (BadInput, AddressError) as exc:
            raise OrderRejected("not_filed", reason=str(exc)[:200]) from exc
        # Filed before we started: the same order sent twice at once, and the other won.
        duplicate = ticket.created_at < started
        log.info(
            "order %s of %s filed as ticket %s (caller %s)",
            order.source_number,
            source.name,
            ticket.number,
            mask_phone(order.caller_phone) if order.caller_phone else "-",
        )
        return Taken(order.source_number, ticket, duplicate=duplicate)

    async def check(self, source: SourceView, order: Order) -> bool:
        """A dry run of :meth:`take`: True when the order would be new, False when it is a
        duplicate; nothing is written.

        Raises:
            OrderRejected: as :meth:`take` would.
        """
        if await self.existing(source, order.source_number) is not None:
            return False
        await self.draft(source, order)
        return True

    async def draft(self, source: SourceView, order: Order) -> TicketDraft:
        """The ticket an order makes: placed, categorised, marked with its source.

        Raises:
            OrderRejected: no place or no category for it.
        """
        where = place_address(self.addresses, order.address, order.text)
        category, predicted = await self.category_of(order)
        return TicketDraft(
            category=category,
            description=order.text,
            reporter_channel=INTAKE_CHANNEL,
            reporter_id=source.name,
            building_code=where.building_code,
            unit=where.unit,
            room=where.room,
            landmark=where.landmark,
            lat=where.lat,
            lng=where.lng,
            reporter_phone=order.caller_phone,
            source_message_id=order.source_number,
            urgency=Urgency.RED if self.is_urgent and self.is_urgent(order.text) else None,
            filed_by=source.label,
            filed_note=self.filed_note(source, order),
            source=source.name,
            source_ref=order.source_number,
            category_predicted=predicted,
            reported_at=order.received_at,
        )

    async def category_of(self, order: Order) -> tuple[str, bool]:
        """The catalog item for the order, and whether the NLU chose it."""
        named = match_category(self.catalog, order.category)
        if named is not None:
            return named, False
        if self.parse is not None:
            words = f"{order.category}：{order.text}" if order.category else order.text
            result = await self.parse(words)
            for score in result.intent_ranking:
                if score.name != FALLBACK_INTENT and self.catalog.has(score.name):
                    return score.name, True
        raise OrderRejected("category_unknown")

    @staticmethod
    def filed_note(source: SourceView, order: Order) -> str:
        when = (
            f"{to_local(order.received_at):%Y-%m-%d %H:%M}" if order.received_at else texts.NO_TIME
        )
        return texts.FILED_NOTE.format(
            label=source.label,
            number=order.source_number,
            time=when,
            caller=order.caller_name or texts.NO_CALLER,
        )
