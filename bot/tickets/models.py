"""Ticket tables (SQLModel). Timestamps are naive UTC; the migration is ``0003_tickets``.

The address of a ticket is *snapshotted* (codes and names of grid, community, street and
district at filing time): registries get re-imported and re-gridded, but a ticket must keep
saying where it was routed when it was filed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from bot.tickets.clock import utcnow

#: SQL for "the ticket is still being worked on"; must match ``status.OPEN_STATUSES``.
OPEN_STATUS_SQL = (
    "status IN ('submitted', 'accepted', 'in_progress', 'transferred', 'escalated', 'reopened')"
)


class TicketCounter(SQLModel, table=True):
    """One row per local day; ``last`` is bumped atomically to number that day's tickets."""

    __tablename__ = "ticket_counter"

    day: str = Field(primary_key=True, max_length=8)
    last: int = 0


class Incident(SQLModel, table=True):
    """A high-frequency event: several open tickets about one thing in one place."""

    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    category: str = Field(max_length=64)
    grid_code: str | None = Field(default=None, max_length=64)
    community_code: str | None = Field(default=None, max_length=64)
    street_code: str | None = Field(default=None, max_length=64)
    street_name: str | None = Field(default=None, max_length=128)
    title: str = Field(default="", max_length=200)
    status: str = Field(default="open", max_length=16, index=True)
    urgency: str = Field(default="normal", max_length=8)
    reporters: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    red_at: datetime | None = None
    resolved_at: datetime | None = None


class Ticket(SQLModel, table=True):
    """One resident demand (工单)."""

    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_reporter", "reporter_channel", "reporter_id"),
        # Duplicate and cluster checks read one category's tickets of the last hours and
        # filter them by place: a short range scan whatever the table's size.
        Index("ix_ticket_category_created", "category", "created_at"),
        # The deadline scan reads only open, not-yet-flagged tickets: a partial index keeps
        # it a short range scan however many closed tickets pile up.
        Index(
            "ix_ticket_deadline_open",
            "deadline",
            postgresql_where=text(f"{OPEN_STATUS_SQL} AND overdue = false"),
            sqlite_where=text(f"{OPEN_STATUS_SQL} AND overdue = 0"),
        ),
        Index(
            "ix_ticket_resolved_unrated",
            "resolved_at",
            postgresql_where=text("status = 'resolved'"),
            sqlite_where=text("status = 'resolved'"),
        ),
        # The console's inbox and dashboard read one unit's tickets, newest first or in a
        # date range: (scope column, created_at) serves both as one range scan (0009).
        Index("ix_ticket_district_created", "district_code", "created_at"),
        Index("ix_ticket_street_created", "street_code", "created_at"),
        Index("ix_ticket_community_created", "community_code", "created_at"),
        Index("ix_ticket_grid_created", "grid_code", "created_at"),
        Index("ix_ticket_department_created", "department", "created_at"),
        Index("ix_ticket_dispatched_created", "dispatched_department", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=24, unique=True)
    category: str = Field(max_length=64)
    domain: str = Field(max_length=64)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    # Where: a building's standard address code, or (outdoors) a landmark and a point.
    building_code: str | None = Field(default=None, max_length=64, index=True)
    unit: str | None = Field(default=None, max_length=16)
    room: str | None = Field(default=None, max_length=16)
    landmark: str | None = Field(default=None, max_length=200)
    lat: float | None = None
    lng: float | None = None
    address_text: str = Field(default="", max_length=300)
    district_code: str | None = Field(default=None, max_length=64)
    district_name: str | None = Field(default=None, max_length=128)
    street_code: str | None = Field(default=None, max_length=64)
    street_name: str | None = Field(default=None, max_length=128)
    community_code: str | None = Field(default=None, max_length=64, index=True)
    community_name: str | None = Field(default=None, max_length=128)
    grid_code: str | None = Field(default=None, max_length=64)
    grid_name: str | None = Field(default=None, max_length=128)
    # Who: the channel a push goes back through. Anonymous hides identity from staff views
    # and Open311, not from the push (the resident still hears back).
    reporter_channel: str = Field(max_length=32)
    reporter_id: str = Field(max_length=128)
    reporter_phone: str | None = Field(default=None, max_length=32)
    # Who is plausibly behind it (clusters): the hashed client the report came from (IP,
    # web session, device; ``InboundMessage`` metadata ``client_key``) and whether the
    # platform vouches for the person (migration ``0009_abuse``).
    reporter_client: str | None = Field(default=None, max_length=64)
    reporter_verified: bool = True
    anonymous: bool = False
    # Where it came in (migration ``0011_ticket_source``): the resident's channel (web,
    # wechat, ...), ``staff`` for 代办, or an intake source (a 12345 hotline, another
    # platform, a sensor network) with that source's own number in ``source_ref``. Pushes
    # still go to ``reporter_channel``; the source is what the console and dashboard show.
    source: str = Field(default="", max_length=32)
    source_ref: str | None = Field(default=None, max_length=64)
    # The category was predicted by the NLU (an order without one): staff confirm or fix it.
    category_predicted: bool = False
    # What happens to it.
    status: str = Field(default="submitted", max_length=16, index=True)
    urgency: str = Field(default="normal", max_length=8)
    department: str = Field(max_length=64)
    tier: str = Field(default="community", max_length=16)
    responsible_unit: str = Field(default="", max_length=128)
    dispatched_department: str | None = Field(default=None, max_length=64)
    deadline: datetime | None = None
    expected_hours: float = 0
    working_hours: bool = False
    overdue: bool = False
    escalations: int = 0
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    # TicketDraft.source_key(): a hash of (channel, sender, message id), never the bare id,
    # which is only unique per chat.
    source_message_id: str | None = Field(default=None, max_length=128, unique=True)
    status_note: str | None = Field(default=None, max_length=500)
    resolved_tier: str | None = Field(default=None, max_length=16)
    rating: int | None = None
    rating_comment: str | None = Field(default=None, max_length=500)
    reminder_sent: bool = False
    supporters: int = 0
    # 催办: how often the residents urged it, and when last (migration ``0008_urge``).
    urge_count: int = 0
    last_urged_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    closed_at: datetime | None = None


