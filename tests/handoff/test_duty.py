"""Duty hours: what the resident is told about when a person will answer."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.errors import ConfigError
from bot.handoff import DutyHours
from bot.tickets.clock import LOCAL_TZ, to_utc


def china(*args: int) -> datetime:
    return to_utc(datetime(*args, tzinfo=LOCAL_TZ))


DUTY = DutyHours.parse("08:30-17:30", "1-5")


def test_on_duty_on_weekdays_only() -> None:
    assert DUTY.on_duty(china(2026, 12, 1, 9, 0))  # Tuesday
    assert not DUTY.on_duty(china(2026, 12, 1, 8, 29))
    assert not DUTY.on_duty(china(2026, 12, 1, 17, 30))
    assert not DUTY.on_duty(china(2026, 12, 5, 10, 0))  # Saturday


def test_next_start_and_how_it_reads() -> None:
    friday_evening = china(2026, 12, 4, 18, 0)
    start = DUTY.next_start(friday_evening)
    assert start == china(2026, 12, 7, 8, 30)
    assert DutyHours.when(start, friday_evening) == "12月7日 08:30"
    tuesday_evening = china(2026, 12, 1, 20, 0)
    assert DutyHours.when(DUTY.next_start(tuesday_evening), tuesday_evening) == "明天 08:30"
    early = china(2026, 12, 1, 7, 0)
    assert DutyHours.when(DUTY.next_start(early), early) == "今天 08:30"


def test_describe() -> None:
    assert DUTY.describe() == "周一至周五 08:30-17:30"
    assert DutyHours.parse("09:00-12:00,13:30-17:00", "1-7").describe() == (
        "每天 09:00-12:00、13:30-17:00"
    )
    assert DutyHours.parse("09:00-12:00", "6,7").describe() == "周六、周日 09:00-12:00"


@pytest.mark.parametrize(("hours", "days"), [("8-17", "1-5"), ("17:00-08:00", "1-5"),
                                             ("08:30-17:30", "0-5"), ("08:30-17:30", "x")])
def test_bad_settings_name_the_variable(hours: str, days: str) -> None:
    with pytest.raises(ConfigError, match="MINSHENG_HANDOFF_DUTY"):
        DutyHours.parse(hours, days)
