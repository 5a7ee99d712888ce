"""The dashboard's figures (智慧驾驶舱): SQL aggregates over the tickets a staff member may see.

Every query here is scoped with :func:`bot.staff.scope.ticket_filter`, so a secretary's
dashboard counts only their community and a street's staff only their street. The database
does the counting (``GROUP BY``, ``SUM(CASE ...)``); Python only shapes the few result rows.

Days and months are China-local (UTC+8, no summer time), computed in SQL by shifting the
stored naive-UTC timestamps by eight hours.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement as Col
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.addresses.models import AddrBuilding, AddrGrid
from bot.console import dashboard_texts as texts
from bot.console.inbox import source_column
from bot.console.texts import source_label
from bot.staff.scope import Scope, ScopedAccount, ticket_filter
from bot.tickets.models import Incident, Ticket
from bot.tickets.status import TicketStatus
from bot.tickets.texts import STATUS_LABELS, TIER_LABELS, URGENCY_LABELS

LOCAL_OFFSET = timedelta(hours=8)
MAX_DAYS = 366
TIER_TARGET: Mapping[str, float] = {"community": 0.6, "street": 0.3, "district": 0.1}
DONE = (TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value)
OPEN = tuple(
    s.value for s in TicketStatus
    if s not in (TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.REJECTED)
)
#: Weights of the 他比 score: 办结率, on-time rate, satisfaction rate.
SCORE_WEIGHTS = (0.4, 0.3, 0.3)
HOT_LIMIT = 10


@dataclass(frozen=True, slots=True)
class Window:
    """The period the dashboard counts: ``days`` local days up to and including today."""

    start: datetime  # naive UTC, a local midnight
    end: datetime  # naive UTC, now
    days: int

    @classmethod
    def last_days(cls, now: datetime, days: int) -> Window:
        days = max(1, min(MAX_DAYS, days))
        today = local_midnight(now)
        return cls(today - timedelta(days=days - 1), now, days)


def local_midnight(moment: datetime) -> datetime:
    """The naive-UTC instant of the local midnight starting ``moment``'s local day."""
    local = (moment + LOCAL_OFFSET).replace(hour=0, minute=0, second=0, microsecond=0)
    return local - LOCAL_OFFSET


def local_month_start(moment: datetime, back: int = 0) -> datetime:
    """Naive UTC of the local first of the month ``back`` months before ``moment``'s."""
    local = moment + LOCAL_OFFSET
    year, month = local.year, local.month - back
    while month <= 0:
        month += 12
        year -= 1
    return datetime(year, month, 1) - LOCAL_OFFSET


def _local_day(dialect: str, column: Any) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.to_char(column + literal_column("interval '8 hours'"), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, "+8 hours")


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _done() -> ColumnElement[bool]:
    return col(Ticket.status).in_(DONE)


def _on_time() -> ColumnElement[bool]:
    return and_(
        _done(), col(Ticket.deadline).is_not(None),
        col(Ticket.resolved_at) <= col(Ticket.deadline),
    )


def _with_deadline() -> ColumnElement[bool]:
    return and_(_done(), col(Ticket.deadline).is_not(None), col(Ticket.resolved_at).is_not(None))


def _measures() -> list[Col[Any]]:
    """total, done, on time, done with a deadline, rated, satisfied."""
    return [
        func.count(col(Ticket.id)),
        _count_if(_done()),
        _count_if(_on_time()),
        _count_if(_with_deadline()),
        _count_if(col(Ticket.rating).is_not(None)),
        _count_if(col(Ticket.rating) >= 3),
    ]


def _rates(row: Any) -> dict[str, Any]:
    total, done, on_time, timed, rated, satisfied = (int(v or 0) for v in row)
    return {
        "total": total,
        "done": done,
        "done_rate": _rate(done, total),
        "on_time": on_time,
        "on_time_rate": _rate(on_time, timed),
        "rated": rated,
        "satisfied": satisfied,
        "satisfaction_rate": _rate(satisfied, rated),
    }


def _score(figures: Mapping[str, Any]) -> float:
    parts = (figures["done_rate"], figures["on_time_rate"], figures["satisfaction_rate"])
    return round(sum(w * (p or 0.0) for w, p in zip(SCORE_WEIGHTS, parts, strict=True)) * 100, 1)


