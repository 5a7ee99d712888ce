"""Read side of the ticket service: lookups, lists and views (no changes, no pushes)."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, DateTime, Integer, String, bindparam, case, or_
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.errors import TicketNotFound
from bot.tickets import _ops
from bot.tickets._ops import TicketPolicy
from bot.tickets.catalog import Catalog
from bot.tickets.clock import Clock
from bot.tickets.models import Incident, Ticket, TicketEvent, TicketEvidence, TicketSupporter
from bot.tickets.status import OPEN_STATUSES
from bot.tickets.views import EventView, IncidentView, TicketView, source_key


@cache
def _reporter_query(open_only: bool, open_first: bool) -> SelectOfScalar[Ticket]:
    """:meth:`TicketQueries.list_for_reporter`'s statement, built once per shape: residents
    ask for their tickets all day, and building a statement costs about as much as running
    it on SQLite."""
    channel, user_id = bindparam("channel", type_=String), bindparam("user_id", type_=String)
    followed = select(TicketSupporter.ticket_id).where(
        TicketSupporter.channel == channel, TicketSupporter.user_id == user_id
    )
    query = select(Ticket).where(
        or_(
            (col(Ticket.reporter_channel) == channel) & (col(Ticket.reporter_id) == user_id),
            col(Ticket.id).in_(followed),
        )
    )
    open_statuses = [s.value for s in OPEN_STATUSES]
    if open_only:
        query = query.where(col(Ticket.status).in_(open_statuses))
    order = [col(Ticket.created_at).desc()]
    if open_first:
        order.insert(0, case((col(Ticket.status).in_(open_statuses), 0), else_=1))  # type: ignore[arg-type]
    return query.order_by(*order).limit(bindparam("limit", type_=Integer))


@cache
def _similar_query(by_building: bool, by_grid: bool) -> SelectOfScalar[Ticket]:
    """:meth:`TicketQueries.find_similar_open`'s statement, built once per shape."""
    place: list[ColumnElement[bool]] = []
    if by_building:
        place.append(col(Ticket.building_code) == bindparam("building", type_=String))
    if by_grid:
        place.append(col(Ticket.grid_code) == bindparam("grid", type_=String))
    return (
        select(Ticket)
        .where(
            Ticket.category == bindparam("category", type_=String),
            col(Ticket.status).in_([s.value for s in OPEN_STATUSES]),
            Ticket.created_at >= bindparam("since", type_=DateTime),
            or_(*place),
        )
        .order_by(col(Ticket.supporters).desc(), col(Ticket.created_at))
        .limit(10)
    )


