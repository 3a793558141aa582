"""Evaluation periods (评价周期): a day, an ISO week, a month, a quarter, a year or a date range.

A :class:`Period` is a half-open range of centre-local dates ``[start, end)``.  The services
turn it into aware instants with :meth:`Period.bounds` in the centre's zone, so "October" means
October in Kaihua whatever zone the database server runs in.  Nothing here reads a clock.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from console.domain.errors import ValidationError

MIN_YEAR = 1900
MAX_YEAR = 9998  # the period after the last one must still be a valid date


class PeriodKind(enum.StrEnum):
    """What sort of period a label names; decides what :meth:`Period.previous` means."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


_HELP = (
    "可用格式：2026-10-15（日）、2026-W43（ISO 周）、2026-10（月）、2026-Q3（季度）、2026（年）、"
    "2026-10-01..2026-10-31（自定义，含首尾）/ use 2026-10-15, 2026-W43, 2026-10, 2026-Q3, 2026 "
    "or 2026-10-01..2026-10-31"
)


@dataclass(frozen=True, slots=True)
class Period:
    """Centre-local dates ``[start, end)`` with the label the operator typed (normalised).

    Parameters
    ----------
    start : date
        First day of the period.
    end : date
        The day after the last day (exclusive).
    label : str
        Canonical text, e.g. ``2026-10`` or ``2026-W43``; :func:`parse_period` reads it back.
    kind : PeriodKind
        Day, week, month, quarter, year or a custom range.
    """

    start: date
    end: date
    label: str
    kind: PeriodKind = PeriodKind.CUSTOM

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationError(
                f"评价周期 {self.label} 的结束日期不晚于开始日期 / period ends before it starts"
            )

    @property
    def days(self) -> int:
        """Number of calendar days in the period."""
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        """The last day (inclusive), as people write ranges."""
        return self.end - timedelta(days=1)

    @property
    def label_zh(self) -> str:
        """The period in Chinese, for titles: ``2026年10月``, ``2026年第43周`` …"""
        s = self.start
        if self.kind is PeriodKind.DAY:
            return f"{s.year}年{s.month}月{s.day}日"
        if self.kind is PeriodKind.WEEK:
            year, week, _ = s.isocalendar()
            return f"{year}年第{week}周"
        if self.kind is PeriodKind.MONTH:
            return f"{s.year}年{s.month}月"
        if self.kind is PeriodKind.QUARTER:
            return f"{s.year}年第{(s.month - 1) // 3 + 1}季度"
        if self.kind is PeriodKind.YEAR:
            return f"{s.year}年"
        return f"{s.isoformat()}至{self.last_day.isoformat()}"

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """The period as aware instants ``[start, end)``: local midnights in ``tz``."""
        return datetime.combine(self.start, time(0), tz), datetime.combine(self.end, time(0), tz)

    def previous(self) -> Period:
        """The period just before, of the same kind.

        A named period steps back by its calendar unit (October -> September, 2026-Q3 ->
        2026-Q2), because a month-on-month comparison is what people mean even when the two
        months differ in length.  A custom range steps back by its own number of days.
        """
        s = self.start
        if self.kind is PeriodKind.DAY:
            return day_period(s - timedelta(days=1))
        if self.kind is PeriodKind.WEEK:
            year, week, _ = (s - timedelta(days=7)).isocalendar()
            return week_period(year, week)
        if self.kind is PeriodKind.MONTH:
            return month_period(s.year - 1, 12) if s.month == 1 else month_period(s.year, s.month - 1)
        if self.kind is PeriodKind.QUARTER:
            q = (s.month - 1) // 3 + 1
            return quarter_period(s.year - 1, 4) if q == 1 else quarter_period(s.year, q - 1)
        if self.kind is PeriodKind.YEAR:
            return year_period(s.year - 1)
        return range_period(s - timedelta(days=self.days), s - timedelta(days=1))

    def as_dict(self, tz: tzinfo | None = None) -> dict[str, Any]:
        """JSON-ready form: label, kind, dates, and the instants when ``tz`` is given."""
        data: dict[str, Any] = {
            "label": self.label,
            "label_zh": self.label_zh,
            "kind": self.kind.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "last_day": self.last_day.isoformat(),
            "days": self.days,
        }
        if tz is not None:
            a, b = self.bounds(tz)
            data.update(timezone=str(tz), start_at=a.isoformat(), end_at=b.isoformat())
        return data