async def dashboard_data(
    sessions: async_sessionmaker[AsyncSession],
    who: ScopedAccount | Scope,
    *,
    now: datetime,
    days: int = 30,
    category_names: Mapping[str, str] | None = None,
    source_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the dashboard page shows, for what ``who`` may see, as JSON-ready data
    (``source_labels``: labels of sources beyond ``console.texts.SOURCE_LABELS``)."""
    names = category_names or {}
    window = Window.last_days(now, days)
    scope = ticket_filter(who)
    in_window = and_(
        scope, col(Ticket.created_at) >= window.start, col(Ticket.created_at) <= window.end
    )
    async with sessions() as session:
        conn = await session.connection()
        dialect = conn.dialect.name
        summary = _rates((await conn.execute(select(*_measures()).where(in_window))).one())
        open_now, red_now = (await conn.execute(
            select(
                _count_if(col(Ticket.status).in_(OPEN)),
                _count_if(and_(col(Ticket.status).in_(OPEN), col(Ticket.urgency) == "red")),
            ).where(scope)
        )).one()
        summary["open_now"] = int(open_now or 0)
        summary["red_now"] = int(red_now or 0)
        day = _local_day(dialect, col(Ticket.created_at)).label("day")
        by_day = {
            str(d): int(n) for d, n in await conn.execute(
                select(day, func.count()).where(in_window).group_by(day)
            )
        }
        # One scan for statuses and the tiers that resolved them.
        by_status: dict[str, int] = {}
        by_tier: dict[str, int] = {}
        for status, tier, n in await conn.execute(
            select(col(Ticket.status), col(Ticket.resolved_tier), func.count())
            .where(in_window).group_by(col(Ticket.status), col(Ticket.resolved_tier))
        ):
            by_status[status] = by_status.get(status, 0) + int(n)
            if status in DONE and tier:
                by_tier[tier] = by_tier.get(tier, 0) + int(n)
        by_category = await _grouped(conn, col(Ticket.category), in_window)
        by_source = await _grouped(conn, source_column(), in_window)
        grids = await _grids(conn, in_window)
        hot = await _hot(conn, scope, names)
        self_compare = await _self_compare(conn, scope, now)
        streets, communities = await _rankings(conn, in_window)
    days_list = [
        f"{window.start + LOCAL_OFFSET + timedelta(days=i):%Y-%m-%d}" for i in range(window.days)
    ]
    tier_done = sum(by_tier.get(t, 0) for t in TIER_TARGET)
    return {
        "window": {
            "days": window.days,
            "start": f"{window.start + LOCAL_OFFSET:%Y-%m-%d}",
            "end": f"{window.end + LOCAL_OFFSET:%Y-%m-%d}",
        },
        "summary": summary,
        "by_day": [{"day": d, "count": by_day.get(d, 0)} for d in days_list],
        "by_status": [
            {"status": s, "label": STATUS_LABELS.get(s, s), "count": n}
            for s, n in sorted(by_status.items(), key=lambda kv: -kv[1])
        ],
        "by_category": [
            {"category": c, "label": names.get(c, c), "count": n}
            for c, n in sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "by_source": [
            {
                "source": code, "label": source_label(code, source_labels), "count": n,
                "share": _rate(n, summary["total"]),
            }
            for code, n in sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "tiers": [
            {
                "tier": t, "label": TIER_LABELS[t], "count": by_tier.get(t, 0),
                "share": _rate(by_tier.get(t, 0), tier_done), "target": target,
            }
            for t, target in TIER_TARGET.items()
        ],
        "grids": grids,
        "hot": hot,
        "self_compare": self_compare,
        "ranking": {"streets": streets, "communities": communities},
    }


async def _grouped(
    conn: AsyncConnection, column: Any, where: ColumnElement[bool]
) -> dict[str, int]:
    rows = await conn.execute(select(column, func.count()).where(where).group_by(column))
    return {str(key) if key is not None else "": int(n) for key, n in rows}


async def _grids(conn: AsyncConnection, where: ColumnElement[bool]) -> list[dict[str, Any]]:
    """Demands per grid, with the grid's centroid (mean of its buildings' points)."""
    rows = (await conn.execute(
        select(
            col(Ticket.grid_code), func.max(col(Ticket.grid_name)), func.count(),
            func.avg(col(Ticket.lat)), func.avg(col(Ticket.lng)),
        ).where(where).group_by(col(Ticket.grid_code))
    )).all()
    codes = [r[0] for r in rows if r[0]]
    centroids: dict[str, tuple[float, float, str]] = {}
    if codes:
        for code, lat, lng, name in await conn.execute(
            select(
                col(AddrBuilding.grid_code), func.avg(col(AddrBuilding.lat)),
                func.avg(col(AddrBuilding.lng)), func.max(col(AddrGrid.name)),
            )
            .join(AddrGrid, col(AddrGrid.code) == col(AddrBuilding.grid_code))
            .where(col(AddrBuilding.grid_code).in_(codes))
            .group_by(col(AddrBuilding.grid_code))
        ):
            centroids[str(code)] = (float(lat), float(lng), str(name))
    out = []
    for code, name, count, lat, lng in rows:
        place = centroids.get(code or "")
        point_lat = place[0] if place else (float(lat) if lat is not None else None)
        point_lng = place[1] if place else (float(lng) if lng is not None else None)
        out.append({
            "grid": code or "",
            "name": name or (place[2] if place else texts.NO_GRID),
            "count": int(count),
            "lat": round(point_lat, 6) if point_lat is not None else None,
            "lng": round(point_lng, 6) if point_lng is not None else None,
        })
    out.sort(key=lambda g: (-int(g["count"] or 0), str(g["grid"])))
    return out


async def _hot(
    conn: AsyncConnection, scope: ColumnElement[bool], names: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Open incidents with tickets in scope, red first, then by tickets attached."""
    tickets = func.count(col(Ticket.id)).label("tickets")
    red_first = case((col(Incident.urgency) == "red", 0), else_=1)
    rows = await conn.execute(
        select(
            col(Incident.id), col(Incident.title), col(Incident.category),
            col(Incident.urgency), col(Incident.created_at), col(Incident.reporters),
            tickets, func.max(col(Ticket.community_name)),
        )
        .join(Ticket, col(Ticket.incident_id) == col(Incident.id))
        .where(scope, col(Incident.status) == "open")
        .group_by(
            col(Incident.id), col(Incident.title), col(Incident.category),
            col(Incident.urgency), col(Incident.created_at), col(Incident.reporters),
        )
        .order_by(red_first, tickets.desc(), col(Incident.created_at).desc())
        .limit(HOT_LIMIT)
    )
    return [
        {
            "id": incident_id, "title": title, "category": category,
            "category_label": names.get(category, category), "urgency": urgency,
            "urgency_label": URGENCY_LABELS.get(urgency, urgency), "red": urgency == "red",
            "since": f"{created + LOCAL_OFFSET:%m-%d %H:%M}", "reporters": int(reporters),
            "tickets": int(count), "place": community or "",
        }
        for incident_id, title, category, urgency, created, reporters, count, community in rows
    ]


