"""The staff side's periodic work, run by the gateway's scheduler."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.staff.service import StaffService
from bot.tickets.scheduler import Job


def staff_jobs(service: StaffService) -> list[Job]:
    """Forget expired console sessions and spent sign-in throttles every hour."""

    async def purge(_now: datetime) -> int:
        return await service.purge()

    return [Job("staff_session_purge", timedelta(hours=1), purge)]