class TicketEvidence(SQLModel, table=True):
    """A photo, video, voice note or file the resident sent (stored first, referenced here)."""

    __tablename__ = "ticket_evidence"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    kind: str = Field(max_length=16)
    url: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class TicketSupporter(SQLModel, table=True):
    """A resident who follows a ticket ("我也遇到了"): hears its updates, counts as a reporter."""

    __tablename__ = "ticket_supporter"
    __table_args__ = (UniqueConstraint("ticket_id", "channel", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    channel: str = Field(max_length=32)
    user_id: str = Field(max_length=128)
    client_key: str | None = Field(default=None, max_length=64)
    verified: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class TicketEvent(SQLModel, table=True):
    """One line of a ticket's history: who did what, when, from which status to which."""

    __tablename__ = "ticket_event"
    # The inbox's "waiting for a reply" group reads each ticket's latest event (0009).
    __table_args__ = (Index("ix_ticket_event_ticket_latest", "ticket_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=128)
    kind: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    tier: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, max_length=500)


class OutboxMessage(SQLModel, table=True):
    """A push waiting to be delivered (to a resident or to staff), written in the same
    transaction as the change it announces so that no change goes unannounced."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        # The staff notice feed: staff rows, newest first or after a cursor (0009).
        Index("ix_outbox_audience_id", "audience", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    audience: str = Field(default="resident", max_length=16)
    # What a staff notice is about (``STAFF_NOTICE`` key: new, urgent, red, escalated,
    # overdue, ...); None for pushes to residents. Read by the staff notice feed.
    kind: str | None = Field(default=None, max_length=24)
    channel: str = Field(max_length=32)
    recipient_id: str = Field(max_length=128)
    group_id: str | None = Field(default=None, max_length=128)
    text: str = Field(sa_column=Column(Text, nullable=False))
    # Quick replies as JSON ``[[title, payload], ...]`` (e.g. the satisfaction choices).
    buttons: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # pending → sending (claimed, leased) → sent | pending (retry) | dead (given up)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = None


class SchedulerJob(SQLModel, table=True):
    """Lease row of one periodic job: whoever takes the lease runs the job, once."""

    __tablename__ = "scheduler_job"

    name: str = Field(primary_key=True, max_length=64)
    next_run_at: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    holder: str | None = Field(default=None, max_length=64)
    last_run_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
