"""Periodic jobs that run once across all workers, by a lease row in the database.

Every worker process runs :func:`scheduler_loop`; each job has one ``scheduler_job`` row.
A worker runs a job only after winning a single conditional UPDATE on that row ("due, and
nobody holds an unexpired lease") — PostgreSQL and SQLite both make that UPDATE atomic, so
exactly one worker wins per period. The winner moves ``next_run_at`` on when it finishes; a
winner that dies simply lets the lease expire and the next worker picks the job up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.tickets.clock import Clock
from bot.tickets.models import SchedulerJob

if TYPE_CHECKING:
    from bot.tickets.service import TicketService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    """A named periodic task; ``run(now)`` gets the scheduler's clock reading."""

    name: str
    interval: timedelta
    run: Callable[[datetime], Awaitable[object]]


class Scheduler:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        jobs: Sequence[Job],
        *,
        holder: str | None = None,
        lease: timedelta = timedelta(minutes=10),
    ) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError("job names must be unique")
        self.session_factory = session_factory
        self.jobs = list(jobs)
        self.holder = holder or f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.lease = lease
        self._registered = False

    async def _register(self, now: datetime) -> None:
        """Create missing job rows (first due at once); existing rows keep their schedule."""
        async with self.session_factory() as session:
            dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            for job in self.jobs:
                await session.exec(
                    insert(SchedulerJob)
                    .values(name=job.name, next_run_at=now)
                    .on_conflict_do_nothing(index_elements=["name"])
                )
            await session.commit()
        self._registered = True

    async def _acquire(self, job: Job, now: datetime) -> bool:
        async with self.session_factory() as session:
            result = await session.exec(
                update(SchedulerJob)
                .where(
                    col(SchedulerJob.name) == job.name,
                    col(SchedulerJob.next_run_at) <= now,
                    or_(
                        col(SchedulerJob.lease_until).is_(None), col(SchedulerJob.lease_until) < now
                    ),
                )
                .values(holder=self.holder, lease_until=now + self.lease)
            )
            await session.commit()
            return result.rowcount == 1

    async def _release(self, job: Job, now: datetime, error: str | None) -> None:
        async with self.session_factory() as session:
            await session.exec(
                update(SchedulerJob)
                .where(col(SchedulerJob.name) == job.name, col(SchedulerJob.holder) == self.holder)
                .values(
                    holder=None,
                    lease_until=None,
                    last_run_at=now,
                    next_run_at=now + job.interval,
                    last_error=error,
                )
            )
            await session.commit()

    async def run_due_jobs(self, now: datetime) -> list[str]:
        """Run every job that is due at ``now`` and not taken by another worker; returns
        the names of the jobs this worker ran. A failing job is logged and retried at its
        next interval; it never stops the others."""
        if not self._registered:
            await self._register(now)
        ran: list[str] = []
        for job in self.jobs:
            if not await self._acquire(job, now):
                continue
            error: str | None = None
            try:
                await job.run(now)
            except Exception as exc:  # one job's failure must not stop the others
                log.exception("scheduled job %s failed", job.name)
                error = f"{type(exc).__name__}: {exc}"[:500]
            await self._release(job, now, error)
            ran.append(job.name)
        return ran


def ticket_jobs(service: TicketService) -> list[Job]:
    """The ticket side's periodic work."""
    from bot.tickets import jobs

    return [
        Job("deadline_scan", timedelta(minutes=1), lambda now: jobs.escalate_overdue(service, now)),
        Job("cluster_check", timedelta(minutes=5), lambda now: jobs.cluster_check(service, now)),
        Job(
            "satisfaction_reminders",
            timedelta(minutes=15),
            lambda now: jobs.satisfaction_reminders(service, now),
        ),
    ]


async def scheduler_loop(
    service: TicketService,
    session_factory: async_sessionmaker[AsyncSession] | None = None,
    *,
    clock: Clock | None = None,
    tick: float = 15.0,
    jobs: Sequence[Job] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Background task every worker starts; the lease rows make each job run once.

    Setting ``stop`` ends the loop between ticks, never in the middle of a job.
    """
    stop = stop or asyncio.Event()
    scheduler = Scheduler(session_factory or service.session_factory, jobs or ticket_jobs(service))
    read_clock = clock or service.clock
    while not stop.is_set():
        try:
            await scheduler.run_due_jobs(read_clock())
        except asyncio.CancelledError:
            raise
        except Exception:  # e.g. the database is restarting; try again next tick
            log.exception("scheduler tick failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=tick)
