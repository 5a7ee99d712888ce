"""The console's ticket queries: the inbox list, one ticket, and the event feed behind the
live updates. Every query is scoped with :func:`bot.staff.scope.ticket_filter`; a ticket
outside the scope is answered exactly like a ticket that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.console import texts
from bot.errors import BadInput
from bot.staff.scope import Scope, ticket_filter
from bot.tickets import texts as ticket_texts
from bot.tickets.clock import LOCAL_TZ, local_text, to_utc
from bot.tickets.models import Ticket, TicketEvent
from bot.tickets.status import OPEN_STATUSES, TicketStatus, Urgency

PER_PAGE = 30
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
GROUPS = frozenset({"all", "new", "urgent", "overdue", "escalated", "waiting", "handoff"})
#: The group of residents waiting for a person (转人工): conversations, not tickets; the
#: inbox lists them from the handoff service (see bot.console.handoff_web).
HANDOFF_GROUP = "handoff"
_OPEN = [s.value for s in OPEN_STATUSES]


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """What the inbox shows: one group, optional status/category/grid/source, a local date
    range."""

    group: str = "all"
    status: str = ""
    category: str = ""
    grid: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1
    per_page: int = PER_PAGE
    source: str = ""

    @classmethod
    def parse(cls, query: Any) -> InboxFilter:
        """From a request's query (a mapping of strings). Raises BadInput on nonsense."""

        def text(name: str, limit: int = 64) -> str:
            value = str(query.get(name, "") or "").strip()
            if len(value) > limit:
                raise BadInput(f"{name} is too long", code="bad_filter")
            return value

        group = text("group") or "all"
        if group not in GROUPS:
            raise BadInput(f"unknown group {group!r}", code="bad_filter")
        status = text("status")
        if status and status not in TicketStatus.__members__.values():
            raise BadInput(f"unknown status {status!r}", code="bad_filter")
        try:
            since = date.fromisoformat(text("since")) if text("since") else None
            until = date.fromisoformat(text("until")) if text("until") else None
            page = int(text("page") or 1)
            per_page = int(text("per_page") or PER_PAGE)
        except ValueError:
            raise BadInput("bad date or page", code="bad_filter") from None
        if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
            raise BadInput("page out of range", code="bad_filter")
        return cls(
            group, status, text("category"), text("grid"), since, until, page, per_page,
            text("source", 32),
        )

    def query_string(self, **changes: Any) -> str:
        """This filter as a query string (for links), with ``changes`` applied."""
        from urllib.parse import urlencode

        current = replace(self, **changes)
        pairs = {
            "group": current.group if current.group != "all" else "",
            "status": current.status,
            "category": current.category,
            "grid": current.grid,
            "source": current.source,
            "since": current.since.isoformat() if current.since else "",
            "until": current.until.isoformat() if current.until else "",
            "page": str(current.page) if current.page != 1 else "",
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def _local_midnight(day: date) -> datetime:
    return to_utc(datetime.combine(day, time(), tzinfo=LOCAL_TZ))


def _group_clause(group: str, now: datetime) -> ColumnElement[bool] | None:
    is_open = col(Ticket.status).in_(_OPEN)
    if group == "new":
        return col(Ticket.status) == TicketStatus.SUBMITTED.value
    if group == "urgent":
        return and_(
            is_open, col(Ticket.urgency).in_([Urgency.HIGH.value, Urgency.RED.value])
        )
    if group == "overdue":
        return and_(
            is_open, or_(col(Ticket.overdue).is_(True), col(Ticket.deadline) < now)
        )
    if group == "escalated":
        return and_(is_open, col(Ticket.escalations) > 0)
    if group == "waiting":
        # The ball is in the staff's court: the latest event of an open ticket is the
        # resident's (filed, followed, answered a question, urged).
        latest = (
            select(func.max(TicketEvent.id))
            .where(col(TicketEvent.ticket_id) == col(Ticket.id))
            .correlate(Ticket)
            .scalar_subquery()
        )
        by_resident = (
            select(TicketEvent.id)
            .where(
                col(TicketEvent.id) == latest,
                col(TicketEvent.actor) == ticket_texts.RESIDENT_ACTOR,
            )
            .correlate(Ticket)
            .exists()
        )
        return and_(is_open, by_resident)
    return None


def source_column() -> ColumnElement[str]:
    """Where a ticket came in; rows written before ``source`` existed came in through the
    channel they are pushed to (as migration 0011 filled them in)."""
    return func.coalesce(func.nullif(col(Ticket.source), ""), col(Ticket.reporter_channel))


def _where(staff: Scope, f: InboxFilter, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [ticket_filter(staff)]
    group = _group_clause(f.group, now)
    if group is not None:
        where.append(group)
    if f.status:
        where.append(col(Ticket.status) == f.status)
    if f.category:
        where.append(col(Ticket.category) == f.category)
    if f.grid:
        where.append(col(Ticket.grid_code) == f.grid)
    if f.source:
        where.append(source_column() == f.source)
    if f.since:
        where.append(col(Ticket.created_at) >= _local_midnight(f.since))
    if f.until:
        where.append(col(Ticket.created_at) < _local_midnight(f.until + timedelta(days=1)))
    return where


@dataclass(frozen=True, slots=True)
class InboxRow:
    number: str
    status: str
    status_label: str
    category: str
    description: str
    address: str
    grid_code: str | None
    grid_name: str | None
    urgency: str
    overdue: bool
    escalations: int
    supporters: int
    created_at: datetime
    created_text: str
    deadline_text: str
    source: str = ""
    source_label: str = ""
    source_ref: str | None = None
    category_predicted: bool = False

    @classmethod
    def of(
        cls, row: Ticket, now: datetime, source_labels: Mapping[str, str] | None = None
    ) -> InboxRow:
        overdue = row.overdue or (
            row.status in _OPEN and row.deadline is not None and row.deadline < now
        )
        source = row.source or row.reporter_channel
        return cls(
            row.number, row.status, ticket_texts.status_label(row.status), row.category,
            row.description[:80], row.address_text, row.grid_code, row.grid_name, row.urgency,
            overdue, row.escalations, row.supporters, row.created_at,
            local_text(row.created_at), local_text(row.deadline),
            source, texts.source_label(source, source_labels), row.source_ref,
            row.category_predicted,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "status": self.status,
            "status_label": self.status_label,
            "category": self.category,
            "description": self.description,
            "address": self.address,
            "grid_code": self.grid_code,
            "grid_name": self.grid_name,
            "urgency": self.urgency,
            "overdue": self.overdue,
            "escalations": self.escalations,
            "supporters": self.supporters,
            "created_at": self.created_at.isoformat() + "Z",
            "source": self.source,
            "source_label": self.source_label,
            "source_ref": self.source_ref,
            "category_predicted": self.category_predicted,
        }


@dataclass(frozen=True, slots=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    filter: InboxFilter

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.filter.per_page))


async def list_tickets(
    sessions: async_sessionmaker[AsyncSession],
    staff: Scope,
    f: InboxFilter,
    now: datetime,
    source_labels: Mapping[str, str] | None = None,
) -> InboxPage:
    """One page of the tickets ``staff`` may see that match ``f``, newest first
    (``source_labels``: labels of sources registered beyond :data:`texts.SOURCE_LABELS`)."""
    where = _where(staff, f, now)
    async with sessions() as session:
        total = (
            await session.exec(select(func.count()).select_from(Ticket).where(*where))
        ).one()
        rows = await session.exec(
            select(Ticket)
            .where(*where)
            .order_by(col(Ticket.created_at).desc(), col(Ticket.id).desc())
            .offset((f.page - 1) * f.per_page)
            .limit(f.per_page)
        )
        return InboxPage([InboxRow.of(r, now, source_labels) for r in rows], int(total), f)


async def grids_in_scope(
    sessions: async_sessionmaker[AsyncSession], staff: Scope
) -> list[tuple[str, str]]:
    """(code, name) of the grids the staff member's tickets come from (for the filter)."""
    async with sessions() as session:
        rows = await session.exec(
            select(Ticket.grid_code, func.max(Ticket.grid_name))
            .where(ticket_filter(staff), col(Ticket.grid_code).is_not(None))
            .group_by(col(Ticket.grid_code))
            .order_by(col(Ticket.grid_code))
            .limit(500)
        )
        return [(code, name or code) for code, name in rows if code]


async def sources_in_scope(
    sessions: async_sessionmaker[AsyncSession],
    staff: Scope,
    source_labels: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """(source, label) of the sources the staff member's tickets came from (for the filter)."""
    source = source_column()
    async with sessions() as session:
        rows = await session.exec(
            select(source).where(ticket_filter(staff)).group_by(source).order_by(source)
            .limit(100)
        )
        return [(code, texts.source_label(code, source_labels)) for code in rows if code]


async def scoped_row(
    sessions: async_sessionmaker[AsyncSession], staff: Scope, number: str
) -> Ticket | None:
    """The ticket row if it exists and ``staff`` may see it; otherwise None (either way)."""
    async with sessions() as session:
        return (
            await session.exec(
                select(Ticket).where(Ticket.number == number, ticket_filter(staff))
            )
        ).first()


@dataclass(frozen=True, slots=True)
class FeedEvent:
    id: int
    number: str
    kind: str
    status: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "kind": self.kind, "status": self.status}


async def latest_event_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Where a live feed starts: the newest event id of all (nothing older is sent)."""
    async with sessions() as session:
        value = (await session.exec(select(func.max(TicketEvent.id)))).one()
        return int(value or 0)


async def events_since(
    sessions: async_sessionmaker[AsyncSession],
    staff: Scope,
    after_id: int,
    limit: int = 200,
) -> list[FeedEvent]:
    """Ticket events newer than ``after_id`` on tickets ``staff`` may see, oldest first."""
    async with sessions() as session:
        rows = await session.exec(
            select(TicketEvent.id, Ticket.number, TicketEvent.kind, Ticket.status)
            .join(Ticket, col(Ticket.id) == col(TicketEvent.ticket_id))
            .where(col(TicketEvent.id) > after_id, ticket_filter(staff))
            .order_by(col(TicketEvent.id))
            .limit(limit)
        )
        return [FeedEvent(int(i or 0), n, k, s) for i, n, k, s in rows]
