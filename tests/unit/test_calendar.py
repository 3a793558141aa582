"""Tests of the working-time calendar (console.domain.calendar): properties, holidays, errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.domain.calendar import WorkCalendar, parse_windows, statutory_days
from console.domain.errors import CalendarRangeError, ValidationError
from console.domain.reference import CalendarDay

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar(SH, days=statutory_days([2025, 2026]))
DEFAULT_WINDOWS = ((time(8), time(12)), (time(14), time(18)))

fast = settings(max_examples=200, deadline=None, database=None)

# Whole seconds keep between_seconds exact in float, so sums can be compared with ==.
instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2026, 12, 20),
    timezones=st.sampled_from([SH, UTC]),
).map(lambda t: t.replace(microsecond=0))
precise_instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2026, 12, 20),
    timezones=st.sampled_from([SH, UTC]),
)
minutes = st.integers(min_value=-30_000, max_value=30_000)
days_2025_2026 = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))


def sh(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


def reference_workday(d: date) -> bool:
    """The package's own answer, independent of the code under test."""
    if 2004 <= d.year <= 2026:
        return bool(chinese_calendar.is_workday(d))
    return d.weekday() < 5


def brute_seconds(a: datetime, b: datetime) -> float:
    """Working seconds from a to b (a <= b) by walking every day: the slow oracle."""
    la, lb = a.astimezone(SH), b.astimezone(SH)
    total = 0.0
    d = la.date()
    while d <= lb.date():
        if reference_workday(d):
            for start, end in DEFAULT_WINDOWS:
                lo = max(datetime.combine(d, start, tzinfo=SH), la)
                hi = min(datetime.combine(d, end, tzinfo=SH), lb)
                if hi > lo:
                    total += (hi - lo).total_seconds()
        d += timedelta(days=1)
    return total


# -- properties --------------------------------------------------------------------------------


@fast
@given(instants, minutes)
def test_between_inverts_add(t: datetime, m: int) -> None:
    assert CAL.between(t, CAL.add(t, m)) == m
    assert CAL.between_seconds(t, CAL.add(t, m)) == m * 60


@fast
@given(precise_instants, minutes)
def test_between_inverts_add_with_microseconds(t: datetime, m: int) -> None:
    assert CAL.between(t, CAL.add(t, m)) == m


@fast
@given(instants, st.integers(min_value=1, max_value=30_000))
def test_forward_add_is_earliest_and_backward_add_is_latest(t: datetime, m: int) -> None:
    tick = timedelta(microseconds=1)
    forward = CAL.add(t, m)
    assert forward > t
    assert CAL.between_seconds(t, forward - tick) < m * 60
    backward = CAL.add(t, -m)
    assert backward < t
    assert CAL.between_seconds(backward + tick, t) < m * 60


@fast
@given(instants, minutes, minutes)
def test_add_is_monotonic(t: datetime, m1: int, m2: int) -> None:
    lo, hi = sorted((m1, m2))
    assert CAL.add(t, lo) <= CAL.add(t, hi)


@fast
@given(instants, st.integers(-30_000, 30_000))
def test_add_result_is_in_centre_zone(t: datetime, m: int) -> None:
    result = CAL.add(t, m)
    assert result.tzinfo is SH
    if m == 0:
        assert result == t


@fast
@given(precise_instants, precise_instants)
def test_between_is_antisymmetric(a: datetime, b: datetime) -> None:
    assert CAL.between(a, b) == -CAL.between(b, a)
    assert CAL.between_seconds(a, b) == -CAL.between_seconds(b, a)
    assert CAL.between_natural(a, b) == -CAL.between_natural(b, a)


@fast
@given(instants, instants, instants)
def test_between_seconds_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    assert CAL.between_seconds(a, c) == CAL.between_seconds(a, b) + CAL.between_seconds(b, c)


