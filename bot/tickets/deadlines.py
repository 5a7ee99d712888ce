"""Deadline arithmetic: calendar hours, or working hours on China's office calendar.

A *calendar* time limit runs around the clock ("燃气异味 4 小时"). A *working* limit counts only
office hours in Asia/Shanghai — by default Monday to Friday 09:00–12:00 and 13:30–17:30,
seven hours a day — skipping public holidays and counting the weekend days that are worked
instead (调休). Everything enters and leaves as naive UTC; local time exists only inside.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from bot.tickets.clock import LOCAL_TZ, to_utc

#: Safety stop: no sane time limit needs more than this many days of searching.
_MAX_DAYS = 3660


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Office hours, holidays and make-up working days."""

    periods: tuple[tuple[time, time], ...] = (
        (time(9, 0), time(12, 0)),
        (time(13, 30), time(17, 30)),
    )
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("a work calendar needs at least one period")
        previous = time(0, 0)
        for start, end in self.periods:
            if not start < end or start < previous:
                raise ValueError("working periods must be increasing and not overlap")
            previous = end
        if not self.weekdays <= set(range(1, 8)):
            raise ValueError("weekdays are ISO numbers 1 (Monday) to 7 (Sunday)")

    @classmethod
    def from_spec(
        cls,
        periods: Iterable[str],
        weekdays: Iterable[int],
        holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
    ) -> WorkCalendar:
        """Build from ``"09:00-12:00"``-style strings (as in ``catalog.yml``)."""
        parsed: list[tuple[time, time]] = []
        for spec in periods:
            start_text, _, end_text = spec.partition("-")
            parsed.append(
                (time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip()))
            )
        return cls(
            tuple(parsed), frozenset(weekdays), frozenset(holidays), frozenset(extra_workdays)
        )

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.holidays:
            return False
        return day.isoweekday() in self.weekdays

    @property
    def hours_per_day(self) -> float:
        return (
            sum(
                (
                    datetime.combine(date.min, end) - datetime.combine(date.min, start)
                ).total_seconds()
                for start, end in self.periods
            )
            / 3600
        )

    def add_working_hours(self, start_utc: datetime, hours: float) -> datetime:
        """The moment ``hours`` office hours after ``start_utc`` (naive UTC in and out).

        Time outside office hours does not count: a report at 20:00 on Friday with a 2-hour
        limit is due at 11:00 on Monday (if Monday is a working day).
        """
        remaining = timedelta(hours=hours)
        cursor_local = _utc_to_local_naive(start_utc)
        if remaining <= timedelta(0):
            return start_utc
        day = cursor_local.date()
        for _ in range(_MAX_DAYS):
            if self.is_workday(day):
                for period_start, period_end in self.periods:
                    begin = datetime.combine(day, period_start)
                    end = datetime.combine(day, period_end)
                    if cursor_local >= end:
                        continue
                    begin = max(begin, cursor_local)
                    available = end - begin
                    if remaining <= available:
                        return _local_naive_to_utc(begin + remaining)
                    remaining -= available
                    cursor_local = end
            day += timedelta(days=1)
            cursor_local = max(cursor_local, datetime.combine(day, time(0, 0)))
        raise ValueError("working-hours deadline is beyond the calendar's reach")


def _utc_to_local_naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)


def _local_naive_to_utc(moment: datetime) -> datetime:
    return to_utc(moment.replace(tzinfo=LOCAL_TZ))


def compute_deadline(
    start_utc: datetime, hours: float, *, working: bool, calendar: WorkCalendar
) -> datetime:
    """Due moment of a time limit that starts at ``start_utc`` (naive UTC)."""
    if working:
        return calendar.add_working_hours(start_utc, hours)
    return start_utc + timedelta(hours=hours)