class TicketQueries:
    """Lookups shared by :class:`~bot.tickets.service.TicketService` (which adds changes)."""

    session_factory: async_sessionmaker[AsyncSession]
    catalog: Catalog
    clock: Clock
    policy: TicketPolicy

    async def find_similar_open(
        self, category: str, building_code: str | None, grid_code: str | None
    ) -> list[TicketView]:
        """Open tickets of ``category`` filed lately for the same building or grid, most
        supported first (the intake flow offers to follow one instead of filing again)."""
        if not building_code and not grid_code:
            return []
        params = {
            "category": category,
            "building": building_code,
            "grid": grid_code,
            "since": _ops.lookback(self.clock(), self.policy.similar_lookback_hours),
        }
        statement = _similar_query(bool(building_code), bool(grid_code))
        async with self.session_factory() as session:
            rows = await session.exec(statement, params=params)
            return [self._view(row) for row in rows]

    async def get(self, number: str) -> TicketView:
        """A ticket with its evidence and full history.

        Raises:
            TicketNotFound: no ticket has this number.
        """
        async with self.session_factory() as session:
            ticket = await self._load(session, number)
            evidence = await session.exec(
                select(TicketEvidence.kind, TicketEvidence.url)
                .where(TicketEvidence.ticket_id == ticket.id)
                .order_by(col(TicketEvidence.id))
            )
            events = await session.exec(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket.id)
                .order_by(col(TicketEvent.id))
            )
            return self._view(
                ticket,
                evidence=tuple((k, u) for k, u in evidence),
                history=tuple(EventView.of(e) for e in events),
            )

    async def is_party(self, number: str, channel: str, user_id: str) -> bool:
        """Whether this resident reported or follows the ticket: only they hear its details
        (anyone may know, or guess, a ticket number)."""
        async with self.session_factory() as session:
            ticket = (
                await session.exec(
                    select(Ticket.id, Ticket.reporter_channel, Ticket.reporter_id).where(
                        Ticket.number == number
                    )
                )
            ).first()
            if ticket is None:
                return False
            ticket_id, reporter_channel, reporter_id = ticket
            if (reporter_channel, reporter_id) == (channel, user_id):
                return True
            follows = await session.exec(
                select(TicketSupporter.id).where(
                    TicketSupporter.ticket_id == ticket_id,
                    TicketSupporter.channel == channel,
                    TicketSupporter.user_id == user_id,
                )
            )
            return follows.first() is not None

    async def list_for_reporter(
        self,
        channel: str,
        user_id: str,
        open_only: bool = True,
        *,
        limit: int = 20,
        open_first: bool = False,
    ) -> list[TicketView]:
        """The resident's own tickets and those they follow, newest first (``open_first``:
        the open ones newest first, then the others newest first, in the same query)."""
        params = {"channel": channel, "user_id": user_id, "limit": limit}
        async with self.session_factory() as session:
            rows = await session.exec(_reporter_query(open_only, open_first), params=params)
            return [self._view(row) for row in rows]

    async def search(
        self,
        *,
        numbers: list[str] | None = None,
        categories: list[str] | None = None,
        statuses: list[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[TicketView]:
        """Tickets by number, category, status and filing time (naive UTC), newest first."""
        query = select(Ticket)
        if numbers:
            query = query.where(col(Ticket.number).in_(numbers))
        if categories:
            query = query.where(col(Ticket.category).in_(categories))
        if statuses:
            query = query.where(col(Ticket.status).in_(statuses))
        if since is not None:
            query = query.where(Ticket.created_at >= since)
        if until is not None:
            query = query.where(Ticket.created_at <= until)
        async with self.session_factory() as session:
            rows = await session.exec(query.order_by(col(Ticket.created_at).desc()).limit(limit))
            tickets = list(rows)
            media = await self._first_evidence(session, [t.id for t in tickets if t.id])
            return [self._view(t, evidence=media.get(t.id or 0, ())) for t in tickets]

    async def _first_evidence(
        self, session: AsyncSession, ticket_ids: list[int]
    ) -> dict[int, tuple[tuple[str, str], ...]]:
        if not ticket_ids:
            return {}
        rows = await session.exec(
            select(TicketEvidence.ticket_id, TicketEvidence.kind, TicketEvidence.url)
            .where(col(TicketEvidence.ticket_id).in_(ticket_ids))
            .order_by(col(TicketEvidence.id))
        )
        found: dict[int, tuple[tuple[str, str], ...]] = {}
        for ticket_id, kind, url in rows:
            found.setdefault(ticket_id, ())
            found[ticket_id] = (*found[ticket_id], (kind, url))
        return found

    async def incident(self, incident_id: int) -> IncidentView:
        async with self.session_factory() as session:
            incident = await session.get(Incident, incident_id)
            if incident is None:
                raise TicketNotFound(f"no incident {incident_id}")
            numbers = await session.exec(
                select(Ticket.number)
                .where(Ticket.incident_id == incident_id)
                .order_by(col(Ticket.id))
            )
            assert incident.id is not None
            return IncidentView(
                incident.id,
                incident.category,
                incident.grid_code,
                incident.street_name,
                incident.status,
                incident.urgency,
                incident.reporters,
                tuple(numbers),
                incident.created_at,
                incident.red_at,
                incident.resolved_at,
            )

    async def _load(self, session: AsyncSession, number: str, *, lock: bool = False) -> Ticket:
        query = select(Ticket).where(Ticket.number == number)
        if lock:
            query = query.with_for_update()
        ticket = (await session.exec(query)).first()
        if ticket is None:
            raise TicketNotFound(f"no ticket {number}")
        return ticket

    async def filed_from(self, channel: str, sender_id: str, message_id: str) -> TicketView | None:
        """The ticket this sender's message (or API request) id already filed, if any: an
        API client retrying a submit learns it before uploading its evidence again."""
        return await self._find_by_source(source_key(channel, sender_id, message_id))

    async def _find_by_source(self, source_message_id: str) -> TicketView | None:
        async with self.session_factory() as session:
            number = (
                await session.exec(
                    select(Ticket.number).where(Ticket.source_message_id == source_message_id)
                )
            ).first()
        return await self.get(number) if number else None

    def _view(
        self,
        row: Ticket,
        *,
        evidence: tuple[tuple[str, str], ...] = (),
        history: tuple[EventView, ...] = (),
    ) -> TicketView:
        item = self.catalog.item(row.category) if self.catalog.has(row.category) else None
        domains = self.catalog.domains()
        return TicketView.of(
            row,
            category_name=item.name if item else row.category,
            domain_name=domains.get(row.domain, row.domain),
            evidence=evidence,
            history=history,
        )