@fast
@given(precise_instants, precise_instants)
def test_between_truncates_toward_zero(a: datetime, b: datetime) -> None:
    seconds = CAL.between_seconds(a, b)
    whole = CAL.between(a, b)
    assert abs(whole) <= abs(seconds) / 60 < abs(whole) + 1
    assert whole == 0 or (whole > 0) == (seconds > 0)


@fast
@given(instants, st.integers(min_value=0, max_value=15 * 86_400))
def test_between_matches_day_by_day_oracle(a: datetime, span: int) -> None:
    b = a + timedelta(seconds=span)
    seconds = CAL.between_seconds(a, b)
    assert seconds == brute_seconds(a, b)
    assert 0 <= seconds <= span


@fast
@given(days_2025_2026, st.integers(0, 86_399), st.integers(0, 86_399))
def test_non_working_spans_count_nothing(d: date, s1: int, s2: int) -> None:
    midnight = datetime.combine(d, time(0), tzinfo=SH)
    a, b = sorted((midnight + timedelta(seconds=s1), midnight + timedelta(seconds=s2)))
    if not reference_workday(d):
        assert CAL.between_seconds(a, b) == 0
        return
    lunch_a = datetime.combine(d, time(12), tzinfo=SH) + timedelta(seconds=s1 % 7200)
    lunch_b = datetime.combine(d, time(12), tzinfo=SH) + timedelta(seconds=s2 % 7200)
    assert CAL.between_seconds(lunch_a, lunch_b) == 0
    # 18:00 to the next day's 08:00 is one 14-hour night.
    night = datetime.combine(d, time(18), tzinfo=SH)
    assert CAL.between_seconds(night + timedelta(seconds=s1 % 50_400), night) == 0
    assert CAL.between_seconds(night, night + timedelta(seconds=s2 % 50_400)) == 0


@fast
@given(days_2025_2026)
def test_a_workday_holds_day_minutes(d: date) -> None:
    start = datetime.combine(d, time(0), tzinfo=SH)
    expected = 480 if reference_workday(d) else 0
    assert CAL.between(start, start + timedelta(days=1)) == expected


# -- conventions at the edges ------------------------------------------------------------------


def test_boundary_conventions() -> None:
    monday = sh(2026, 3, 2, 8)
    assert CAL.day_minutes == 480
    assert CAL.add(monday, 0) == monday
    assert CAL.add(monday, 240) == sh(2026, 3, 2, 12)
    assert CAL.add(monday, 241) == sh(2026, 3, 2, 14, 1)
    assert CAL.add(monday, 480) == sh(2026, 3, 2, 18)
    assert CAL.add(sh(2026, 3, 2, 14), -240) == sh(2026, 3, 2, 8)
    assert CAL.add(sh(2026, 3, 2, 12, 30), 1) == sh(2026, 3, 2, 14, 1)
    assert CAL.add(sh(2026, 3, 6, 18), 1) == sh(2026, 3, 9, 8, 1)
    assert CAL.add(sh(2026, 3, 7, 12), 1) == sh(2026, 3, 9, 8, 1)
    assert CAL.add(sh(2026, 3, 9, 8, 1), -1) == sh(2026, 3, 9, 8)
    assert CAL.add(sh(2026, 3, 9, 8), -1) == sh(2026, 3, 6, 17, 59)


def test_between_whole_minutes() -> None:
    assert CAL.between(sh(2026, 3, 2, 8), sh(2026, 3, 2, 8, 0, 59)) == 0
    assert CAL.between(sh(2026, 3, 2, 8, 0, 59), sh(2026, 3, 2, 8)) == 0
    assert CAL.between(sh(2026, 3, 2, 8, 0, 59), sh(2026, 3, 2, 8, 2)) == 1
    assert CAL.between(sh(2026, 3, 2, 8, 2), sh(2026, 3, 2, 8, 0, 59)) == -1
    assert CAL.between(sh(2026, 3, 2, 11), sh(2026, 3, 2, 15)) == 120
    assert CAL.between_seconds(sh(2026, 3, 2, 11, 59, 30), sh(2026, 3, 2, 14, 0, 30)) == 60


