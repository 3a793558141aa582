"""Live figures for the statistics charts: loaded once, then kept up to date from new events.

:func:`load_live_stats` reads the history the charts need (today, the 7 days before, this month,
the last 8 weeks) once; :meth:`LiveStats.apply` folds each new event batch from the feed into
the counters, so the charts never re-query everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from console.domain.cases import Event
from console.services.centre import Centre
from console.services.uow import UnitOfWork

WEEKS = 8


@dataclass
class LiveStats:
    """Counters the charts read; ``apply`` keeps them current."""

    day: date
    today_by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    week_avg_by_hour: list[float] = field(default_factory=lambda: [0.0] * 24)
    by_source: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    unit_month: dict[str, list[int]] = field(default_factory=dict)  # unit -> [on time, handled]
    weeks: list[date] = field(default_factory=list)  # Mondays, oldest first
    week_on_time: dict[date, list[int]] = field(default_factory=dict)  # Monday -> [on time, handled]

    def apply(self, events: Iterable[Event], centre: Centre) -> bool:
        """Fold new events in; False when the day changed and a reload is needed."""
        for event in events:
            local = centre.local(event.occurred_at)
            if local.date() > self.day:
                return False
            if event.type == "report" and local.date() == self.day:
                self.today_by_hour[local.hour] += 1
                self.by_source[str(event.payload.get("source", ""))] += 1
                self.by_category[str(event.payload.get("category", ""))] += 1
            elif event.type == "feedback" and event.on_time is not None:
                self._handled(event, local.date())
        return True

    def _handled(self, event: Event, day: date) -> None:
        self.count_handled(day, event.unit, bool(event.on_time), 1)

    def count_handled(self, day: date, unit: str | None, on_time: bool, n: int) -> None:
        """Count ``n`` timed 处置 feedbacks of ``unit`` on the local ``day``."""
        if day.replace(day=1) == self.day.replace(day=1) and unit:
            tally = self.unit_month.setdefault(unit, [0, 0])
            tally[0] += n if on_time else 0
            tally[1] += n
        monday = day - timedelta(days=day.weekday())
        if monday in self.week_on_time:
            week = self.week_on_time[monday]
            week[0] += n if on_time else 0
            week[1] += n

    def top_categories(self, n: int = 10) -> list[tuple[str, int]]:
        """Today's most reported categories."""
        return self.by_category.most_common(n)

    def unit_ranking(self) -> list[tuple[str, float, int]]:
        """(unit, on-time rate, handled) this month, best first (ties: more handled, code).

        Only units with timed feedback this month are ranked: with nothing handled a unit
        has nothing to rank on (the evaluation's rule; see ``docs/evaluation.md``).
        """
        rows = [(u, t[0] / t[1], t[1]) for u, t in self.unit_month.items() if t[1]]
        return sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))

    def weekly_rates(self) -> list[tuple[date, float | None]]:
        """按期处置率 per week, oldest first (None for a week with nothing handled)."""
        return [(w, (t[0] / t[1]) if (t := self.week_on_time[w])[1] else None) for w in self.weeks]


def load_live_stats(uow: UnitOfWork, centre: Centre, now: datetime) -> LiveStats:
    """Read the history the charts need, once."""
    today = centre.local(now).date()
    tz = centre.tz
    day_start = datetime.combine(today, time(0), tz)
    week_start = day_start - timedelta(days=7)
    month_start = datetime.combine(today.replace(day=1), time(0), tz)
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]
    history_start = min(datetime.combine(mondays[0], time(0), tz), month_start)
    stats = LiveStats(day=today, weeks=mondays, week_on_time={m: [0, 0] for m in mondays})
    end = day_start + timedelta(days=1)
    if not whole_hours(centre, week_start, end):
        return _load_events(uow, centre, stats, week_start, history_start, end)
    previous = [0] * 24
    with uow:
        # Counted by the database per UTC hour: a megacity's 8 weeks are ~400 k events.
        for hour, n in uow.stats.by_hour("report", week_start, end):
            local = centre.local(hour)
            if local.date() == today:
                stats.today_by_hour[local.hour] += n
            else:
                previous[local.hour] += n
        for source, category, n in uow.stats.report_mix(day_start, end):
            stats.by_source[source] += n
            stats.by_category[category] += n
        for hour, unit, on_time, n in uow.stats.handled_by_hour(history_start, end):
            stats.count_handled(centre.local(hour).date(), unit, on_time, n)
    stats.week_avg_by_hour = [n / 7 for n in previous]
    return stats


def report_hours(uow: UnitOfWork, centre: Centre, start: datetime, end: datetime) -> list[int]:
    """Reports per centre-local hour of a day ``[start, end)``, in an entered unit of work.

    Counted by the database per UTC hour; a zone whose hours are not UTC hours walks the events.
    """
    hours = [0] * 24
    if whole_hours(centre, start, end):
        for hour, n in uow.stats.by_hour("report", start, end):
            hours[centre.local(hour).hour] += n
    else:
        for event in uow.events.in_window(start, end, ("report",)):
            hours[centre.local(event.occurred_at).hour] += 1
    return hours


def whole_hours(centre: Centre, start: datetime, end: datetime) -> bool:
    """Whether every UTC hour of ``[start, end)`` is one local hour (no :30 offset, no DST)."""
    offsets = {centre.local(start).utcoffset(), centre.local(end).utcoffset()}
    return len(offsets) == 1 and all(o is not None and o.seconds % 3600 == 0 for o in offsets)


def _load_events(uow: UnitOfWork, centre: Centre, stats: LiveStats, week_start: datetime,
                 history_start: datetime, end: datetime) -> LiveStats:
    """The same figures from the events themselves (a zone whose hours are not UTC hours)."""
    today = stats.day
    with uow:
        reports = uow.events.in_window(week_start, end, ("report",))
        handled = uow.events.in_window(history_start, end, ("feedback",))
    previous = [0] * 24
    for event in reports:
        local = centre.local(event.occurred_at)
        if local.date() == today:
            stats.today_by_hour[local.hour] += 1
            stats.by_source[str(event.payload.get("source", ""))] += 1
            stats.by_category[str(event.payload.get("category", ""))] += 1
        else:
            previous[local.hour] += 1
    stats.week_avg_by_hour = [n / 7 for n in previous]
    for event in handled:
        if event.on_time is not None:
            stats._handled(event, centre.local(event.occurred_at).date())
    return stats
