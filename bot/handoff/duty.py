"""When people are on duty to answer a handoff (China local time).

Configured by ``MINSHENG_HANDOFF_DUTY_HOURS`` (``"08:30-17:30"``, several periods separated
by commas) and ``MINSHENG_HANDOFF_DUTY_DAYS`` (ISO weekdays, ``"1-5"`` or ``"1,2,3,4,5,6"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.errors import ConfigError
from bot.handoff import texts
from bot.tickets.clock import LOCAL_TZ, to_local, to_utc


def parse_days(spec: str) -> frozenset[int]:
    """``"1-5"`` or ``"1,3,5"`` (or both, ``"1-3,6"``) as ISO weekday numbers."""
    days: set[int] = set()
    try:
        for part in spec.replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            first, _, last = part.partition("-")
            days.update(range(int(first), int(last or first) + 1))
    except ValueError:
        raise ConfigError(f"MINSHENG_HANDOFF_DUTY_DAYS: not a day list: {spec!r}") from None
    if not days or not days <= set(range(1, 8)):
        raise ConfigError("MINSHENG_HANDOFF_DUTY_DAYS: ISO weekdays 1 (Monday) to 7 (Sunday)")
    return frozenset(days)


def parse_periods(spec: str) -> tuple[tuple[time, time], ...]:
    periods: list[tuple[time, time]] = []
    try:
        for part in spec.replace("，", ",").split(","):
            if not part.strip():
                continue
            start, _, end = part.partition("-")
            periods.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
    except ValueError:
        raise ConfigError(f"MINSHENG_HANDOFF_DUTY_HOURS: not like 08:30-17:30: {spec!r}") from None
    if not periods or any(start >= end for start, end in periods):
        raise ConfigError("MINSHENG_HANDOFF_DUTY_HOURS: each period must end after it starts")
    return tuple(sorted(periods))


@dataclass(frozen=True, slots=True)
class DutyHours:
    periods: tuple[tuple[time, time], ...]
    days: frozenset[int]

    @classmethod
    def parse(cls, hours: str, days: str) -> DutyHours:
        return cls(parse_periods(hours), parse_days(days))

    def on_duty(self, now: datetime) -> bool:
        """Whether someone is on duty at ``now`` (naive UTC)."""
        local = to_local(now)
        if local.isoweekday() not in self.days:
            return False
        moment = local.time().replace(tzinfo=None)
        return any(start <= moment < end for start, end in self.periods)

    def next_start(self, now: datetime) -> datetime:
        """The next moment (naive UTC) a duty period begins after ``now``."""
        local = to_local(now).replace(tzinfo=None)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if day.isoweekday() not in self.days:
                continue
            for start, _ in self.periods:
                begin = datetime.combine(day, start)
                if begin > local:
                    return to_utc(begin.replace(tzinfo=LOCAL_TZ))
        raise AssertionError("a week always has a duty period")  # days is never empty

    def describe(self) -> str:
        """``周一至周五 08:30-17:30`` for the resident."""
        ordered = sorted(self.days)
        if len(ordered) == 7:
            days = texts.EVERY_DAY
        elif ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
            days = texts.DAY_RANGE.format(
                first=texts.WEEKDAYS[ordered[0]], last=texts.WEEKDAYS[ordered[-1]]
            )
        else:
            days = texts.DAY_SEPARATOR.join(texts.WEEKDAYS[d] for d in ordered)
        hours = texts.PERIOD_SEPARATOR.join(
            f"{start:%H:%M}-{end:%H:%M}" for start, end in self.periods
        )
        return f"{days} {hours}"

    @staticmethod
    def when(moment: datetime, now: datetime) -> str:
        """A moment (naive UTC) as the resident reads it: ``明天 08:30``, ``12月7日 08:30``."""
        local, today = to_local(moment), to_local(now).date()
        clock = f"{local:%H:%M}"
        if local.date() == today:
            return texts.TODAY_MOMENT.format(time=clock)
        if local.date() == today + timedelta(days=1):
            return texts.TOMORROW_MOMENT.format(time=clock)
        return texts.MOMENT.format(month=local.month, day=local.day, time=clock)
