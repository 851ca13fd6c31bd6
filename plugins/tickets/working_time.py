"""Working-time arithmetic: how much working time lies between two moments, and when an
amount of working time that starts at a moment runs out.

A :class:`WorkingCalendar` is a set of working weekdays with one daily shift, a time zone
and a list of holidays. A shift such as ``09:00-18:00`` lies within its day; one whose end
is not after its start runs past midnight into the next day (``22:00-06:00``, which belongs
to the day it starts on); ``00:00-24:00`` is the whole day. Moments go in and come out as
naive UTC datetimes, the way records store them; local times are worked out with
:mod:`zoneinfo`, so daylight-saving changes need no special care. Amounts are whole seconds.

Every ticket save asks for due times and spans of working time, so shifts are worked out
:data:`BLOCK_DAYS` days at a time with running totals of working time (cached per
calendar): an answer within a month is a binary search in a block or two, not a walk over
the days.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
#: A calendar that finds no shift in this many days in a row has no working time at all.
MAX_GAP_DAYS = 400
#: Shifts are worked out and kept this many days at a time.
BLOCK_DAYS = 32
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

    def add(self, moment: dt.datetime, seconds: int) -> dt.datetime:
        """The moment at which ``seconds`` of working time after ``moment`` have passed.
        Outside working hours the count starts with the next shift."""
        remaining = dt.timedelta(seconds=seconds)
        last_working = self._local_day(moment) - 2  # the count looks from the day before on
        index = (last_working + 1) // BLOCK_DAYS
        while True:
            block = _block(self, index)
            following = bisect.bisect_right(block.days, last_working)
            if following < len(block.days):  # a working day again: how long was the gap?
                _check_gap(block.days[following] - last_working - 1)
                last_working = block.days[-1]
            else:
                _check_gap((index + 1) * BLOCK_DAYS - 1 - last_working)
            first = bisect.bisect_right(block.ends, moment)  # the first shift ending later
            before = block.worked_before(moment)
            if first < len(block.ends) and remaining <= block.total - before:
                target = before + remaining
                found = bisect.bisect_left(block.done_at_end, target, lo=first)
                return block.begins[found] + (target - block.done_before[found])
            remaining -= block.total - before
            index += 1

    def seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working seconds from ``start`` to ``end``; 0 when ``end`` is not after ``start``."""
        if end <= start:
            return 0
        total = dt.timedelta()
        for index in range(self._block_index(start), self._block_index(end, night=False) + 1):
            block = _block(self, index)
            total += block.worked_before(end) - block.worked_before(start)
        return int(total.total_seconds())

    def signed_seconds(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working seconds from ``start`` to ``end``, negative when ``end`` came first."""
        if end >= start:
            return self.seconds_between(start, end)
        return -self.seconds_between(end, start)

    def _block_index(self, moment: dt.datetime, *, night: bool = True) -> int:
        """The number of the block holding the local day before ``moment``'s, whose night
        shift may still run at ``moment``; with ``night=False``, of ``moment``'s own local
        day, the last one whose shift may have begun by then."""
        day = self._local_day(moment)
        return (day - 1 if night else day) // BLOCK_DAYS

    def _local_day(self, moment: dt.datetime) -> int:
        """The ordinal of ``moment``'s local date."""
        return moment.replace(tzinfo=dt.UTC).astimezone(self.zone).date().toordinal()

    def _shifts(self, first_day: dt.date, days: int) -> list[tuple[int, dt.datetime, dt.datetime]]:
        """(day's ordinal, UTC begin, UTC end) of the shifts of ``days`` days from
        ``first_day``, in order and never overlapping: around a daylight-saving change a
        shift's end (a local time that did not exist) may fall after the next one's begin,
        which then begins where the other ends; a shift it leaves no time is empty."""
        previous = self._shift(first_day - dt.timedelta(days=1))
        worked_until = previous[1] if previous else dt.datetime.min
        shifts = []
        for offset in range(days):
            day = first_day + dt.timedelta(days=offset)
            shift = self._shift(day)
            if shift:
                begin = max(shift[0], worked_until)
                worked_until = max(begin, shift[1])
                shifts.append((day.toordinal(), begin, worked_until))
        return shifts

    def _shift(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The UTC begin and end of ``day``'s shift; None on a day off."""
        if day.weekday() not in self.days or day in self.holidays:
            return None
        return _utc(self.zone, day, self.start), _utc(self.zone, day, self.end)


def _check_gap(days_off: int) -> None:
    if days_off >= MAX_GAP_DAYS:
        raise ValueError(
            f"the working calendar has no working time in {MAX_GAP_DAYS} days in a row; "
            "check working_days and holidays"
        )


@dataclass(frozen=True)
class _Block:
    """The shifts of :data:`BLOCK_DAYS` days in a row, with the working time done before
    each begins and by each end, so that the working time up to any moment is a binary
    search and a subtraction rather than a walk over the days."""

    days: list[int]  # the ordinal of each shift's day
    begins: list[dt.datetime]
    ends: list[dt.datetime]
    done_before: list[dt.timedelta]
    done_at_end: list[dt.timedelta]
    total: dt.timedelta

    @classmethod
    def of(cls, shifts: list[tuple[int, dt.datetime, dt.datetime]]) -> _Block:
        done = dt.timedelta()
        before, at_end = [], []
        for _day, begin, end in shifts:
            before.append(done)
            done += end - begin
            at_end.append(done)
        days, begins, ends = ([shift[part] for shift in shifts] for part in range(3))
        return cls(days, begins, ends, before, at_end, done)

    def worked_before(self, moment: dt.datetime) -> dt.timedelta:
        """Working time in this block's shifts before ``moment``."""
        last = bisect.bisect_right(self.begins, moment) - 1
        if last < 0:
            return dt.timedelta()
        return self.done_before[last] + min(moment, self.ends[last]) - self.begins[last]


@functools.lru_cache(maxsize=1024)
def _block(calendar: WorkingCalendar, index: int) -> _Block:
    """Block ``index`` (days ``index * BLOCK_DAYS`` on, by ordinal) of ``calendar``. Cached:
    SLA arithmetic reads the same few dozen blocks for every ticket."""
    return _Block.of(calendar._shifts(dt.date.fromordinal(index * BLOCK_DAYS), BLOCK_DAYS))


def _utc(zone: ZoneInfo, day: dt.date, minutes: int) -> dt.datetime:
    # Wall-clock arithmetic: zoneinfo works out the offset of the resulting local time.
    local = dt.datetime.combine(day, dt.time(), tzinfo=zone) + dt.timedelta(minutes=minutes)
    return local.astimezone(dt.UTC).replace(tzinfo=None)
