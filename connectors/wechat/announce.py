"""Announcements to micro-grid groups: a notice, and every resolved incident.

Both are outbox rows (channel ``wechat``, ``group_id`` = the grid code), so they survive a
restart and are sent by whichever worker's dispatcher claims them; the output side posts
them to the grid's group robot. Resolved incidents are found by polling (the core knows no
connector); each is claimed once in the shared state store, so of several workers only one
announces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.state import StateStore
from bot.tickets.clock import utcnow
from bot.tickets.models import Incident
from bot.tickets.outbox import Audience, add_message
from connectors.wechat import texts
from connectors.wechat.groups import announcement
from connectors.wechat.inbound import CHANNEL

log = logging.getLogger(__name__)

__all__ = ["IncidentAnnouncer", "queue_notice"]

#: Incidents resolved longer ago than this when a worker starts are not announced any more.
LOOKBACK = timedelta(hours=1)
CLAIM_TTL = 7 * 24 * 3600.0


def queue_notice(
    session: AsyncSession, grid_code: str, text: str, now: datetime,
    title: str = texts.ANNOUNCEMENT_TITLE,
) -> None:
    """Queue a notice to a grid's group in the caller's transaction."""
    add_message(
        session, channel=CHANNEL, recipient_id=f"grid:{grid_code}", group_id=grid_code,
        text=announcement(text, title), now=now, audience=Audience.STAFF,
    )


class IncidentAnnouncer:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store: StateStore,
        grids: list[str],
        *,
        namespace: str,
        clock: Callable[[], datetime] = utcnow,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._grids = grids
        self._namespace = namespace
        self._clock = clock
        self._since = clock() - LOOKBACK
        self.on_queued = on_queued

    async def run_once(self) -> int:
        """Queue an announcement for each newly resolved incident; returns how many."""
        if not self._grids:
            return 0
        async with self._sessions() as session:
            rows = list(await session.exec(
                select(Incident)
                .where(col(Incident.status) == "resolved")
                .where(col(Incident.resolved_at) >= self._since)
                .where(col(Incident.grid_code).in_(self._grids))
                .order_by(col(Incident.id))
            ))
            queued = 0
            for incident in rows:
                claim = f"{self._namespace}announced:incident:{incident.id}"
                if not await self._store.add_if_absent(claim, ttl=CLAIM_TTL):
                    continue
                text = texts.INCIDENT_RESOLVED.format(
                    place=incident.street_name or "", title=incident.title
                )
                queue_notice(
                    session, str(incident.grid_code), text, self._clock(),
                    title=texts.INCIDENT_RESOLVED_TITLE,
                )
                queued += 1
            await session.commit()
        if queued:
            log.info("%s resolved incident(s) announced to grid groups", queued)
            if self.on_queued is not None:
                self.on_queued()
        return queued

    async def run_forever(self, interval: float, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be restarting; next round
                log.exception("incident announcements failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
