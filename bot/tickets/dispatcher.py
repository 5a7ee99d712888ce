"""The outbox dispatcher: delivers queued pushes through each recipient's channel.

Rows are *claimed* before they are sent: one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
LOCKED LIMIT n) RETURNING …`` moves a batch from ``pending`` to ``sending`` with a lease and
this worker's id. On PostgreSQL, SKIP LOCKED lets any number of workers claim side by side
without ever claiming the same row; on SQLite the same statement runs under the database's
single write lock, which is just as exclusive. A worker that dies mid-batch leaves rows whose
lease expires; they are claimed again (and count an attempt).

After a send the row is marked ``sent`` at once, guarded by ``claimed_by`` — a row is only
resent if its worker died between the platform accepting the message and that one UPDATE
(the outbox id travels in ``OutboundMessage.custom["outbox_id"]`` for channels that can
de-duplicate). Failures back off exponentially; permanent failures and rows out of attempts
go ``dead`` and show up in :func:`bot.tickets.outbox.dead_letters` for staff.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import OutboundMessage
from bot.ports import DeliveryError, OutputRegistry
from bot.tickets.clock import Clock, utcnow
from bot.tickets.info_watch import InfoRequestWatch
from bot.tickets.models import OutboxMessage
from bot.tickets.outbox import Audience, OutboxStatus, decode_buttons

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DispatchReport:
    """What one :meth:`Dispatcher.run_once` did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    channel: str
    recipient_id: str
    group_id: str | None
    text: str
    buttons: str | None
    attempts: int
    audience: str
    ticket_id: int | None


