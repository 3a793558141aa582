"""The working-time (工作时) calendar: which days are workdays and how working minutes add up.

Working time runs only inside the daily windows (08:00–12:00 and 14:00–18:00 by default) on
workdays.  Workdays are Monday–Friday unless a per-date :class:`CalendarDay` flag says otherwise
(statutory holidays, 调休 make-up workdays, administrator overrides).

Every instant maps to a point on a *working axis*: the workdays before its local date times the
length of a working day, plus the working time already elapsed on its own day.  Durations are
differences on that axis and :meth:`WorkCalendar.add` is its inverse, so both run in O(log n)
without walking days, which matters because the console recomputes every open case's countdown
once a second.  The axis is kept in integer microseconds so sums and differences are exact.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from console.domain.errors import CalendarRangeError, ValidationError
from console.domain.reference import CalendarDay

__all__ = [
    "WorkCalendar",
    "gap_message",
    "parse_windows",
    "seeded_years",
    "statutory_days",
    "statutory_package",
]

_US_PER_SECOND = 1_000_000
_US_PER_MINUTE = 60 * _US_PER_SECOND
_DEFAULT_WINDOWS: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(14), time(18)))
_MAKE_UP_NOTE = "调休上班"


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US_PER_SECOND + t.microsecond


def _us_time(us: int) -> time:
    seconds, micro = divmod(us, _US_PER_SECOND)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, micro)


def _weekdays_through(ordinal: int) -> int:
    # Ordinal 1 (0001-01-01) is a Monday, so Mon–Fri are the first five days of every 7-day block.
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _check_windows(windows: Sequence[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    if not windows:
        raise ValidationError("工作时段不能为空 / at least one working window is required")
    checked: list[tuple[time, time]] = []
    for start, end in windows:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValidationError(f"工作时段不能带时区 / windows are local times: {start}-{end}")
        if start >= end:
            raise ValidationError(
                f"工作时段开始须早于结束 / window start must be before its end: {start}-{end}"
            )
        if checked and start < checked[-1][1]:
            raise ValidationError(
                "工作时段须按时间排序且不重叠 / windows must be sorted and must not overlap: "
                f"{checked[-1][0]}-{checked[-1][1]}, {start}-{end}"
            )
        checked.append((start, end))
    return tuple(checked)


_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2}))?"
_WINDOW_RE = re.compile(rf"^\s*{_TIME}\s*[-–~～]\s*{_TIME}\s*$")


def parse_windows(text: str) -> tuple[tuple[time, time], ...]:
    """Parse working windows written as ``"08:00-12:00,14:00-18:00"``.

    Parameters
    ----------
    text : str
        Comma-separated ``HH:MM-HH:MM`` ranges (seconds optional, full-width comma accepted).

    Returns
    -------
    tuple of (time, time)
        The windows in order.

    Raises
    ------
    ValidationError
        If the text is empty or malformed, or the windows are unsorted, overlapping or empty.
        ``24:00`` is rejected: a window must end within the day it starts.
    """
    parts = [p for p in re.split(r"[,，;；]", text) if p.strip()]
    windows: list[tuple[time, time]] = []
    for part in parts:
        match = _WINDOW_RE.match(part)
        if match is None:
            raise ValidationError(
                f"无法识别的工作时段 / cannot read working window {part.strip()!r} "
                "(expected HH:MM-HH:MM)"
            )
        g = match.groups()
        try:
            start = time(int(g[0]), int(g[1]), int(g[2] or 0))
            end = time(int(g[3]), int(g[4]), int(g[5] or 0))
        except ValueError as exc:
            raise ValidationError(
                f"工作时段中的时间无效 / invalid time in window {part.strip()!r}: {exc}"
            ) from exc
        windows.append((start, end))
    return _check_windows(windows)


def statutory_days(years: Iterable[int]) -> list[CalendarDay]:
    """Workday flags from the ``chinesecalendar`` package for the given years.

    Only dates whose flag differs from the Monday–Friday default are returned: statutory
    holidays that fall on weekdays (note = the holiday's name, e.g. ``"Spring Festival"``) and
    make-up workdays on weekends (note = ``"调休上班"``).

    Parameters
    ----------
    years : iterable of int
        Years to seed.

    Returns
    -------
    list of CalendarDay
        Flags with ``source="chinesecalendar"``, sorted by date.

    Notes
    -----
    Years the installed package has no data for are skipped; a calendar counts them as plain
    Monday–Friday weeks and names them in :meth:`WorkCalendar.uncovered_years` until an
    administrator imports them.
    """
    import chinese_calendar

    out: list[CalendarDay] = []
    for year in sorted(set(years)):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except (NotImplementedError, ValueError):
            continue
        d = date(year, 1, 1)
        while d.year == year:
            is_holiday, name = chinese_calendar.get_holiday_detail(d)
            workday = not bool(is_holiday)
            if workday != (d.weekday() < 5):
                note = (str(name) if name else "法定节假日") if not workday else _MAKE_UP_NOTE
                out.append(CalendarDay(d, workday, source="chinesecalendar", note=note))
            d += timedelta(days=1)
    return out


def statutory_package() -> tuple[str, tuple[int, ...]]:
    """The installed ``chinesecalendar``'s version and the years its tables cover, in order."""
    import chinese_calendar
    from chinese_calendar import constants

    years = {d.year for d in (*constants.holidays, *constants.workdays)}
    return str(getattr(chinese_calendar, "__version__", "")), tuple(sorted(years))


def gap_message(years: Sequence[int]) -> str:
    """The warning for an answer that reaches uncovered ``years`` (Chinese / English)."""
    return (f"{'、'.join(str(y) for y in years)} 年法定节假日未导入，期限按周一至周五计算 / "
            f"statutory holidays of {', '.join(str(y) for y in years)} are not imported: "
            "working time counts Monday to Friday")


def seeded_years(days: Iterable[CalendarDay]) -> frozenset[int]:
    """Years holding flags that came from the package (any source but ``admin``).

    Every year has weekday holidays, so a year the package covers always leaves rows; a year
    without any is one the package did not know when the database was seeded.
    """
    return frozenset(row.day.year for row in days if row.source != "admin")


class WorkCalendar:
    """Working-time arithmetic for one centre: workdays, daily windows and a time zone.

    Parameters
    ----------
    tz : tzinfo
        The centre's zone; instants are converted to it before their local date and time are read.
    windows : sequence of (time, time)
        Daily working windows, sorted and non-overlapping, each within one day.
    days : iterable of CalendarDay
        Explicit per-date flags.  Where several rows share a date, an ``"admin"`` row wins over
        any other source; among rows of equal rank the last one wins.
    first_year, last_year : int
        The inclusive span of years the calendar can count; instants outside it raise
        :class:`CalendarRangeError`.
    covered_years : iterable of int, optional
        Years whose statutory holidays and make-up days are known (seeded from the package
        or imported by an administrator).  Other years still count, Monday to Friday, and
        :meth:`uncovered_years` names them so callers can warn.  Default: the years of the
        rows in ``days`` that came from the package (:func:`seeded_years`).

    Notes
    -----
    The instance is immutable after construction; per-year prefix tables are built lazily and
    cached.  Working time within a day is wall-clock time inside the windows, so in a zone with
    daylight saving a window that spans a transition counts its wall-clock length.
    """

    __slots__ = (
        "_cum",
        "_cum_end",
        "_day_us",
        "_ends",
        "_flags",
        "_jan1",
        "_prefix",
        "_starts",
        "_year_base",
        "covered_years",
        "first_year",
        "last_year",
        "tz",
        "windows",
    )

    def __init__(
        self,
        tz: tzinfo,
        windows: Sequence[tuple[time, time]] = _DEFAULT_WINDOWS,
        days: Iterable[CalendarDay] = (),
        first_year: int = 2000,
        last_year: int = 2100,
        covered_years: Iterable[int] | None = None,
    ) -> None:
        if not 1 <= first_year <= last_year <= 9998:
            raise ValidationError(
                f"日历年份范围无效 / invalid calendar year span {first_year}–{last_year}"
            )
        self.tz = tz
        self.windows = _check_windows(windows)
        self.first_year = first_year
        self.last_year = last_year
        self._starts = [_time_us(s) for s, _ in self.windows]
        self._ends = [_time_us(e) for _, e in self.windows]
        self._cum: list[int] = []
        self._cum_end: list[int] = []
        total = 0
        for s, e in zip(self._starts, self._ends, strict=True):
            self._cum.append(total)
            total += e - s
            self._cum_end.append(total)
        self._day_us = total

        ranked: dict[date, tuple[int, bool]] = {}
        seeded: set[int] = set()
        for row in days:
            rank = 1 if row.source == "admin" else 0
            if not rank:
                seeded.add(row.day.year)
            if row.day not in ranked or rank >= ranked[row.day][0]:
                ranked[row.day] = (rank, row.workday)
        self._flags = {d: flag for d, (_, flag) in ranked.items()}
        self.covered_years = frozenset(seeded if covered_years is None else covered_years)

        # Year totals come from the weekday formula plus the flags that differ from it, so the
        # whole span is indexed at once without touching every date.
        delta = [0] * (last_year - first_year + 1)
        for d, flag in self._flags.items():
            if first_year <= d.year <= last_year and flag != (d.weekday() < 5):
                delta[d.year - first_year] += 1 if flag else -1
        self._jan1 = [date(y, 1, 1).toordinal() for y in range(first_year, last_year + 2)]
        self._year_base = [0]
        for i in range(last_year - first_year + 1):
            jan1, next_jan1 = self._jan1[i], self._jan1[i + 1]
            weekdays = _weekdays_through(next_jan1 - 1) - _weekdays_through(jan1 - 1)
            self._year_base.append(self._year_base[-1] + weekdays + delta[i])
        self._prefix: dict[int, list[int]] = {}

    @property
    def day_minutes(self) -> int:
        """Working minutes in one workday (480 with the default windows)."""
        return self._day_us // _US_PER_MINUTE

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a workday: its explicit flag, else Monday–Friday."""
        flag = self._flags.get(d)
        return d.weekday() < 5 if flag is None else flag

    def uncovered_years(self, *instants: datetime) -> tuple[int, ...]:
        """Years from the earliest to the latest of ``instants`` (local dates, inclusive)
        whose statutory holidays the calendar does not know, in order.

        A working-time answer that spans such a year counted it Monday to Friday: a holiday
        was taken for a workday, a make-up Saturday for a day off.  Empty when every year is
        covered (or no instant is given).  Years outside the calendar's span are not
        listed: the arithmetic itself refuses them.
        """
        years = []
        for t in instants:
            if t.tzinfo is None or t.utcoffset() is None:
                raise ValidationError(f"时间必须带时区 / datetime must be timezone-aware: {t}")
            years.append(t.astimezone(self.tz).year)
        if not years:
            return ()
        first, last = max(min(years), self.first_year), min(max(years), self.last_year)
        return tuple(y for y in range(first, last + 1) if y not in self.covered_years)

    def workday_flags(self, start: date, end: date) -> list[tuple[date, bool]]:
        """``(date, is_workday)`` for every date from ``start`` to ``end`` inclusive (empty if end < start)."""
        out: list[tuple[date, bool]] = []
        d = start
        while d <= end:
            out.append((d, self.is_workday(d)))
            d += timedelta(days=1)
        return out

    # -- the working axis -------------------------------------------------------------------

    def _year_prefix(self, year: int) -> list[int]:
        prefix = self._prefix.get(year)
        if prefix is None:
            prefix = [0]
            d = date(year, 1, 1)
            while d.year == year:
                prefix.append(prefix[-1] + self.is_workday(d))
                d += timedelta(days=1)
            # Assigning a finished list is atomic, so concurrent readers at worst build it twice.
            self._prefix[year] = prefix
        return prefix

    def _local(self, t: datetime) -> datetime:
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValidationError(f"时间必须带时区 / datetime must be timezone-aware: {t}")
        local = t.astimezone(self.tz)
        if not self.first_year <= local.year <= self.last_year:
            raise CalendarRangeError(
                f"时间超出工作日历范围（{self.first_year}–{self.last_year}年）/ "
                f"instant outside the work calendar ({self.first_year}–{self.last_year}): "
                f"{local.isoformat()}"
            )
        return local

    def _axis(self, t: datetime) -> int:
        # The hot path of every countdown: kept inline, no per-call allocation beyond astimezone.
        local = self._local(t)
        year = local.year
        yi = year - self.first_year
        prefix = self._prefix.get(year) or self._year_prefix(year)
        k = local.toordinal() - self._jan1[yi]
        before = prefix[k]
        point = (self._year_base[yi] + before) * self._day_us
        if prefix[k + 1] != before:
            x = (
                (local.hour * 60 + local.minute) * 60 + local.second
            ) * _US_PER_SECOND + local.microsecond
            i = bisect_right(self._starts, x) - 1
            if i >= 0:
                point += self._cum[i] + min(x, self._ends[i]) - self._starts[i]
        return point

    def working_point(self, t: datetime) -> int:
        """Working microseconds from the start of ``first_year`` to ``t``.

        Differences of two points are exact working durations, so a caller that times many
        cases against one clock can compute each deadline's point once and subtract.
        """
        return self._axis(t)

    def settled(self, t: datetime) -> datetime:
        """The earliest instant whose working time equals ``t``'s: ``t`` itself inside a
        working window, else the end of the last one (18:00 for a Friday night).

        A deadline before it has run out in working time at ``t``; one at or after it has not.
        """
        point = self._axis(t)
        return self._instant(point, earliest=True) if point > 0 else t

    def _instant(self, point: int, earliest: bool) -> datetime:
        # A point on the axis is held by a whole span of instants when it sits on a window edge;
        # ``earliest`` picks the end of the span before it, otherwise the window start after it.
        top = self._year_base[-1] * self._day_us
        if not (0 < point <= top if earliest else 0 <= point < top):
            raise CalendarRangeError(
                f"结果超出工作日历范围（{self.first_year}–{self.last_year}年）/ "
                f"result outside the work calendar ({self.first_year}–{self.last_year})"
            )
        if earliest:
            n, r = divmod(point - 1, self._day_us)
            r += 1
            i = bisect_left(self._cum_end, r)
        else:
            n, r = divmod(point, self._day_us)
            i = bisect_right(self._cum_end, r)
        yi = bisect_right(self._year_base, n) - 1
        year = self.first_year + yi
        k = bisect_right(self._year_prefix(year), n - self._year_base[yi]) - 1
        day = date(year, 1, 1) + timedelta(days=k)
        wall = _us_time(self._starts[i] + r - self._cum[i])
        return datetime.combine(day, wall, tzinfo=self.tz)

    # -- working time -----------------------------------------------------------------------

    def between_seconds(self, a: datetime, b: datetime) -> float:
        """Exact signed working seconds from ``a`` to ``b`` (negative when ``b`` is earlier)."""
        return (self._axis(b) - self._axis(a)) / _US_PER_SECOND

    def between(self, a: datetime, b: datetime) -> int:
        """Signed whole working minutes from ``a`` to ``b``, truncated toward zero.

        ``between(a, b) == -between(b, a)`` always holds.
        """
        diff = self._axis(b) - self._axis(a)
        return diff // _US_PER_MINUTE if diff >= 0 else -(-diff // _US_PER_MINUTE)

    def add(self, start: datetime, minutes: int) -> datetime:
        """The instant ``minutes`` working minutes after ``start`` (before it if negative).

        Parameters
        ----------
        start : datetime
            A timezone-aware instant.
        minutes : int
            Working minutes to move; negative goes back.

        Returns
        -------
        datetime
            An aware instant in :attr:`tz`.  Going forward it is the earliest instant at which
            the minutes have elapsed (4 h from Mon 08:00 is Mon 12:00, not 14:00); going back it
            is the latest such instant (4 h before Mon 12:00 is Mon 08:00, not Fri 18:00).

        Raises
        ------
        ValidationError
            If ``start`` is naive.
        CalendarRangeError
            If ``start`` or the result lies outside the calendar's years.
        """
        point = self._axis(start)
        if minutes == 0:
            return start.astimezone(self.tz)
        return self._instant(point + minutes * _US_PER_MINUTE, earliest=minutes > 0)

    # -- natural (wall-clock) time ----------------------------------------------------------

    def add_natural(self, start: datetime, minutes: int) -> datetime:
        """The instant ``minutes`` elapsed minutes after ``start``, in :attr:`tz`."""
        self._local(start)
        # Aware arithmetic within one tzinfo is wall-clock arithmetic, so step through UTC.
        result = (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(self.tz)
        self._local(result)
        return result

    def between_natural(self, a: datetime, b: datetime) -> int:
        """Signed whole elapsed minutes from ``a`` to ``b``, truncated toward zero."""
        self._local(a)
        self._local(b)
        diff = b.astimezone(UTC) - a.astimezone(UTC)
        us = (diff.days * 86_400 + diff.seconds) * _US_PER_SECOND + diff.microseconds
        return us // _US_PER_MINUTE if us >= 0 else -(-us // _US_PER_MINUTE)

    # -- dispatch ---------------------------------------------------------------------------

    def add_for(self, start: datetime, minutes: int, natural: bool) -> datetime:
        """:meth:`add_natural` when ``natural`` is set (natural-time categories), else :meth:`add`."""
        return self.add_natural(start, minutes) if natural else self.add(start, minutes)

    def between_for(self, a: datetime, b: datetime, natural: bool) -> int:
        """:meth:`between_natural` when ``natural`` is set, else :meth:`between`."""
        return self.between_natural(a, b) if natural else self.between(a, b)

    def between_seconds_for(self, a: datetime, b: datetime, natural: bool) -> float:
        """Exact signed seconds from ``a`` to ``b``: elapsed when ``natural``, else working."""
        if natural:
            self._local(a)
            self._local(b)
            return (b.astimezone(UTC) - a.astimezone(UTC)).total_seconds()
        return self.between_seconds(a, b)
