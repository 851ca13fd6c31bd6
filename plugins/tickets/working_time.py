"""Working-time arithmetic: how much working time lies between two moments, and when an
amount of working time that starts at a moment runs out.

A :class:`WorkingCalendar` is a set of working weekdays with one daily shift, a time zone
and a list of holidays. A shift such as ``09:00-18:00`` lies within its day; one whose end
is not after its start runs past midnight into the next day (``22:00-06:00``, which belongs
to the day it starts on); ``00:00-24:00`` is the whole day. Moments go in and come out as
naive UTC datetimes, the way records store them; local times are worked out with
:mod:`zoneinfo`, so daylight-saving changes need no special care. Amounts are whole seconds.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
#: A calendar that finds no shift in this many days in a row has no working time at all.
MAX_GAP_DAYS = 400
_SHIFT_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_shift(text: str) -> tuple[int, int]:
    """``"09:00-18:00"`` → minutes after midnight of the start and the end (the end is on
    the next day when it is not after the start). Raises ValueError saying what is wrong."""
    found = _SHIFT_RE.match(text or "")
    if not found:
        raise ValueError(f"write the working hours as HH:MM-HH:MM, like 09:00-18:00 (got {text!r})")
    start_h, start_m, end_h, end_m = (int(part) for part in found.groups())
    if start_h > 23 or end_h > 24 or start_m > 59 or end_m > 59 or (end_h == 24 and end_m):
        raise ValueError(f"{text!r} is not a time of day; hours go from 00:00 to 24:00")
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start == end:
        raise ValueError(
            f"{text!r} starts and ends at the same time; for round-the-clock work write 00:00-24:00"
        )
    if end < start:
        end += DAY_MINUTES
    return start, end


def parse_zone(name: str) -> ZoneInfo:
    """A time zone by its IANA name; ValueError naming the problem otherwise."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Moscow or UTC"
        ) from None


def parse_days(names: Iterable[str]) -> frozenset[int]:
    """``["mon", "tue"]`` → weekday numbers (Monday is 0)."""
    days = set()
    for name in names:
        if name not in DAY_NAMES:
            raise ValueError(f"unknown day {name!r}; days are {', '.join(DAY_NAMES)}")
        days.add(DAY_NAMES.index(name))
    if not days:
        raise ValueError("at least one working day is needed")
    return frozenset(days)


@dataclass(frozen=True)
class WorkingCalendar:
    days: frozenset[int]  # weekday numbers, Monday = 0
    start: int  # minutes after local midnight
    end: int  # minutes after the start day's local midnight (beyond a day: next morning)
    zone: ZoneInfo
    holidays: frozenset[dt.date] = frozenset()

    @classmethod
    def from_settings(
        cls,
        days: Iterable[str],
        hours: str,
        zone: str,
        holidays: Iterable[dt.date] = (),
    ) -> WorkingCalendar:
        start, end = parse_shift(hours)
        return cls(parse_days(days), start, end, parse_zone(zone), frozenset(holidays))

    def shifts(self, moment: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Working periods (UTC begin, UTC end) that end after ``moment``, in order."""
        day = self._local(moment).date() - dt.timedelta(days=1)  # a night shift may run on
        gap = 0
        while gap < MAX_GAP_DAYS:
            if day.weekday() in self.days and day not in self.holidays:
                gap = 0
                begin, end = _shift_in_utc(self.zone, day, self.start, self.end)
                if end > moment:
                    yield begin, end
            else:
                gap += 1
            day += dt.timedelta(days=1)
        raise ValueError(
            f"the working calendar has no working time in {MAX_GAP_DAYS} days in a row; "
            "check working_days and holidays"
        )

    def add(self, moment: dt.datetime, seconds: int) -> dt.datetime:
        """The moment at which ``seconds`` of working time after ``moment`` have passed.
        Outside working hours the count starts with the next shift."""
        remaining = seconds
        for begin, end in self.shifts(moment):
            begin = max(begin, moment)
            available = int((end - begin).total_seconds())
            if remaining <= available:
                return begin + dt.timedelta(seconds=remaining)
            remaining -= available
        raise AssertionError("shifts() never ends without raising")

    def seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working seconds from ``start`` to ``end``; 0 when ``end`` is not after ``start``."""
        total = 0
        if end <= start:
            return total
        for begin, finish in self.shifts(start):
            if begin >= end:
                break
            total += int((min(finish, end) - max(begin, start)).total_seconds())
        return total

    def signed_seconds(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working seconds from ``start`` to ``end``, negative when ``end`` came first."""
        if end >= start:
            return self.seconds_between(start, end)
        return -self.seconds_between(end, start)

    def _local(self, moment: dt.datetime) -> dt.datetime:
        return moment.replace(tzinfo=dt.UTC).astimezone(self.zone)


@functools.lru_cache(maxsize=16_384)
def _shift_in_utc(
    zone: ZoneInfo, day: dt.date, start: int, end: int
) -> tuple[dt.datetime, dt.datetime]:
    """The UTC begin and end of the shift on ``day``. Cached: SLA arithmetic walks the same
    few hundred days for every ticket, and time-zone conversion is most of its cost."""
    return _utc(zone, day, start), _utc(zone, day, end)


def _utc(zone: ZoneInfo, day: dt.date, minutes: int) -> dt.datetime:
    # Wall-clock arithmetic: zoneinfo works out the offset of the resulting local time.
    local = dt.datetime.combine(day, dt.time(), tzinfo=zone) + dt.timedelta(minutes=minutes)
    return local.astimezone(dt.UTC).replace(tzinfo=None)