def test_utc_inputs_use_centre_local_time() -> None:
    # 00:00 UTC is 08:00 in Shanghai.
    start = datetime(2026, 3, 2, 0, tzinfo=UTC)
    assert CAL.add(start, 60) == sh(2026, 3, 2, 9)
    assert CAL.between(start, datetime(2026, 3, 2, 10, tzinfo=UTC)) == 480


def test_working_point_differences_are_working_time() -> None:
    a, b = sh(2026, 3, 2, 9), sh(2026, 3, 4, 16, 30)
    assert CAL.working_point(b) - CAL.working_point(a) == CAL.between_seconds(a, b) * 1_000_000


# -- statutory holidays and make-up workdays ---------------------------------------------------


def test_spring_festival_2026() -> None:
    assert date(2026, 2, 14).weekday() == 5
    assert chinese_calendar.is_workday(date(2026, 2, 14))
    assert CAL.is_workday(date(2026, 2, 14))
    for offset in range(9):
        d = date(2026, 2, 15) + timedelta(days=offset)
        assert not chinese_calendar.is_workday(d)
        assert not CAL.is_workday(d)
    assert chinese_calendar.is_workday(date(2026, 2, 24))
    assert CAL.add(sh(2026, 2, 13, 17), 120) == sh(2026, 2, 14, 9)
    assert CAL.add(sh(2026, 2, 14, 17), 120) == sh(2026, 2, 24, 9)
    assert CAL.add(sh(2026, 2, 24, 9), -120) == sh(2026, 2, 14, 17)
    assert CAL.between(sh(2026, 2, 14, 12), sh(2026, 2, 24, 12)) == 240 + 240


def test_national_day_2026() -> None:
    for day in (28, 29, 30):
        assert chinese_calendar.is_workday(date(2026, 9, day))
        assert CAL.is_workday(date(2026, 9, day))
    for day in range(1, 8):
        assert not chinese_calendar.is_workday(date(2026, 10, day))
        assert not CAL.is_workday(date(2026, 10, day))
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    assert CAL.add(sh(2026, 9, 30, 17), 120) == sh(2026, 10, 8, 9)
    assert CAL.between(sh(2026, 9, 30, 12), sh(2026, 10, 8, 12)) == 240 + 240


def test_every_2026_date_agrees_with_chinese_calendar() -> None:
    cal = WorkCalendar(SH, days=statutory_days([2026]))
    for d, flag in cal.workday_flags(date(2026, 1, 1), date(2026, 12, 31)):
        assert flag == chinese_calendar.is_workday(d), d


def test_statutory_days_only_lists_departures_from_the_default() -> None:
    rows = statutory_days([2026])
    assert rows == sorted(rows, key=lambda r: r.day)
    by_day = {r.day: r for r in rows}
    assert all(r.source == "chinesecalendar" for r in rows)
    assert all(r.workday != (r.day.weekday() < 5) for r in rows)
    assert by_day[date(2026, 2, 14)] == CalendarDay(
        date(2026, 2, 14), True, "chinesecalendar", "调休上班"
    )
    assert by_day[date(2026, 2, 16)].note == "Spring Festival"
    assert by_day[date(2026, 10, 1)].note == "National Day"
    assert date(2026, 2, 15) not in by_day  # a Sunday holiday is off anyway


def test_unsupported_years_are_skipped() -> None:
    assert statutory_days([1990, 2999]) == []
    assert {r.day.year for r in statutory_days([1990, 2026, 2999])} == {2026}
    cal = WorkCalendar(SH, days=statutory_days([2999]))
    assert cal.is_workday(date(2099, 1, 1))  # a Thursday: plain Mon–Fri fallback


