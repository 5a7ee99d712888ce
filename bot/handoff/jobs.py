"""The handoff side's periodic work, run by the ticket scheduler (one lease row per job)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.tickets.scheduler import Job

if TYPE_CHECKING:
    from bot.handoff.service import HandoffService


def handoff_jobs(service: HandoffService) -> list[Job]:
    """Time out unanswered handoffs every 30 seconds."""
    return [Job("handoff_expiry", timedelta(seconds=30), service.expire_overdue)]
