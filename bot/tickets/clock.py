"""Time for the ticket code: one injectable clock, naive UTC in, naive UTC out.

Tests pass their own clock so that nothing depends on the wall clock; China local time
(Asia/Shanghai) is used only for arithmetic a resident would recognise (ticket day numbers,
working hours) and converted back at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time as a naive UTC datetime (how every timestamp is stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(moment: datetime) -> datetime:
    """Naive UTC → aware Asia/Shanghai."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_TZ)


def to_utc(moment: datetime) -> datetime:
    """Aware (any zone) → naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)


_WEEKDAYS = "一二三四五六日"


def deadline_text(moment: datetime | None) -> str:
    """A time limit as residents read it: ``12月3日（周四）18:00`` — a date and a time,
    never "21 个工作小时" (which leaves the resident to count office hours)."""
    if moment is None:
        return ""
    local = to_local(moment)
    return f"{local.month}月{local.day}日（周{_WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def local_text(moment: datetime | None) -> str:
    """A naive UTC moment as residents read it: ``11月21日 17:30``."""
    if moment is None:
        return ""
    local = to_local(moment)
    return f"{local.month}月{local.day}日 {local:%H:%M}"