def test_admin_override_beats_seeded_flag() -> None:
    seeded = CalendarDay(date(2026, 2, 16), False, "chinesecalendar", "Spring Festival")
    admin = CalendarDay(date(2026, 2, 16), True, "admin", "值班")
    for days in ([seeded, admin], [admin, seeded]):
        cal = WorkCalendar(SH, days=days)
        assert cal.is_workday(date(2026, 2, 16))
        assert cal.between(sh(2026, 2, 16, 0), sh(2026, 2, 17, 0)) == 480
    # An admin can also close an ordinary Monday.
    cal = WorkCalendar(SH, days=[CalendarDay(date(2026, 3, 2), False, "admin")])
    assert not cal.is_workday(date(2026, 3, 2))
    assert cal.add(sh(2026, 2, 27, 17), 120) == sh(2026, 3, 3, 9)


def test_default_week_without_flags() -> None:
    cal = WorkCalendar(SH)
    flags = cal.workday_flags(date(2026, 3, 2), date(2026, 3, 8))
    assert [f for _, f in flags] == [True] * 5 + [False] * 2
    assert cal.workday_flags(date(2026, 3, 8), date(2026, 3, 2)) == []
    assert cal.between(sh(2026, 3, 2, 0), sh(2026, 3, 9, 0)) == 5 * 480


# -- windows -----------------------------------------------------------------------------------


def test_custom_windows() -> None:
    cal = WorkCalendar(SH, windows=parse_windows("09:00-17:00"))
    assert cal.windows == ((time(9), time(17)),)
    assert cal.day_minutes == 480
    assert cal.add(sh(2026, 3, 2, 9), 480) == sh(2026, 3, 2, 17)
    assert cal.add(sh(2026, 3, 2, 9), 481) == sh(2026, 3, 3, 9, 1)
    assert cal.between(sh(2026, 3, 2, 11), sh(2026, 3, 2, 15)) == 240  # lunch counts here
    assert cal.between(sh(2026, 3, 2, 8), sh(2026, 3, 2, 9)) == 0


def test_three_windows() -> None:
    cal = WorkCalendar(SH, windows=parse_windows("08:00-11:30, 13:30-17:00，19:00-21:00"))
    assert cal.day_minutes == 210 + 210 + 120
    assert cal.add(sh(2026, 3, 2, 17), 60) == sh(2026, 3, 2, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00-12:00,14:00-18:00", DEFAULT_WINDOWS),
        (" 8:00 - 12:00 ", ((time(8), time(12)),)),
        ("08:00:30-12:00:15", ((time(8, 0, 30), time(12, 0, 15)),)),
        ("00:00-23:59", ((time(0), time(23, 59)),)),
    ],
)
def test_parse_windows(text: str, expected: tuple[tuple[time, time], ...]) -> None:
    assert parse_windows(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " , ",
        "08:00",
        "abc",
        "12:00-08:00",
        "08:00-08:00",
        "08:00-12:00,11:00-13:00",
        "14:00-18:00,08:00-12:00",
        "25:00-26:00",
        "08:00-24:00",
        "08:60-09:00",
    ],
)
def test_parse_windows_rejects(text: str) -> None:
    with pytest.raises(ValidationError, match="/"):
        parse_windows(text)


def test_constructor_rejects_bad_windows_and_years() -> None:
    with pytest.raises(ValidationError):
        WorkCalendar(SH, windows=())
    with pytest.raises(ValidationError):
        WorkCalendar(SH, windows=((time(14), time(18)), (time(8), time(12))))
    with pytest.raises(ValidationError):
        WorkCalendar(SH, windows=((time(8, tzinfo=UTC), time(12, tzinfo=UTC)),))
    with pytest.raises(ValidationError):
        WorkCalendar(SH, first_year=2030, last_year=2020)


# -- errors ------------------------------------------------------------------------------------


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 3, 2, 9)
    aware = sh(2026, 3, 2, 9)
    calls: list[Callable[[], object]] = [
        lambda: CAL.add(naive, 10),
        lambda: CAL.add(naive, 0),
        lambda: CAL.between(naive, aware),
        lambda: CAL.between(aware, naive),
        lambda: CAL.between_seconds(naive, aware),
        lambda: CAL.add_natural(naive, 10),
        lambda: CAL.between_natural(aware, naive),
        lambda: CAL.working_point(naive),
    ]
    for call in calls:
        with pytest.raises(ValidationError, match="timezone-aware") as info:
            call()
        assert type(info.value) is ValidationError


