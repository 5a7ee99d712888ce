"""Value objects crossing the ticket service's boundary: what flows hand in, what they get back.

Rows never leave the service; callers get frozen views so that nobody mutates a ticket
behind the state machine's back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from bot.tickets import texts
from bot.tickets._ops import STAFF_FILED_CHANNEL
from bot.tickets.clock import deadline_text
from bot.tickets.models import Ticket, TicketEvent
from bot.tickets.routing import full_address
from bot.tickets.status import Urgency, is_open


@dataclass(frozen=True, slots=True)
class TicketDraft:
    """Everything a flow collected about one demand.

    Either ``building_code`` (a standard address) or, for outdoor problems, ``landmark`` with
    ``lat``/``lng`` must be given. ``source_message_id`` makes filing idempotent: a retried
    webhook that carries the same id gets the ticket filed the first time.
    """

    category: str
    description: str
    reporter_channel: str
    reporter_id: str
    building_code: str | None = None
    unit: str | None = None
    room: str | None = None
    landmark: str | None = None
    lat: float | None = None
    lng: float | None = None
    reporter_phone: str | None = None
    anonymous: bool = False
    evidence: tuple[tuple[str, str], ...] | list[tuple[str, str]] = ()
    source_message_id: str | None = None
    # Who is plausibly behind it, for clusters: the connector's hashed client key and
    # whether the platform vouches for the person. Drafts from accountable sources (staff,
    # partner systems with an API key) keep the defaults; the resident flows pass what the
    # message's channel proved (``bot.messages.client_key_of`` / ``is_verified``).
    reporter_client: str | None = None
    reporter_verified: bool = True
    #: ``Urgency.RED`` for a life-safety emergency (someone trapped, a fire, a fight): filed
    #: red with the catalog's shortest time limit and the handlers told at once, whatever
    #: the category's own urgency. ``None`` keeps the category's.
    urgency: Urgency | None = None
    #: Who filed it when it was not the resident (代办: the staff member's name), written as
    #: the actor of the ``filed`` event; None means the resident did.
    filed_by: str | None = None
    #: The note of the ``filed`` event (an intake order's own time and caller, for staff).
    filed_note: str | None = None
    #: When the source received the demand (naive UTC), if before filing: an order imported
    #: from a hotline's export. Orders older than the cluster window are history, not a live
    #: incident, and are not clustered (a month's export must not look like one bad day).
    reported_at: datetime | None = None
    #: Where it came in when that is not ``reporter_channel`` (an intake source such as
    #: ``12345``), and that source's own number for it; see ``Ticket.source``.
    source: str | None = None
    source_ref: str | None = None
    #: The category came from the NLU, not from the reporter or the source: staff confirm it.
    category_predicted: bool = False

    def source_key(self) -> str | None:
        """The de-duplication key: (channel, sender, message id), hashed to a fixed width."""
        if not self.source_message_id:
            return None
        return source_key(self.reporter_channel, self.reporter_id, self.source_message_id)


def source_key(channel: str, sender_id: str, message_id: str) -> str:
    """One key per (channel, sender, message id); NUL cannot occur inside the parts."""
    raw = "\0".join((channel, sender_id, message_id)).encode("utf-8", "surrogatepass")
    return "k1:" + hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True, slots=True)
class EventView:
    at: datetime
    actor: str
    kind: str
    from_status: str | None
    to_status: str | None
    tier: str | None
    note: str | None

    @classmethod
    def of(cls, row: TicketEvent) -> EventView:
        return cls(row.at, row.actor, row.kind, row.from_status, row.to_status, row.tier, row.note)


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket as flows, the console and the API see it.

    ``reporter_phone`` is here for the staff in charge; never log it or show it in a group.
    """

    number: str
    status: str
    status_label_zh: str
    category: str
    category_name_zh: str
    domain: str
    domain_name_zh: str
    description: str
    building_code: str | None
    unit: str | None
    room: str | None
    landmark: str | None
    lat: float | None
    lng: float | None
    address_text: str
    public_address_text: str
    grid_code: str | None
    grid_name: str | None
    community_code: str | None
    community_name: str | None
    street_code: str | None
    street_name: str | None
    district_name: str | None
    reporter_channel: str
    reporter_id: str
    reporter_phone: str | None
    anonymous: bool
    urgency: str
    urgency_label_zh: str
    department: str
    responsible_unit: str
    tier: str
    tier_label_zh: str
    deadline: datetime | None
    deadline_text_zh: str
    expected_hours: float
    working_hours: bool
    overdue: bool
    supporters: int
    incident_id: int | None
    status_note: str | None
    resolved_tier: str | None
    rating: int | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    urge_count: int = 0
    last_urged_at: datetime | None = None
    source: str = ""
    source_ref: str | None = None
    category_predicted: bool = False
    evidence: tuple[tuple[str, str], ...] = ()
    history: tuple[EventView, ...] = field(default=())

    @property
    def is_open(self) -> bool:
        return is_open(self.status)

    @property
    def staff_filed(self) -> bool:
        """Filed by a grid worker on someone's behalf (代办), counted apart from residents'."""
        return self.reporter_channel == STAFF_FILED_CHANNEL

    @property
    def urgings(self) -> tuple[EventView, ...]:
        """The residents' urgings (催办), newest first: what a handler reads before the rest
        of the history."""
        return tuple(e for e in reversed(self.history) if e.kind == "urged")

    @classmethod
    def of(
        cls,
        row: Ticket,
        *,
        category_name: str,
        domain_name: str,
        evidence: tuple[tuple[str, str], ...] = (),
        history: tuple[EventView, ...] = (),
    ) -> TicketView:
        return cls(
            number=row.number,
            status=row.status,
            status_label_zh=texts.status_label(row.status),
            category=row.category,
            category_name_zh=category_name,
            domain=row.domain,
            domain_name_zh=domain_name,
            description=row.description,
            building_code=row.building_code,
            unit=row.unit,
            room=row.room,
            landmark=row.landmark,
            lat=row.lat,
            lng=row.lng,
            address_text=full_address(row.address_text, row.unit, row.room),
            public_address_text=row.address_text,
            grid_code=row.grid_code,
            grid_name=row.grid_name,
            community_code=row.community_code,
            community_name=row.community_name,
            street_code=row.street_code,
            street_name=row.street_name,
            district_name=row.district_name,
            reporter_channel=row.reporter_channel,
            reporter_id=row.reporter_id,
            reporter_phone=row.reporter_phone,
            anonymous=row.anonymous,
            urgency=row.urgency,
            urgency_label_zh=texts.URGENCY_LABELS.get(row.urgency, row.urgency),
            department=row.department,
            responsible_unit=row.responsible_unit,
            tier=row.tier,
            tier_label_zh=texts.TIER_LABELS.get(row.tier, row.tier),
            deadline=row.deadline,
            deadline_text_zh=deadline_text(row.deadline),
            expected_hours=row.expected_hours,
            working_hours=row.working_hours,
            overdue=row.overdue,
            supporters=row.supporters,
            incident_id=row.incident_id,
            status_note=row.status_note,
            resolved_tier=row.resolved_tier,
            rating=row.rating,
            created_at=row.created_at,
            updated_at=row.updated_at,
            resolved_at=row.resolved_at,
            urge_count=row.urge_count,
            last_urged_at=row.last_urged_at,
            source=row.source or row.reporter_channel,
            source_ref=row.source_ref,
            category_predicted=row.category_predicted,
            evidence=evidence,
            history=history,
        )


@dataclass(frozen=True, slots=True)
class IncidentView:
    id: int
    category: str
    grid_code: str | None
    street_name: str | None
    status: str
    urgency: str
    reporters: int
    ticket_numbers: tuple[str, ...]
    created_at: datetime
    red_at: datetime | None
    resolved_at: datetime | None
