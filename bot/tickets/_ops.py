"""Building blocks every ticket change is made of, inside one open transaction.

Each public operation of the service is a few of these in a row: check the transition,
change the row, write the event, queue the pushes. Keeping them here means "an event row and
an outbox row for every resident-visible change" is written once, not remembered per caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from bot.errors import InvalidTransition
from bot.messages import Button
from bot.tickets import texts
from bot.tickets.catalog import Catalog, CatalogItem
from bot.tickets.clock import deadline_text
from bot.tickets.deadlines import compute_deadline
from bot.tickets.models import Ticket, TicketEvent, TicketSupporter
from bot.tickets.outbox import Audience, add_message
from bot.tickets.routing import Recipient, Router, full_address
from bot.tickets.status import TicketStatus, Tier, check_transition

#: Tickets a grid worker filed on someone's behalf (代办) from the console.
STAFF_FILED_CHANNEL = "staff"
#: Made-up tickets of `minsheng demo history` (their residents do not exist).
DEMO_HISTORY_CHANNEL = "demo_history"
#: Tickets a partner system filed through /intake/v1 (sensor alarms; ``reporter_id`` is the
#: source's name): no resident to tell; a source hears back through its own callback.
INTAKE_CHANNEL = "intake"
#: Channels a ticket can be filed through that have no way to push back (API callers poll;
#: staff see their own tickets in the console; demo residents have nowhere to be told).
NO_PUSH_CHANNELS = frozenset({"open311", STAFF_FILED_CHANNEL, DEMO_HISTORY_CHANNEL})
#: Orders from an intake source (a 12345 hotline, another platform): the reporter id is the
#: source's name, and what reaches it is one callback per status change (bot.intake), not a
#: resident's chat message.
INTAKE_CHANNEL = "intake"
#: The resident pushes that announce a status change; only these reach an intake source.
#: Replies, information requests, reminders to rate, overdue apologies and cluster notices
#: are for a person in a chat, and a partner system has no use for them.
STATUS_PUSH_KEYS = frozenset(
    {
        "accepted", "in_progress", "dispatched", "transferred", "escalated", "resolved",
        "closed", "reopened", "rejected",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class TicketPolicy:
    """Tunable rules of the ticket side (from :class:`Settings`, overridable in tests)."""

    cluster_min_reporters: int = 5
    cluster_window_hours: float = 24.0
    cluster_radius_m: float = 300.0
    cluster_similarity: float = 0.4
    #: Plausible residents (clusters.plausible_weight): an unverified resident's weight, the
    #: most one client counts, the most unverified residents of one channel count (0: no cap).
    cluster_anonymous_weight: float = 0.5
    cluster_client_cap: float = 1.0
    cluster_unverified_channel_cap: float = 0.0
    similar_lookback_hours: float = 72.0
    #: Channels to reach staff on, most wanted first (comma-separated names).
    staff_channel: str = "wecom,wechat,telegram"
    reminder_after_hours: float = 24.0
    #: 催办: at most one staff notice per ticket in this many hours (every urging is recorded).
    urge_notice_interval_hours: float = 2.0
    auto_close_after_hours: float = 72.0

    @classmethod
    def from_settings(cls, settings: Settings) -> TicketPolicy:
        return cls(
            cluster_min_reporters=settings.ticket_cluster_min_reporters,
            cluster_window_hours=settings.ticket_cluster_window_hours,
            staff_channel=settings.ticket_staff_channel,
            cluster_anonymous_weight=settings.ticket_cluster_anonymous_weight,
            cluster_client_cap=settings.ticket_cluster_client_cap,
            cluster_unverified_channel_cap=settings.ticket_cluster_unverified_channel_cap,
        )


@dataclass(frozen=True, slots=True)
class Context:
    """What the building blocks need besides the session."""

    catalog: Catalog
    router: Router
    policy: TicketPolicy


def item_of(ctx: Context, ticket: Ticket) -> CatalogItem:
    return ctx.catalog.item(ticket.category)


def template_fields(ctx: Context, ticket: Ticket, **extra: object) -> dict[str, object]:
    """The fields every push template may use, plus the caller's extras."""
    fields: dict[str, object] = {
        "number": ticket.number,
        "category": item_of(ctx, ticket).name,
        "unit": ticket.responsible_unit,
        "deadline": deadline_text(ticket.deadline),
        "address": full_address(ticket.address_text, ticket.unit, ticket.room),
        "description": short(ticket.description),
        "tier": texts.TIER_LABELS.get(ticket.tier, ticket.tier),
        "street": ticket.street_name or "",
        "reason": "",
        "note": "",
        "count": 0,
        "numbers": "",
    }
    fields.update(extra)
    return fields


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record(
    session: AsyncSession,
    ticket: Ticket,
    *,
    actor: str,
    kind: str,
    now: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
) -> None:
    assert ticket.id is not None
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            at=now,
            actor=actor,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            tier=ticket.tier,
            note=(note or None) and note[:500],
        )
    )