def test_out_of_range_instants() -> None:
    cal = WorkCalendar(SH, first_year=2025, last_year=2026)
    inside = sh(2026, 6, 1, 9)
    for outside in (
        sh(2024, 12, 31, 23),
        sh(2027, 1, 1, 0),
        datetime(2026, 12, 31, 16, tzinfo=UTC),
    ):
        with pytest.raises(CalendarRangeError, match="2025–2026"):
            cal.between(inside, outside)
        with pytest.raises(CalendarRangeError):
            cal.add(outside, 5)
        with pytest.raises(CalendarRangeError):
            cal.between_natural(outside, inside)
    with pytest.raises(CalendarRangeError):
        cal.add(inside, 1_000 * 480)
    with pytest.raises(CalendarRangeError):
        cal.add(inside, -1_000 * 480)
    with pytest.raises(CalendarRangeError):
        cal.add_natural(inside, 366 * 24 * 60)
    assert CAL.add(sh(2100, 12, 31, 17), 60) == sh(2100, 12, 31, 18)
    with pytest.raises(CalendarRangeError):
        CAL.add(sh(2100, 12, 31, 17), 61)


def test_whole_span_round_trips_at_its_ends() -> None:
    cal = WorkCalendar(SH, first_year=2026, last_year=2026)
    first, last = sh(2026, 1, 1, 0), sh(2026, 12, 31, 23, 59)
    total = cal.between(first, last)
    assert total == sum(f for _, f in cal.workday_flags(date(2026, 1, 1), date(2026, 12, 31))) * 480
    assert cal.add(last, -total) == sh(2026, 1, 1, 8)  # Jan 1 2026 is a Thursday
    assert cal.add(first, total) == sh(2026, 12, 31, 18)


# -- natural time ------------------------------------------------------------------------------


def test_natural_time() -> None:
    start = sh(2026, 2, 14, 17)
    assert CAL.add_natural(start, 24 * 60) == sh(2026, 2, 15, 17)
    assert CAL.add_natural(start, -90) == sh(2026, 2, 14, 15, 30)
    assert CAL.add_natural(datetime(2026, 2, 14, 9, tzinfo=UTC), 0).tzinfo is SH
    assert CAL.between_natural(start, sh(2026, 2, 15, 17)) == 1440
    assert CAL.between_natural(start, sh(2026, 2, 14, 17, 1, 59)) == 1
    assert CAL.between_natural(sh(2026, 2, 14, 17, 1, 59), start) == -1
    assert CAL.add_for(start, 120, natural=True) == sh(2026, 2, 14, 19)
    assert CAL.add_for(start, 120, natural=False) == sh(2026, 2, 24, 9)
    assert CAL.between_for(start, sh(2026, 2, 24, 9), natural=True) == 9 * 1440 + 16 * 60
    assert CAL.between_for(start, sh(2026, 2, 24, 9), natural=False) == 120


def test_natural_time_counts_elapsed_minutes_across_dst() -> None:
    ny = ZoneInfo("America/New_York")
    cal = WorkCalendar(ny)
    before = datetime(2026, 3, 8, 1, 30, tzinfo=ny)  # clocks jump 02:00 -> 03:00
    after = cal.add_natural(before, 60)
    assert after == datetime(2026, 3, 8, 3, 30, tzinfo=ny)
    assert cal.between_natural(before, after) == 60


@fast
@given(precise_instants, minutes)
def test_natural_round_trip(t: datetime, m: int) -> None:
    assert CAL.between_natural(t, CAL.add_natural(t, m)) == m
    assert CAL.between_for(t, CAL.add_for(t, m, natural=True), natural=True) == m