async def _self_compare(
    conn: AsyncConnection, scope: ColumnElement[bool], now: datetime
) -> list[dict[str, Any]]:
    """自比: each community's count this month against its own monthly average over the
    six months before (and this month's count projected to a whole month)."""
    this_month = local_month_start(now)
    since = local_month_start(now, 6)
    next_month = local_month_start(now + timedelta(days=32))
    elapsed = (now - this_month) / (next_month - this_month)
    rows = await conn.execute(
        select(
            col(Ticket.community_code), func.max(col(Ticket.community_name)),
            _count_if(col(Ticket.created_at) >= this_month),
            _count_if(col(Ticket.created_at) < this_month),
        )
        .where(scope, col(Ticket.created_at) >= since, col(Ticket.created_at) <= now)
        .group_by(col(Ticket.community_code))
    )
    out = []
    for code, name, current, before in rows:
        average = int(before or 0) / 6
        current = int(current or 0)
        projected = current / elapsed if elapsed > 0 else float(current)
        out.append({
            "community": code or "", "name": name or texts.UNKNOWN,
            "this_month": current, "avg_6m": round(average, 1),
            "projected": round(projected, 1),
            "change": round((projected - average) / average, 4) if average else None,
        })
    out.sort(key=lambda r: (-float(r["change"] or 0), str(r["community"])))
    return out