def _year(value: int) -> int:
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationError(f"年份 {value} 超出范围（{MIN_YEAR}–{MAX_YEAR}）/ year out of range")
    return value


def day_period(day: date) -> Period:
    """One calendar day."""
    _year(day.year)
    return Period(day, day + timedelta(days=1), day.isoformat(), PeriodKind.DAY)


def week_period(year: int, week: int) -> Period:
    """ISO week ``week`` of ISO year ``year`` (Monday to Sunday)."""
    _year(year)
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValidationError(f"{year} 年没有第 {week} 周 / no ISO week {week} in {year}") from None
    return Period(monday, monday + timedelta(days=7), f"{year}-W{week:02d}", PeriodKind.WEEK)


def month_period(year: int, month: int) -> Period:
    """A calendar month."""
    _year(year)
    if not 1 <= month <= 12:
        raise ValidationError(f"月份 {month} 应在 1 到 12 之间 / month out of range")
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Period(date(year, month, 1), end, f"{year}-{month:02d}", PeriodKind.MONTH)


def quarter_period(year: int, quarter: int) -> Period:
    """A calendar quarter (Q1 = January to March)."""
    _year(year)
    if not 1 <= quarter <= 4:
        raise ValidationError(f"季度 {quarter} 应在 1 到 4 之间 / quarter out of range")
    first = 3 * (quarter - 1) + 1
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, first + 3, 1)
    return Period(date(year, first, 1), end, f"{year}-Q{quarter}", PeriodKind.QUARTER)


def year_period(year: int) -> Period:
    """A calendar year."""
    _year(year)
    return Period(date(year, 1, 1), date(year + 1, 1, 1), str(year), PeriodKind.YEAR)


def range_period(first: date, last: date) -> Period:
    """The days ``first`` to ``last``, both included."""
    _year(first.year)
    _year(last.year)
    if last < first:
        raise ValidationError(
            f"自定义周期 {first}..{last} 的结束日期早于开始日期 / range ends before it starts"
        )
    return Period(first, last + timedelta(days=1), f"{first.isoformat()}..{last.isoformat()}")


_DATE = r"(\d{4})-(\d{2})-(\d{2})"
# ASCII digits only: \d would also take full-width and other scripts' digits.
_PATTERNS = (
    (re.compile(rf"{_DATE}\.\.{_DATE}", re.ASCII), "range"),
    (re.compile(_DATE, re.ASCII), "day"),
    (re.compile(r"(\d{4})-[Ww](\d{2})", re.ASCII), "week"),
    (re.compile(r"(\d{4})-[Qq](\d)", re.ASCII), "quarter"),
    (re.compile(r"(\d{4})-(\d{2})", re.ASCII), "month"),
    (re.compile(r"(\d{4})", re.ASCII), "year"),
)


def _date(text: str, y: str, m: str, d: str) -> date:
    try:
        return date(_year(int(y)), int(m), int(d))
    except ValueError:
        raise ValidationError(f"评价周期 {text!r} 含有不存在的日期 {y}-{m}-{d} / no such date") from None


def parse_period(text: str) -> Period:
    """Read a period label.

    Parameters
    ----------
    text : str
        ``2026-10-15`` (day), ``2026-W43`` (ISO week), ``2026-10`` (month), ``2026-Q3``,
        ``2026`` (year) or ``2026-10-01..2026-10-31`` (a custom range, both ends included).

    Returns
    -------
    Period
        Local dates ``[start, end)``; the label is normalised (``2026-w43`` -> ``2026-W43``).

    Raises
    ------
    ValidationError
        Unrecognised text, a date that does not exist, week 53 of a 52-week year, a range
        that ends before it starts, or a year outside 1900–9998.
    """
    raw = text.strip() if isinstance(text, str) else ""
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(raw)
        if match is None:
            continue
        g = match.groups()
        if kind == "range":
            return range_period(_date(raw, *g[:3]), _date(raw, *g[3:]))
        if kind == "day":
            return day_period(_date(raw, *g))
        if kind == "week":
            return week_period(_year(int(g[0])), int(g[1]))
        if kind == "quarter":
            return quarter_period(_year(int(g[0])), int(g[1]))
        if kind == "month":
            return month_period(_year(int(g[0])), int(g[1]))
        return year_period(int(g[0]))
    raise ValidationError(f"无法识别的评价周期 {text!r}。{_HELP}")