async def resident_targets(session: AsyncSession, ticket: Ticket) -> list[tuple[str, str]]:
    """(channel, user id) of the reporter and of every resident following the ticket."""
    targets: list[tuple[str, str]] = []
    if ticket.reporter_channel not in NO_PUSH_CHANNELS:
        targets.append((ticket.reporter_channel, ticket.reporter_id))
    # No autoflush: pending ticket, event and outbox rows are written together at commit
    # (one batched INSERT per table) instead of one round trip per ticket of a batch.
    # Supporters are only ever added with an explicit flush (see TicketService.follow).
    with session.no_autoflush:
        rows = await session.exec(
            select(TicketSupporter.channel, TicketSupporter.user_id).where(
                TicketSupporter.ticket_id == ticket.id
            )
        )
    for channel, user_id in rows:
        if channel not in NO_PUSH_CHANNELS and (channel, user_id) not in targets:
            targets.append((channel, user_id))
    return targets


def satisfaction_buttons() -> tuple[Button, ...]:
    return tuple(Button(title, title) for title, _ in texts.SATISFACTION_CHOICES)


async def push_residents(
    session: AsyncSession, ctx: Context, ticket: Ticket, key: str, now: datetime, **extra: object
) -> int:
    """Queue the ``RESIDENT_PUSH[key]`` text to everyone who hears about this ticket."""
    text = texts.RESIDENT_PUSH[key].format(**template_fields(ctx, ticket, **extra))
    buttons = satisfaction_buttons() if key in {"resolved", "reminder"} else ()
    targets = await resident_targets(session, ticket)
    for channel, user_id in targets:
        intake = channel == INTAKE_CHANNEL
        if intake and key not in STATUS_PUSH_KEYS:
            continue  # a source hears status changes, not replies or rating prompts
        add_message(
            session,
            channel=channel,
            recipient_id=user_id,
            text=text,
            now=now,
            ticket_id=ticket.id,
            # A source's callback is built from the ticket and this row (kind = the status
            # the ticket moved to, created_at = the change's time), not from the text.
            kind=ticket.status if intake else None,
            buttons=() if intake else buttons,
        )
    return len(targets)


def notify_staff(
    session: AsyncSession,
    ctx: Context,
    ticket: Ticket,
    key: str,
    recipients: list[Recipient],
    now: datetime,
    **extra: object,
) -> None:
    """Queue the ``STAFF_NOTICE[key]`` text to each recipient on the staff channel."""
    text = texts.STAFF_NOTICE[key].format(**template_fields(ctx, ticket, **extra))
    for recipient in recipients:
        add_message(
            session,
            channel=recipient.channel,
            recipient_id=recipient.recipient_id,
            text=text,
            now=now,
            audience=Audience.STAFF,
            ticket_id=ticket.id,
            kind=key,
        )


