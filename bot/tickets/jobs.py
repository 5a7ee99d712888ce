"""The ticket side's scheduled work: deadline scan, cluster check, satisfaction reminders.

Each job is a plain ``async def job(service, now)``: the scheduler decides *who* runs it
(once across workers), these functions decide *what* happens. Batches commit separately so
that one long scan never holds a large transaction open, and rows are claimed with
``FOR UPDATE SKIP LOCKED`` so a staff action on the same ticket simply waits its turn.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import false, text
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.tickets import _ops, clusters, texts
from bot.tickets.models import OPEN_STATUS_SQL, Ticket
from bot.tickets.status import TicketStatus, Tier

if TYPE_CHECKING:
    from bot.tickets.service import TicketService

log = logging.getLogger(__name__)

BATCH = 200


def overdue_query(now: datetime, limit: int) -> SelectOfScalar[Ticket]:
    """Open, not yet flagged tickets past their deadline, oldest first.

    The WHERE clause repeats the partial index's predicate word for word
    (``ix_ticket_deadline_open``) so both PostgreSQL and SQLite can prove the index applies:
    the scan reads only the overdue slice of the open tickets, however many closed ones
    the table holds.
    """
    return (
        select(Ticket)
        .where(
            text(OPEN_STATUS_SQL),
            # "= false" (not "IS FALSE"): the form the index predicate uses, so that the
            # planner can prove the partial index covers the query.
            col(Ticket.overdue) == false(),
            col(Ticket.deadline) <= now,
        )
        .order_by(col(Ticket.deadline))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def escalate_overdue(service: TicketService, now: datetime, *, batch: int = BATCH) -> int:
    """Escalate every ticket whose deadline has passed (community → street → district); at
    the district tier, flag it overdue and urge its handlers. Returns how many were handled."""
    handled = 0
    while True:
        async with service.session_factory() as session:
            tickets = list(await session.exec(overdue_query(now, batch)))
            for ticket in tickets:
                if Tier(ticket.tier).next() is None:
                    await _ops.flag_overdue(session, service.ctx, ticket, now)
                else:
                    await _ops.escalate(
                        session,
                        service.ctx,
                        ticket,
                        texts.SYSTEM_ACTOR,
                        texts.ESCALATION_REASON_OVERDUE,
                        now,
                    )
            await session.commit()
        handled += len(tickets)
        if len(tickets) < batch:
            break
    if handled:
        log.info("deadline scan: %d overdue tickets escalated or flagged", handled)
    return handled


async def cluster_check(service: TicketService, now: datetime, *, batch: int = BATCH) -> int:
    """Revisit open tickets of the cluster window that are in no incident yet: reports filed
    at the same instant on different workers may have missed each other at filing time."""
    since = now - timedelta(hours=service.policy.cluster_window_hours)
    joined = 0
    async with service.session_factory() as session:
        for ticket in await clusters.unclustered_recent(session, since, batch):
            if ticket.incident_id is not None:  # joined meanwhile as someone's neighbour
                continue
            if await clusters.attach(session, service.ctx, ticket, now) is not None:
                joined += 1
        await session.commit()
    return joined


async def satisfaction_reminders(
    service: TicketService, now: datetime, *, batch: int = BATCH
) -> int:
    """Remind residents to rate resolved tickets, then close the ones nobody rated.

    After ``reminder_after_hours`` a resolved, unrated ticket gets one reminder; after
    ``auto_close_after_hours`` it is closed (default verdict) and the residents are told.
    """
    policy = service.policy
    remind_before = now - timedelta(hours=policy.reminder_after_hours)
    close_before = now - timedelta(hours=policy.auto_close_after_hours)
    touched = 0
    async with service.session_factory() as session:
        resolved = text("status = 'resolved'")  # the partial index ix_ticket_resolved_unrated
        stale = await session.exec(
            select(Ticket)
            .where(resolved, col(Ticket.resolved_at) <= close_before)
            .order_by(col(Ticket.resolved_at))
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        for ticket in stale:
            _ops.move(
                session,
                ticket,
                TicketStatus.CLOSED,
                actor=texts.SYSTEM_ACTOR,
                now=now,
                kind="auto_close",
            )
            await _ops.push_residents(session, service.ctx, ticket, "closed", now)
            touched += 1
        due = await session.exec(
            select(Ticket)
            .where(
                resolved,
                col(Ticket.resolved_at) <= remind_before,
                col(Ticket.reminder_sent).is_(False),
            )
            .order_by(col(Ticket.resolved_at))
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        for ticket in due:
            ticket.reminder_sent = True
            _ops.record(session, ticket, actor=texts.SYSTEM_ACTOR, kind="reminder", now=now)
            await _ops.push_residents(session, service.ctx, ticket, "reminder", now)
            touched += 1
        await session.commit()
    return touched
