"""High-frequency events (高频事件): many residents, one problem, one incident.

Open tickets of the same category, in the same grid or within ``cluster_radius_m`` of each
other, filed within ``cluster_window_hours`` and with similar text, are one incident. When the
incident counts ``cluster_min_reporters`` plausible residents (reporters and followers,
weighed by :func:`plausible_weight`) from more than one client, it turns red: every ticket
in it becomes red, the street is notified at once and every resident hears that the problem
is now handled as a priority. Resolving the incident resolves its
tickets and tells every reporter.

Text similarity is rapidfuzz's token-set ratio over character bigrams: Chinese has no spaces,
and bigrams catch "路灯不亮"/"路灯坏了不亮" without a tokenizer or a model.
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import ColumnElement, func, or_, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.tickets import _ops, texts
from bot.tickets.models import OPEN_STATUS_SQL, Incident, Ticket, TicketSupporter
from bot.tickets.status import OPEN_STATUSES, Tier, Urgency

_EARTH_RADIUS_M = 6_371_000.0


def similarity(a: str, b: str) -> float:
    """0..1: how alike two short complaints read (character bigrams, token-set ratio)."""
    return fuzz.token_set_ratio(_bigrams(a), _bigrams(b)) / 100.0


def _bigrams(text_: str) -> str:
    chars = [c for c in text_.lower() if c.isalnum()]
    if len(chars) < 2:
        return "".join(chars)
    return " ".join(chars[i] + chars[i + 1] for i in range(len(chars) - 1))


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine; ample for a few hundred metres)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(h))


async def _lock_category(session: AsyncSession, category: str) -> None:
    """Serialise incident formation per category on PostgreSQL (two reports of one pothole
    filed in the same instant must not found two incidents). SQLite has a single writer."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        key = zlib.crc32(f"incident:{category}".encode()) - 2**31
        connection = await session.connection()
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _near(ticket: Ticket, other: Ticket, radius_m: float) -> bool:
    if ticket.grid_code and ticket.grid_code == other.grid_code:
        return True
    if ticket.lat is None or ticket.lng is None or other.lat is None or other.lng is None:
        return False
    return distance_m(ticket.lat, ticket.lng, other.lat, other.lng) <= radius_m


#: How many of the newest open tickets of a category near a new one are compared with it.
_MAX_CANDIDATES = 200


async def _candidates(session: AsyncSession, ctx: _ops.Context, ticket: Ticket) -> list[Ticket]:
    policy = ctx.policy
    since = _ops.lookback(ticket.created_at, policy.cluster_window_hours)
    place: list[ColumnElement[bool]] = []
    if ticket.grid_code:
        place.append(col(Ticket.grid_code) == ticket.grid_code)
    if ticket.lat is not None and ticket.lng is not None:
        # A bounding box the index can narrow; the exact circle is checked in Python.
        dlat = policy.cluster_radius_m / 111_000
        dlng = dlat / max(math.cos(math.radians(ticket.lat)), 0.01)
        place.append(
            col(Ticket.lat).between(ticket.lat - dlat, ticket.lat + dlat)
            & col(Ticket.lng).between(ticket.lng - dlng, ticket.lng + dlng)
        )
    if not place:
        return []
    rows = await session.exec(
        select(Ticket)
        .where(
            Ticket.category == ticket.category,
            Ticket.id != ticket.id,
            col(Ticket.status).in_([s.value for s in OPEN_STATUSES]),
            Ticket.created_at >= since,
            or_(*place),
        )
        # The newest few are enough to find the incident (every member of one is near and
        # alike); reading all of a busy grid's day made each filing slower than the last.
        .order_by(col(Ticket.created_at).desc())
        .limit(_MAX_CANDIDATES)
    )
    found = [
        other
        for other in rows
        if _near(ticket, other, policy.cluster_radius_m)
        and similarity(ticket.description, other.description) >= policy.cluster_similarity
    ]
    found.reverse()  # oldest first, as incidents are founded and merged
    return found


@dataclass(frozen=True, slots=True)
class Resident:
    """One reporter or follower as clusters see them."""

    channel: str
    user_id: str
    client_key: str | None
    verified: bool

    @property
    def client(self) -> str:
        """The client they came from; without a key, the person is their own client."""
        return self.client_key or f"person:{self.channel}\0{self.user_id}"


async def residents(session: AsyncSession, incident_id: int) -> list[Resident]:
    """Everyone who reported or follows a ticket of the incident, once each (a verified
    appearance wins over an unverified one)."""
    found: dict[tuple[str, str], Resident] = {}

    def add(resident: Resident) -> None:
        key = (resident.channel, resident.user_id)
        known = found.get(key)
        if known is None or (resident.verified and not known.verified):
            found[key] = resident

    reporters = await session.exec(
        select(
            Ticket.reporter_channel,
            Ticket.reporter_id,
            Ticket.reporter_client,
            Ticket.reporter_verified,
        ).where(Ticket.incident_id == incident_id)
    )
    for channel, user_id, client_key, verified in reporters:
        add(Resident(channel, user_id, client_key, bool(verified)))
    followers = await session.exec(
        select(
            TicketSupporter.channel,
            TicketSupporter.user_id,
            TicketSupporter.client_key,
            TicketSupporter.verified,
        )
        .join(Ticket, col(Ticket.id) == TicketSupporter.ticket_id)
        .where(Ticket.incident_id == incident_id)
    )
    for channel, user_id, client_key, verified in followers:
        add(Resident(channel, user_id, client_key, bool(verified)))
    return list(found.values())


