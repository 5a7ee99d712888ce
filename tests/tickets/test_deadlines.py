"""Deadline arithmetic: calendar hours, working hours across lunch, nights, weekends and
the holiday calendar (调休), all in China local time but stored as naive UTC."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.tickets.clock import LOCAL_TZ, to_utc
from bot.tickets.deadlines import WorkCalendar, compute_deadline

CAL = WorkCalendar()


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A China-local wall-clock time as the naive UTC the code stores."""
    return to_utc(datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ))


# 2026-11-20 is a Friday, 2026-11-23 a Monday.
@pytest.mark.parametrize(
    "start,hours,due",
    [
        (local(2026, 11, 18, 10, 0), 1, local(2026, 11, 18, 11, 0)),  # inside the morning
        (local(2026, 11, 18, 11, 30), 1, local(2026, 11, 18, 14, 0)),  # lunch is skipped
        (local(2026, 11, 18, 12, 15), 1, local(2026, 11, 18, 14, 30)),  # filed at lunch
        (local(2026, 11, 18, 7, 0), 3, local(2026, 11, 18, 12, 0)),  # before opening
        (local(2026, 11, 18, 17, 0), 1, local(2026, 11, 19, 9, 30)),  # over the night
        (local(2026, 11, 20, 17, 0), 1, local(2026, 11, 23, 9, 30)),  # over the weekend
        (local(2026, 11, 21, 10, 0), 2, local(2026, 11, 23, 11, 0)),  # filed on Saturday
        (local(2026, 11, 20, 20, 0), 7, local(2026, 11, 23, 17, 30)),  # one full day
        (local(2026, 11, 18, 9, 0), 21, local(2026, 11, 20, 17, 30)),  # three days
        (local(2026, 11, 19, 9, 0), 21, local(2026, 11, 23, 17, 30)),  # three days, weekend
        (local(2026, 11, 18, 9, 0), 3.5, local(2026, 11, 18, 14, 0)),  # fractional hours
    ],
)
def test_working_hours(start: datetime, hours: float, due: datetime) -> None:
    assert compute_deadline(start, hours, working=True, calendar=CAL) == due


def test_calendar_hours_run_around_the_clock() -> None:
    start = local(2026, 11, 20, 23, 0)
    assert compute_deadline(start, 4, working=False, calendar=CAL) == start + timedelta(hours=4)


def test_holidays_and_make_up_workdays() -> None:
    # National Day 2026: Oct 1–7 off; Saturday Oct 10 is worked instead.
    cal = WorkCalendar(
        holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
        extra_workdays=frozenset({date(2026, 10, 10)}),
    )
    # Filed on Sep 30 at 17:00: one hour left that day, the next 7 on Oct 8.
    assert cal.add_working_hours(local(2026, 9, 30, 17, 0), 1) == local(2026, 10, 8, 9, 30)
    # Friday Oct 9 17:00 + 1h: Saturday Oct 10 is a working day.
    assert cal.add_working_hours(local(2026, 10, 9, 17, 0), 1) == local(2026, 10, 10, 9, 30)
    assert cal.is_workday(date(2026, 10, 10)) and not cal.is_workday(date(2026, 10, 5))


def test_results_are_naive_utc() -> None:
    due = compute_deadline(local(2026, 11, 18, 10, 0), 1, working=True, calendar=CAL)
    assert due.tzinfo is None
    assert due == datetime(2026, 11, 18, 3, 0)  # 11:00 in Shanghai is 03:00 UTC


def test_zero_hours_is_now() -> None:
    start = local(2026, 11, 21, 3, 0)
    assert CAL.add_working_hours(start, 0) == start


def test_bad_periods_are_refused() -> None:
    with pytest.raises(ValueError, match="increasing"):
        WorkCalendar.from_spec(["13:00-12:00"], [1])
    assert WorkCalendar.from_spec(["08:30-12:00", "14:00-18:00"], [1, 2]).hours_per_day == 7.5
