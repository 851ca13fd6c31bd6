"""Working-time arithmetic of the tickets plugin's SLA timers (no database needed)."""

import datetime as dt
import random

import pytest

from crm_plugins.tickets.working_time import WorkingCalendar, _utc, parse_shift

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
HOUR = 3600


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture
def office():
    """Mon-Fri 09:00-18:00 UTC."""
    return WorkingCalendar.from_settings(WEEKDAYS, "09:00-18:00", "UTC")


def test_across_a_weekend(office):
    friday_five = at("2027-03-05 17:00")
    assert office.add(friday_five, 2 * HOUR) == at("2027-03-08 10:00")  # Monday
    assert office.seconds_between(friday_five, at("2027-03-08 10:00")) == 2 * HOUR
    assert office.seconds_between(at("2027-03-06 10:00"), at("2027-03-07 20:00")) == 0


def test_outside_working_hours_the_count_starts_with_the_next_shift(office):
    assert office.add(at("2027-03-02 07:00"), HOUR) == at("2027-03-02 10:00")  # early
    assert office.add(at("2027-03-02 20:00"), HOUR) == at("2027-03-03 10:00")  # late
    assert office.add(at("2027-03-06 12:00"), HOUR) == at("2027-03-08 10:00")  # Saturday
    assert office.add(at("2027-03-02 12:00"), 6 * HOUR) == at("2027-03-02 18:00")  # to the end


def test_over_midnight(office):
    assert office.add(at("2027-03-01 17:30"), HOUR) == at("2027-03-02 09:30")
    night = WorkingCalendar.from_settings(WEEKDAYS, "22:00-06:00", "UTC")
    assert night.add(at("2027-03-01 23:00"), 3 * HOUR) == at("2027-03-02 02:00")
    # Monday's shift runs into Tuesday morning; Tuesday's starts at 22:00.
    assert night.seconds_between(at("2027-03-01 21:00"), at("2027-03-02 23:00")) == 9 * HOUR
    # Friday's shift ends Saturday 06:00; Saturday and Sunday have none.
    assert night.add(at("2027-03-06 05:00"), 2 * HOUR) == at("2027-03-08 23:00")


def test_round_the_clock_is_wall_time():
    always = WorkingCalendar.from_settings(
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "00:00-24:00", "UTC"
    )
    start = at("2027-03-05 23:30")
    assert always.add(start, 50 * HOUR) == start + dt.timedelta(hours=50)
    assert always.seconds_between(start, at("2027-03-08 01:30")) == 50 * HOUR


def test_local_hours_of_the_time_zone():
    moscow = WorkingCalendar.from_settings(WEEKDAYS, "09:00-18:00", "Europe/Moscow")
    # 09:00-18:00 in Moscow (UTC+3) is 06:00-15:00 UTC.
    assert moscow.add(at("2027-03-01 14:00"), 2 * HOUR) == at("2027-03-02 07:00")


def test_daylight_saving_change_over_the_weekend():
    berlin = WorkingCalendar.from_settings(WEEKDAYS, "09:00-18:00", "Europe/Berlin")
    # Friday 17:00 CET (16:00 UTC) + 2 working hours: Monday 10:00 CEST, 08:00 UTC.
    assert berlin.add(at("2027-03-26 16:00"), 2 * HOUR) == at("2027-03-29 08:00")


def test_holidays_are_not_working_days():
    with_holiday = WorkingCalendar.from_settings(
        WEEKDAYS, "09:00-18:00", "UTC", [dt.date(2027, 3, 8)]
    )
    assert with_holiday.add(at("2027-03-05 17:00"), 2 * HOUR) == at("2027-03-09 10:00")


def test_pause_and_resume_moves_the_due_time_by_the_working_time_paused(office):
    created = at("2027-03-01 09:00")
    due = office.add(created, 8 * HOUR)
    assert due == at("2027-03-01 17:00")
    paused = office.seconds_between(at("2027-03-01 10:00"), at("2027-03-02 10:00"))
    assert paused == 9 * HOUR
    assert office.add(due, paused) == at("2027-03-02 17:00")


def test_breach_is_negative_time_left(office):
    due = at("2027-03-05 17:00")
    assert office.signed_seconds(at("2027-03-05 16:00"), due) == HOUR
    assert office.signed_seconds(at("2027-03-08 10:00"), due) == -2 * HOUR


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9-18", "write the working hours as HH:MM-HH:MM"),
        ("09:00-25:00", "is not a time of day"),
        ("09:00-09:00", "for round-the-clock work write 00:00-24:00"),
    ],
)
def test_bad_working_hours_are_explained(text, message):
    with pytest.raises(ValueError, match=message):
        parse_shift(text)


def test_bad_zone_and_days_are_explained():
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Mosow'"):
        WorkingCalendar.from_settings(WEEKDAYS, "09:00-18:00", "Europe/Mosow")
    with pytest.raises(ValueError, match="unknown day 'monday'"):
        WorkingCalendar.from_settings(["monday"], "09:00-18:00", "UTC")