class Dispatcher:
    """Claims due outbox rows and sends them; run one per worker process, or several."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        outputs: OutputRegistry,
        *,
        clock: Clock = utcnow,
        worker_id: str | None = None,
        batch_size: int = 50,
        lease: timedelta = timedelta(seconds=120),
        send_timeout: float = 30.0,
        max_attempts: int = 8,
        base_backoff: timedelta = timedelta(seconds=10),
        max_backoff: timedelta = timedelta(hours=1),
        jitter: float = 0.1,
        poll_interval: float = 0.5,
        send_concurrency: int = 8,
        info_watch: InfoRequestWatch | None = None,
    ) -> None:
        if send_timeout >= lease.total_seconds():
            raise ValueError("send_timeout must be shorter than the lease")
        self.session_factory = session_factory
        self.outputs = outputs
        self.clock = clock
        self.worker_id = worker_id or f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.batch_size = batch_size
        self.lease = lease
        self.send_timeout = send_timeout
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.jitter = jitter
        self.poll_interval = poll_interval
        self.send_concurrency = send_concurrency
        self._wake = asyncio.Event()
        # A push can bring a resident a ticket that waits for their answer (a reopened one):
        # marked before the resident can read it, so awaiting_info asks the database again.
        self.info_watch = info_watch

    def backoff(self, attempts: int) -> timedelta:
        """Delay before retry number ``attempts`` (1-based): base · 2^(attempts-1), capped,
        plus up to ``jitter`` of it at random so retries of one outage do not stampede."""
        delay: timedelta = min(self.base_backoff * (2 ** max(attempts - 1, 0)), self.max_backoff)
        if self.jitter:
            delay += delay * random.uniform(0, self.jitter)
        return delay

    def wake(self) -> None:
        """Start the next round now instead of after the poll interval."""
        self._wake.set()

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Deliver until ``stop`` is set (or cancelled); errors of one round are logged.

        Setting ``stop`` ends the loop between rounds, so a shutdown never cuts a claim or
        a delivery in half.
        """
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                report = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be restarting; try again next round
                log.exception("outbox round failed")
                report = DispatchReport()
            if report.claimed < self.batch_size and not stop.is_set():
                self._wake.clear()
                await _first_of(self._wake, stop, timeout=self.poll_interval)

    async def run_once(self) -> DispatchReport:
        """Claim one batch of due rows and try each once.

        Recipients are served concurrently (up to ``send_concurrency`` at a time: real
        platforms answer in tens of milliseconds), each recipient's messages one after
        another in queue order, so a resident reads "已受理" before "已办结".
        """
        claimed = await self._claim()
        by_recipient: dict[tuple[str, str, str | None], list[_Claimed]] = {}
        for row in claimed:
            by_recipient.setdefault((row.channel, row.recipient_id, row.group_id), []).append(row)
        gate = asyncio.Semaphore(self.send_concurrency)
        outcomes: list[str] = []

        async def serve(rows: list[_Claimed]) -> None:
            async with gate:
                for index, row in enumerate(rows):
                    outcome = await self._deliver(row)
                    outcomes.append(outcome)
                    if outcome == OutboxStatus.PENDING and index + 1 < len(rows):
                        # Its later messages wait behind the one to retry: a resident (or a
                        # partner system's callback) must not get "已办结" before "已受理".
                        await self._release(rows[index + 1 :], behind=row.id)
                        break

        await asyncio.gather(*(serve(rows) for rows in by_recipient.values()))
        return DispatchReport(
            len(claimed),
            outcomes.count(OutboxStatus.SENT),
            outcomes.count(OutboxStatus.PENDING),
            outcomes.count(OutboxStatus.DEAD),
        )

    async def drain(self, *, max_rounds: int = 1000) -> DispatchReport:
        """Run rounds until nothing is due (for tests, benches and one-shot CLI use)."""
        total = DispatchReport()
        for _ in range(max_rounds):
            report = await self.run_once()
            total = DispatchReport(
                total.claimed + report.claimed,
                total.sent + report.sent,
                total.retried + report.retried,
                total.dead + report.dead,
            )
            if report.claimed == 0:
                break
        return total

    async def _claim(self) -> list[_Claimed]:
        now = self.clock()
        due = (
            select(OutboxMessage.id)
            .where(
                or_(
                    and_(
                        col(OutboxMessage.status) == OutboxStatus.PENDING,
                        col(OutboxMessage.next_attempt_at) <= now,
                    ),
                    and_(
                        col(OutboxMessage.status) == OutboxStatus.SENDING,
                        col(OutboxMessage.lease_until) < now,
                    ),
                )
            )
            .order_by(col(OutboxMessage.id))
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(due.scalar_subquery()))
            .values(
                status=OutboxStatus.SENDING,
                lease_until=now + self.lease,
                claimed_by=self.worker_id,
                attempts=col(OutboxMessage.attempts) + 1,
            )
            .returning(
                col(OutboxMessage.id),
                col(OutboxMessage.channel),
                col(OutboxMessage.recipient_id),
                col(OutboxMessage.group_id),
                col(OutboxMessage.text),
                col(OutboxMessage.buttons),
                col(OutboxMessage.attempts),
                col(OutboxMessage.audience),
                col(OutboxMessage.ticket_id),
            )
        )
        async with self.session_factory() as session:
            result = await session.exec(statement)
            rows = [_Claimed(*row) for row in result.all()]
            await session.commit()
        rows.sort(key=lambda r: r.id)  # RETURNING order is unspecified; keep queue order
        return rows

    async def _deliver(self, row: _Claimed) -> str:
        channel = self.outputs.get(row.channel)
        error: str
        permanent = False
        if channel is None:
            error, permanent = f"no output channel named {row.channel!r}", True
        else:
            message = OutboundMessage(
                recipient_id=row.recipient_id,
                text=row.text,
                buttons=decode_buttons(row.buttons),
                group_id=row.group_id,
                custom={"outbox_id": row.id, "ticket_id": row.ticket_id, "audience": row.audience},
            )
            if self.info_watch is not None and row.audience == Audience.RESIDENT:
                await self.info_watch.mark(row.channel, row.recipient_id)
            try:
                await asyncio.wait_for(channel.send(message), timeout=self.send_timeout)
            except DeliveryError as exc:
                error, permanent = f"{exc.code}: {exc}", exc.permanent
            except TimeoutError:
                error = f"send timed out after {self.send_timeout:g}s"
            except Exception as exc:  # a channel bug must not stop the queue
                log.exception("output channel %s raised", row.channel)
                error = f"{type(exc).__name__}: {exc}"
            else:
                await self._finish(row, status=OutboxStatus.SENT, sent_at=self.clock())
                return OutboxStatus.SENT
        if permanent or row.attempts >= self.max_attempts:
            log.warning("outbox %s dead after %s attempts: %s", row.id, row.attempts, error)
            await self._finish(row, status=OutboxStatus.DEAD, last_error=error[:500])
            return OutboxStatus.DEAD
        await self._finish(
            row,
            status=OutboxStatus.PENDING,
            last_error=error[:500],
            next_attempt_at=self.clock() + self.backoff(row.attempts),
        )
        return OutboxStatus.PENDING

    async def _release(self, rows: list[_Claimed], *, behind: int) -> None:
        """Hand claimed rows back untried (their attempt not counted), due when the row
        ``behind`` is retried, so they are sent after it and in their order."""
        retry_at = (
            select(OutboxMessage.next_attempt_at)
            .where(col(OutboxMessage.id) == behind)
            .scalar_subquery()
        )
        async with self.session_factory() as session:
            await session.exec(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id).in_([r.id for r in rows]),
                    col(OutboxMessage.claimed_by) == self.worker_id,
                    col(OutboxMessage.status) == OutboxStatus.SENDING,
                )
                .values(
                    status=OutboxStatus.PENDING,
                    lease_until=None,
                    attempts=col(OutboxMessage.attempts) - 1,
                    next_attempt_at=retry_at,
                )
            )
            await session.commit()

    async def _finish(self, row: _Claimed, **values: object) -> None:
        # Guarded by claimed_by: if our lease ran out and another worker re-claimed the row,
        # its outcome is theirs to record.
        async with self.session_factory() as session:
            await session.exec(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id) == row.id,
                    col(OutboxMessage.claimed_by) == self.worker_id,
                    col(OutboxMessage.status) == OutboxStatus.SENDING,
                )
                .values(lease_until=None, **values)
            )
            await session.commit()


async def _first_of(*events: asyncio.Event, timeout: float) -> None:
    """Wait until any of ``events`` is set, or ``timeout`` seconds."""
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
