"""Working-hour clocks: deadlines that count only office hours on working days.

Circular 33/2018 asked a school to report a child-protection case (call 111 or send an official
letter) within 12 *working* hours of learning of it; the deadline is configurable
(DIEMTUA_CHILD_PROTECTION_REPORT_HOURS). Working hours and days come from settings
(DIEMTUA_WORKING_HOURS, DIEMTUA_WORKING_DAYS); Vietnam's public holidays (Tết, Hùng Kings,
30/4, 1/5, National Day…) come from the `holidays` package, so no list is kept by hand.
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Far beyond any real deadline: guards the loops against a calendar with no working time.
_MAX_DAYS = 800


def parse_periods(text: str) -> tuple[tuple[datetime.time, datetime.time], ...]:
    """ "07:30-11:30,13:30-17:30" → ((07:30, 11:30), (13:30, 17:30))."""
    periods = []
    try:
        for part in text.split(","):
            start, end = (datetime.time.fromisoformat(t.strip()) for t in part.split("-"))
            if end <= start:
                raise ValueError
            periods.append((start, end))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DIEMTUA_WORKING_HOURS must look like 07:30-11:30,13:30-17:30 (got {text!r})."
        ) from exc
    periods.sort()
    if any(a[1] > b[0] for a, b in zip(periods, periods[1:], strict=False)):
        raise ImproperlyConfigured("DIEMTUA_WORKING_HOURS has overlapping periods.")
    return tuple(periods)


def parse_days(text: str) -> frozenset[int]:
    """ "0-4" or "0,1,2,3,4,5" → weekday numbers (Monday is 0)."""
    days = set()
    try:
        for part in text.split(","):
            if "-" in part:
                first, last = (int(x) for x in part.split("-"))
                days.update(range(first, last + 1))
            else:
                days.add(int(part))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DIEMTUA_WORKING_DAYS must look like 0-4 (Monday to Friday), got {text!r}."
        ) from exc
    if not days or not days <= set(range(7)):
        raise ImproperlyConfigured("DIEMTUA_WORKING_DAYS must name weekdays 0 (Mon) to 6 (Sun).")
    return frozenset(days)


@dataclass(frozen=True)
class WorkingCalendar:
    periods: tuple[tuple[datetime.time, datetime.time], ...]
    weekdays: frozenset[int]
    tz: ZoneInfo

    def is_working_day(self, day: datetime.date) -> bool:
        return day.weekday() in self.weekdays and day not in _vietnam_holidays()

    def _segments(self, start: datetime.datetime):
        """Working periods from `start` on, as (begin, end) aware datetimes."""
        local = start.astimezone(self.tz)
        day = local.date()
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                for begin_time, end_time in self.periods:
                    begin = datetime.datetime.combine(day, begin_time, self.tz)
                    end = datetime.datetime.combine(day, end_time, self.tz)
                    if end > local:
                        yield max(begin, local), end
            day += datetime.timedelta(days=1)
        raise ImproperlyConfigured("The working calendar has no working time left.")

    def add(self, start: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
        """The moment `duration` of working time after `start` (a deadline)."""
        if duration <= datetime.timedelta(0):
            return start
        remaining = duration
        for begin, end in self._segments(start):
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        raise AssertionError("unreachable")  # _segments raises first

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """Working time from `start` to `end` (zero when end is not after start)."""
        total = datetime.timedelta(0)
        if end <= start:
            return total
        for begin, finish in self._segments(start):
            if begin >= end:
                break
            total += min(finish, end) - begin
        return total


@lru_cache(maxsize=1)
def _vietnam_holidays():
    # The object fills in further years by itself when asked about them.
    return holidays.country_holidays("VN")


def calendar() -> WorkingCalendar:
    return _calendar(
        settings.DIEMTUA_WORKING_HOURS, settings.DIEMTUA_WORKING_DAYS, settings.TIME_ZONE
    )


@lru_cache(maxsize=8)
def _calendar(hours: str, days: str, tz: str) -> WorkingCalendar:
    return WorkingCalendar(parse_periods(hours), parse_days(days), ZoneInfo(tz))


def child_protection_deadline(learned_at: datetime.datetime) -> datetime.datetime:
    """When the school must have reported a child-protection case learned of at `learned_at`."""
    hours = settings.DIEMTUA_CHILD_PROTECTION_REPORT_HOURS
    return calendar().add(learned_at, datetime.timedelta(hours=hours))