@pytest.mark.parametrize("days_off", [400, 410, 450])
def test_a_calendar_without_working_time_says_so(days_off):
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    first = dt.date(2026, 12, 18)  # the first day of a block of 32
    off = [first + dt.timedelta(days=n) for n in range(days_off)]
    closed = WorkingCalendar.from_settings(every_day, "09:00-18:00", "UTC", off)
    with pytest.raises(ValueError, match="no working time in 400 days in a row"):
        closed.add(at("2026-12-17 17:00"), 2 * HOUR)
    assert closed.seconds_between(at("2027-01-01 00:00"), at("2027-06-01 00:00")) == 0


def test_a_long_break_short_of_the_limit_is_waited_out():
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    off = [dt.date(2026, 12, 18) + dt.timedelta(days=n) for n in range(399)]
    calendar = WorkingCalendar.from_settings(every_day, "09:00-18:00", "UTC", off)
    back = dt.datetime.combine(off[-1] + dt.timedelta(days=1), dt.time(10))
    assert calendar.add(at("2026-12-17 17:00"), 2 * HOUR) == back


def _walked_shifts(calendar, moment):
    """Shifts ending after ``moment``, found by walking day by day (each begins no earlier
    than the one before ends): the plain model the calendar's block arithmetic must agree
    with."""
    day = moment.replace(tzinfo=dt.UTC).astimezone(calendar.zone).date() - dt.timedelta(days=2)
    worked_until = dt.datetime.min
    while True:
        if day.weekday() in calendar.days and day not in calendar.holidays:
            begin = max(_utc(calendar.zone, day, calendar.start), worked_until)
            worked_until = max(begin, _utc(calendar.zone, day, calendar.end))
            if worked_until > moment:
                yield begin, worked_until
        day += dt.timedelta(days=1)


def _walked_add(calendar, moment, seconds):
    for begin, end in _walked_shifts(calendar, moment):
        begin = max(begin, moment)
        available = int((end - begin).total_seconds())
        if seconds <= available:
            return begin + dt.timedelta(seconds=seconds)
        seconds -= available


def _walked_between(calendar, start, end):
    total = 0
    if end > start:
        for begin, finish in _walked_shifts(calendar, start):
            if begin >= end:
                break
            total += int((min(finish, end) - max(begin, start)).total_seconds())
    return total


@pytest.mark.parametrize(
    ("days", "hours", "zone", "holidays"),
    [
        (WEEKDAYS, "09:00-18:00", "Europe/Moscow", []),
        (WEEKDAYS, "22:00-06:00", "Europe/Berlin", [dt.date(2027, 3, 29)]),
        (["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "00:00-24:00", "America/New_York", []),
        (["sun"], "01:30-03:30", "Europe/Berlin", []),  # loses an hour to summer time
        # The end of the 10 March shift is a local time that never was: it falls after the
        # 11 March shift begins, which then begins where the other ends.
        (["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "03:00-02:30", "America/New_York", []),
        (["mon", "wed"], "08:30-17:15", "Asia/Kathmandu", [dt.date(2027, 1, 4)]),
    ],
)
def test_working_time_agrees_with_walking_the_days(days, hours, zone, holidays):
    calendar = WorkingCalendar.from_settings(days, hours, zone, holidays)
    rng = random.Random(hours)
    for _ in range(1500):
        start = at("2026-06-01 00:00") + dt.timedelta(seconds=rng.randint(0, 2 * 365 * 86_400))
        end = start + dt.timedelta(seconds=rng.choice([0, 59, HOUR, rng.randint(0, 60 * 86_400)]))
        amount = rng.choice([0, 1, 8 * HOUR, rng.randint(0, 40 * 86_400)])
        assert calendar.add(start, amount) == _walked_add(calendar, start, amount)
        assert calendar.seconds_between(start, end) == _walked_between(calendar, start, end)
        assert calendar.signed_seconds(end, start) == -_walked_between(calendar, start, end)


def test_shifts_that_a_time_change_makes_overlap_are_not_counted_twice():
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    # 9 March's shift ends at 02:30 on the 10th, a time New York skipped: 07:30 UTC, after
    # the 10th's shift began (03:00 EDT, 07:00 UTC).
    new_york = WorkingCalendar.from_settings(every_day, "03:00-02:30", "America/New_York")
    assert new_york.seconds_between(at("2024-03-10 06:59:59"), at("2024-03-10 07:00:00")) == 1
    assert new_york.add(at("2024-03-10 07:00:00"), 0) == at("2024-03-10 07:00:00")
    assert new_york.add(at("2024-03-10 07:00:00"), HOUR) == at("2024-03-10 08:00:00")
    # Samoa skipped 30 December 2011: its shift and the 31st's are the same hours.
    apia = WorkingCalendar.from_settings(every_day, "09:00-18:00", "Pacific/Apia")
    assert apia.seconds_between(at("2011-12-30 19:00"), at("2011-12-31 04:00")) == 9 * HOUR
    assert apia.add(at("2011-12-30 19:00"), 0) == at("2011-12-30 19:00")