async def distinct_residents(session: AsyncSession, incident_id: int) -> set[tuple[str, str]]:
    """Everyone who reported or follows a ticket of the incident."""
    return {(r.channel, r.user_id) for r in await residents(session, incident_id)}


def plausible_weight(people: Sequence[Resident], policy: _ops.TicketPolicy) -> float:
    """How many real residents ``people`` plausibly are.

    A verified resident (bound phone, platform account) weighs 1, an unverified one (an
    anonymous web sender) ``cluster_anonymous_weight``; everyone from one client (one
    hashed IP, web session or device) together counts at most ``cluster_client_cap``; and
    the unverified weight of one channel at most ``cluster_unverified_channel_cap`` (0: no
    cap). Five invented sender ids from one client are thus one resident, not five.
    """
    by_client: dict[str, list[Resident]] = defaultdict(list)
    for person in people:
        by_client[person.client].append(person)
    total = 0.0
    unverified_by_channel: dict[str, float] = defaultdict(float)
    for group in by_client.values():
        verified = sum(1.0 for p in group if p.verified)
        weight = min(verified, policy.cluster_client_cap)
        room = policy.cluster_client_cap - weight
        for person in group:
            if person.verified or room <= 0:
                continue
            share = min(policy.cluster_anonymous_weight, room)
            room -= share
            unverified_by_channel[person.channel] += share
        total += weight
    for weight in unverified_by_channel.values():
        cap = policy.cluster_unverified_channel_cap
        total += min(weight, cap) if cap > 0 else weight
    return total


async def attach(
    session: AsyncSession, ctx: _ops.Context, ticket: Ticket, now: datetime
) -> Incident | None:
    """Put ``ticket`` into the incident of similar nearby open tickets (founding one if
    needed) and turn it red at the threshold. Runs inside the caller's transaction."""
    await _lock_category(session, ticket.category)
    similar = await _candidates(session, ctx, ticket)
    if not similar:
        return None
    incident_ids = sorted({t.incident_id for t in similar if t.incident_id is not None})
    incident: Incident | None = None
    for incident_id in incident_ids:
        found = await session.get(Incident, incident_id)
        if found is not None and found.status == "open":
            incident = found
            break
    if incident is None:
        incident = Incident(
            category=ticket.category,
            grid_code=ticket.grid_code,
            community_code=ticket.community_code,
            street_code=ticket.street_code,
            street_name=ticket.street_name,
            title=_ops.item_of(ctx, ticket).name,
            created_at=now,
        )
        session.add(incident)
        await session.flush()
    assert incident.id is not None
    # Join every similar ticket, including those of other open incidents (they merge here).
    joined = [m for m in [*similar, ticket] if m.incident_id != incident.id]
    for member in joined:
        member.incident_id = incident.id
    await session.flush()
    await refresh(session, ctx, incident, now, joined=joined)
    return incident


async def refresh(
    session: AsyncSession,
    ctx: _ops.Context,
    incident: Incident,
    now: datetime,
    *,
    joined: list[Ticket] | None = None,
) -> None:
    """Recount the incident's residents. Crossing the threshold turns every open ticket red
    and notifies the street; tickets joining an incident that is already red turn red too."""
    assert incident.id is not None
    people = await residents(session, incident.id)
    incident.reporters = len(people)
    if incident.urgency == Urgency.RED:
        for member in joined or []:
            if member.status in OPEN_STATUSES and member.urgency != Urgency.RED:
                await _make_red(session, ctx, member, incident, now)
        return
    # Red needs enough plausible residents, and more than one client behind them: one
    # script inventing senders must never notify a street.
    clients = {person.client for person in people}
    weight = plausible_weight(people, ctx.policy)
    if len(clients) < 2 or weight + 1e-9 < ctx.policy.cluster_min_reporters:
        return
    incident.urgency = Urgency.RED.value
    incident.red_at = now
    members = await session.exec(
        select(Ticket).where(Ticket.incident_id == incident.id).order_by(col(Ticket.id))
    )
    open_members = [m for m in members if m.status in OPEN_STATUSES]
    for member in open_members:
        await _make_red(session, ctx, member, incident, now)
    if open_members:
        lead = open_members[0]
        _ops.notify_staff(
            session,
            ctx,
            lead,
            "red",
            _ops.tier_handlers(ctx, lead, Tier.STREET),
            now,
            count=incident.reporters,
            numbers=texts.LIST_SEPARATOR.join(m.number for m in open_members),
        )


async def _make_red(
    session: AsyncSession, ctx: _ops.Context, ticket: Ticket, incident: Incident, now: datetime
) -> None:
    ticket.urgency = Urgency.RED.value
    ticket.updated_at = now
    _ops.record(
        session,
        ticket,
        actor=texts.SYSTEM_ACTOR,
        kind="urgency",
        now=now,
        note=f"incident {incident.id}: red",
    )
    await _ops.push_residents(
        session,
        ctx,
        ticket,
        "red",
        now,
        count=incident.reporters,
        street=ticket.street_name or incident.street_name or "",
    )


async def unclustered_recent(session: AsyncSession, since: datetime, limit: int) -> list[Ticket]:
    """Open tickets of the window not yet in an incident (the cluster check revisits them:
    two reports filed at the same instant on different workers may have missed each other)."""
    rows = await session.exec(
        select(Ticket)
        .where(
            text(OPEN_STATUS_SQL),
            col(Ticket.incident_id).is_(None),
            Ticket.created_at >= since,
        )
        .order_by(col(Ticket.created_at))
        .limit(limit)
    )
    return list(rows)


async def open_incident_count(session: AsyncSession) -> int:
    result = await session.exec(
        select(func.count()).select_from(Incident).where(Incident.status == "open")
    )
    return int(result.one())