def tier_handlers(ctx: Context, ticket: Ticket, tier: Tier) -> list[Recipient]:
    unit_code = {
        Tier.COMMUNITY: ticket.community_code,
        Tier.STREET: ticket.street_code,
        Tier.DISTRICT: ticket.district_code,
    }[tier]
    return ctx.router.handlers(
        ticket.building_code, ticket.grid_code, tier, unit_code, ctx.policy.staff_channel
    )


def unit_name(ticket: Ticket, tier: Tier) -> str:
    name = {
        Tier.COMMUNITY: ticket.community_name,
        Tier.STREET: ticket.street_name,
        Tier.DISTRICT: ticket.district_name,
    }[tier]
    return name or texts.TIER_LABELS[tier.value]


def restart_clock(ctx: Context, ticket: Ticket, now: datetime) -> None:
    """Give the ticket a fresh time limit from its catalog item, starting now."""
    item = item_of(ctx, ticket)
    ticket.deadline = compute_deadline(
        now, item.time_limit_hours, working=item.working_hours, calendar=ctx.catalog.calendar
    )
    ticket.expected_hours = item.time_limit_hours
    ticket.working_hours = item.working_hours
    ticket.overdue = False


def move(
    session: AsyncSession,
    ticket: Ticket,
    target: TicketStatus,
    *,
    actor: str,
    now: datetime,
    reason: str | None = None,
    kind: str = "status",
) -> str:
    """Apply one allowed status change and its bookkeeping; returns the previous status.

    Raises:
        InvalidTransition: the state machine forbids it (nothing is changed).
    """
    check_transition(ticket.status, target, reason)
    previous = ticket.status
    ticket.status = target.value
    ticket.updated_at = now
    if reason:
        ticket.status_note = reason[:500]
    if target is TicketStatus.RESOLVED:
        ticket.resolved_at = now
        ticket.resolved_tier = ticket.tier
        ticket.reminder_sent = False
    elif target is TicketStatus.CLOSED:
        ticket.closed_at = now
    elif target is TicketStatus.REOPENED:
        ticket.resolved_at = None
        ticket.resolved_tier = None
        ticket.rating = None
    record(
        session,
        ticket,
        actor=actor,
        kind=kind,
        now=now,
        from_status=previous,
        to_status=target.value,
        note=reason,
    )
    return previous


def lookback(now: datetime, hours: float) -> datetime:
    return now - timedelta(hours=hours)


async def escalate(
    session: AsyncSession, ctx: Context, ticket: Ticket, actor: str, reason: str, now: datetime
) -> None:
    """Climb one tier with a fresh time limit; notify the new tier's handlers and tell the
    residents. Raises InvalidTransition at the top tier or on a ticket that is not open."""
    current = Tier(ticket.tier)
    upper = current.next()
    if upper is None:
        raise InvalidTransition(f"ticket {ticket.number} is already handled at the top tier")
    move(
        session,
        ticket,
        TicketStatus.ESCALATED,
        actor=actor,
        now=now,
        reason=reason,
        kind="escalate",
    )
    ticket.tier = upper.value
    ticket.escalations += 1
    ticket.responsible_unit = unit_name(ticket, upper)
    restart_clock(ctx, ticket, now)
    notify_staff(
        session,
        ctx,
        ticket,
        "escalated",
        tier_handlers(ctx, ticket, upper),
        now,
        reason=reason,
        tier=texts.TIER_LABELS[current.value],
    )
    await push_residents(session, ctx, ticket, "escalated", now, reason=reason)


async def flag_overdue(session: AsyncSession, ctx: Context, ticket: Ticket, now: datetime) -> None:
    """The top tier's deadline passed: nothing left to climb, so supervise instead — flag the
    ticket (the scan will not pick it up again), urge its handlers, tell the residents."""
    ticket.overdue = True
    ticket.updated_at = now
    record(session, ticket, actor=texts.SYSTEM_ACTOR, kind="overdue", now=now)
    notify_staff(
        session, ctx, ticket, "overdue", tier_handlers(ctx, ticket, Tier(ticket.tier)), now
    )
    await push_residents(session, ctx, ticket, "overdue", now)