async def _rankings(
    conn: AsyncConnection, where: ColumnElement[bool]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """他比: streets and communities ranked by a weighted score of 办结率, on-time and
    satisfaction rates (one scan by community; a street sums its communities)."""
    rows = await conn.execute(
        select(
            col(Ticket.street_code), func.max(col(Ticket.street_name)),
            col(Ticket.community_code), func.max(col(Ticket.community_name)), *_measures(),
        )
        .where(where).group_by(col(Ticket.street_code), col(Ticket.community_code))
    )
    streets: dict[str, tuple[str, list[int]]] = {}
    communities: dict[str, tuple[str, list[int]]] = {}
    for street_code, street_name, community_code, community_name, *measures in rows:
        counts = [int(v or 0) for v in measures]
        for table, code, name in ((streets, street_code, street_name),
                                  (communities, community_code, community_name)):
            key = code or ""
            if key in table:
                table[key] = (table[key][0], [a + b for a, b in zip(table[key][1], counts,
                                                                       strict=True)])
            else:
                table[key] = (name or texts.UNKNOWN, counts)
    return _ranked(streets), _ranked(communities)


def _ranked(units: Mapping[str, tuple[str, list[int]]]) -> list[dict[str, Any]]:
    out = []
    for code, (name, counts) in units.items():
        figures = _rates(counts)
        out.append({"code": code, "name": name, **figures, "score": _score(figures)})
    out.sort(key=lambda u: (-float(u["score"]), -int(u["total"]), str(u["code"])))
    for rank, unit in enumerate(out, 1):
        unit["rank"] = rank
    return out


# -- CSV export -----------------------------------------------------------------------------


async def export_rows(
    sessions: async_sessionmaker[AsyncSession],
    who: ScopedAccount | Scope,
    *,
    now: datetime,
    days: int = 30,
    category_names: Mapping[str, str] | None = None,
    batch: int = 2000,
    source_labels: Mapping[str, str] | None = None,
) -> AsyncIterator[list[list[str]]]:
    """The scoped tickets of the window as batches of CSV rows (the header alone first),
    streamed from the database. No resident's name, phone, id or words: figures only."""
    names = category_names or {}
    window = Window.last_days(now, days)
    yield [list(texts.CSV_HEADER)]
    query = (
        select(
            col(Ticket.number), col(Ticket.category), col(Ticket.domain), col(Ticket.status),
            col(Ticket.urgency), col(Ticket.street_name), col(Ticket.community_name),
            col(Ticket.grid_name), col(Ticket.created_at), col(Ticket.deadline),
            col(Ticket.resolved_at), col(Ticket.resolved_tier), col(Ticket.rating),
            col(Ticket.incident_id), source_column(),
        )
        .where(
            ticket_filter(who), col(Ticket.created_at) >= window.start,
            col(Ticket.created_at) <= window.end,
        )
        .order_by(col(Ticket.created_at), col(Ticket.id))
    )
    async with sessions() as session:
        conn = await session.connection()
        result = await conn.stream(query)
        async for chunk in result.partitions(batch):
            yield from_chunk(chunk, names, source_labels)


def _when(moment: datetime | None) -> str:
    return f"{moment + LOCAL_OFFSET:%Y-%m-%d %H:%M}" if moment else ""


def from_chunk(
    chunk: Any, names: Mapping[str, str], source_labels: Mapping[str, str] | None = None
) -> list[list[str]]:
    rows = []
    for (number, category, domain, status, urgency, street, community, grid, created,
         deadline, resolved, tier, rating, incident, source) in chunk:
        on_time = ""
        if resolved is not None and deadline is not None:
            on_time = texts.CSV_YES if resolved <= deadline else texts.CSV_NO
        rows.append([
            number, names.get(category, category), domain, STATUS_LABELS.get(status, status),
            URGENCY_LABELS.get(urgency, urgency), street or "", community or "", grid or "",
            _when(created), _when(deadline), _when(resolved),
            TIER_LABELS.get(tier or "", ""), on_time, "" if rating is None else str(rating),
            "" if incident is None else str(incident), source_label(source, source_labels),
        ])
    return rows


__all__ = ["Window", "dashboard_data", "export_rows", "local_month_start"]
