"""Hotspots for the supervisor, the wall and the statistics tab (issue #16 part 4).

Counts per grid cell and per category, and reports per hour, are aggregated by the database
(:class:`HotspotReader`, ``db/hotspot_repo.py``): a megacity month holds ~250 k reports and a
choropleth needs a few thousand numbers.  Only repeat points need positions — every placed
report of the last 30 days (:func:`console.domain.hotspots.find_repeats`) — so they are a read
of their own (:func:`repeat_points`), asked after the choropleth is drawn.

Which reports count: every case reported in the period except the ones that are no problem
of their own — 不予受理 (not the city's business), 已作废 (entered by mistake) and 已合并 (a
duplicate of another case, which is counted).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from console.domain.cases import CaseState
from console.domain.errors import ValidationError
from console.domain.hotspots import (
    DEFAULT_REPEAT_MIN,
    HOURS_OF_WEEK,
    REPEAT_WINDOW,
    PlacedReport,
    find_repeats,
    hour_of_week,
    per_km2,
    previous_period,
    ring_area_km2,
)
from console.services.centre import Centre
from console.services.uow import UnitOfWork

#: States whose cases are not counted (see the module docstring).
NOT_COUNTED: tuple[str, ...] = (CaseState.REFUSED.value, CaseState.VOIDED.value,
                                CaseState.MERGED.value)

#: The periods the choosers offer, by key.
PERIODS: tuple[str, ...] = ("7d", "30d", "month", "last_month", "quarter")

#: Repeat points a map carries, the largest first (a megacity month of a county's square
#: kilometres holds thousands; the total says how many).
MAX_REPEATS = 200

#: Rows of the top lists and categories of the hour-of-week matrix.
TOP_CELLS = 10
TOP_CATEGORIES = 10
WEEK_CATEGORIES = 8


class HotspotReader(Protocol):
    """Aggregates of the cases table for hotspots (``db.hotspot_repo.SqlHotspotReader``).

    ``categories`` empty means every category; ``[start, split)`` is the previous period and
    ``[split, end)`` the current one where a method takes both.
    """

    def cell_counts(self, start: datetime, split: datetime, end: datetime,
                    categories: Sequence[str]) -> builtins.list[tuple[str | None, int, int]]:
        """(grid cell or None, reports in the current period, in the previous one)."""
        ...

    def first_report(self) -> datetime | None:
        """When the earliest report the database holds was made (None: none)."""
        ...

    def category_counts(self, start: datetime, split: datetime, end: datetime,
                        categories: Sequence[str]) -> builtins.list[tuple[str, int, int]]:
        """(category, reports in the current period, in the previous one)."""
        ...

    def category_hours(self, start: datetime, end: datetime,
                       categories: Sequence[str]) -> builtins.list[tuple[datetime, str, int]]:
        """(UTC hour, category, reports) for ``[start, end)``."""
        ...

    def placed_reports(self, start: datetime, end: datetime,
                       categories: Sequence[str]) -> builtins.list[PlacedReport]:
        """Counted reports of ``[start, end)`` that have a position."""
        ...

    def repeated_steps(self, kind: str, start: datetime, end: datetime,
                       min_count: int) -> builtins.list[tuple[int, int, int]]:
        """(case id, events of ``kind`` up to ``end``, distinct units on them) of the cases
        with ``min_count`` such events or more, the last of them in ``[start, end)``."""
        ...

    def case_marks(self, case_ids: Collection[int]) -> dict[int, tuple[str, datetime]]:
        """Each of these cases' number and when it was reported."""
        ...


class HotspotUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also reaches the hotspot aggregates."""

    hotspots: HotspotReader


@dataclass(frozen=True, slots=True)
class CellHeat:
    """A grid cell's reports in the period and the one before, and its density."""

    grid: str
    count: int
    previous: int
    area_km2: float
    rate: float | None  # reports per km² in the period (None: the cell has no area)

    @property
    def change(self) -> int:
        """Reports more (or fewer) than the previous period."""
        return self.count - self.previous


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """A category's reports in the period and the one before."""

    category: str
    count: int
    previous: int


@dataclass(frozen=True, slots=True)
class WeekHours:
    """A category's reports by centre-local hour of the week (168 counts, Monday 0 h first)."""

    category: str
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RepeatCluster:
    """A repeat point with its cases (numbers oldest first) and when they were reported."""

    category: str
    lon: float
    lat: float
    count: int
    case_ids: tuple[int, ...]
    case_nos: tuple[str, ...]
    first: datetime
    last: datetime


@dataclass(frozen=True, slots=True)
class RepeatPoints:
    """The repeat points of the 30 days to ``end``: the largest :data:`MAX_REPEATS`."""

    repeats: tuple[RepeatCluster, ...]
    total: int  # repeat points found, listed or not
    repeat_min: int
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class HotspotMap:
    """What the choropleth shows: every cell with reports now or before."""

    start: datetime
    end: datetime
    previous_start: datetime
    categories: tuple[str, ...]
    cells: tuple[CellHeat, ...]
    total: int
    previous_total: int
    unplaced: int  # reports without a cell: in the totals, on no cell
    #: The first report the database holds (None: none): a previous period that begins
    #: before it has no complete record, and its change says nothing.
    history_from: datetime | None = None

    @property
    def previous_complete(self) -> bool:
        """Whether the database holds the whole previous period."""
        return self.history_from is not None and self.history_from <= self.previous_start


@dataclass(frozen=True, slots=True)
class HotspotFigures:
    """The statistics tab's 高发区域, 高发问题 and 高发时段 for a period."""

    start: datetime
    end: datetime
    previous_start: datetime
    total: int
    previous_total: int
    cells: tuple[CellHeat, ...]  # the top cells by reports
    categories: tuple[CategoryCount, ...]  # the top categories by reports
    week: tuple[WeekHours, ...]  # the top categories by hour of the week
    history_from: datetime | None = None  # as HotspotMap's

    @property
    def previous_complete(self) -> bool:
        """Whether the database holds the whole previous period."""
        return self.history_from is not None and self.history_from <= self.previous_start


def period_bounds(key: str, centre: Centre, now: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` of a chooser's period at ``now`` (a running period ends at now)."""
    local = centre.local(now)
    midnight = datetime.combine(local.date(), time(0), centre.tz)
    month = midnight.replace(day=1)
    if key == "7d":
        return now - timedelta(days=7), now
    if key == "30d":
        return now - timedelta(days=30), now
    if key == "month":
        return month, now
    if key == "last_month":
        previous = (month - timedelta(days=1)).replace(day=1)
        return previous, month
    if key == "quarter":
        return month.replace(month=(local.month - 1) // 3 * 3 + 1), now
    raise ValidationError(f"未知的统计周期：{key} / unknown period (one of {', '.join(PERIODS)})")


def checked_categories(centre: Centre, categories: Sequence[str]) -> tuple[str, ...]:
    """The category set, each code known (empty: every category)."""
    unknown = [c for c in categories if c not in centre.ref.categories]
    if unknown:
        raise ValidationError(f"未知的类别：{'、'.join(unknown[:3])} / unknown category")
    return tuple(sorted(set(categories)))


def cell_heat(centre: Centre, rows: Sequence[tuple[str | None, int, int]]) -> list[CellHeat]:
    """Counts per cell with each cell's area and density; reports of no cell left out."""
    grids = centre.ref.grids
    out = []
    for grid, count, previous in rows:
        if grid is None or grid not in grids:
            continue
        area = ring_area_km2(grids[grid].polygon)
        out.append(CellHeat(grid, count, previous, area, per_km2(count, area)))
    return out


def hotspot_map(uow: HotspotUnitOfWork, centre: Centre, start: datetime, end: datetime,
                categories: Sequence[str] = ()) -> HotspotMap:
    """The choropleth of ``[start, end)`` for a category set against the period before."""
    chosen = checked_categories(centre, categories)
    before, _start = previous_period(start, end)
    with uow:
        rows = uow.hotspots.cell_counts(before, start, end, chosen)
        history_from = uow.hotspots.first_report()
    cells = cell_heat(centre, rows)
    placed = {c.grid for c in cells}
    unplaced = sum(n for grid, n, _p in rows if grid not in placed)
    return HotspotMap(
        start, end, before, chosen,
        tuple(sorted(cells, key=lambda c: c.grid)),
        sum(n for _g, n, _p in rows), sum(p for _g, _n, p in rows), unplaced, history_from,
    )


def repeat_points(uow: HotspotUnitOfWork, centre: Centre, end: datetime,
                  categories: Sequence[str] = (),
                  repeat_min: int = DEFAULT_REPEAT_MIN) -> RepeatPoints:
    """The repeat points of the 30 days up to ``end`` (a read of its own: it needs every
    placed report's position, the choropleth only counts)."""
    if repeat_min < 2 or repeat_min > 100:
        raise ValidationError("重复点位次数须在 2 到 100 之间 / repeat count must be 2..100")
    chosen = checked_categories(centre, categories)
    start = end - REPEAT_WINDOW
    with uow:
        groups = find_repeats(uow.hotspots.placed_reports(start, end, chosen), repeat_min)
        shown = groups[:MAX_REPEATS]
        marks = uow.hotspots.case_marks([i for g in shown for i in g.case_ids])
    repeats = []
    for g in shown:
        cases = sorted((marks[i][1], marks[i][0], i) for i in g.case_ids if i in marks)
        if not cases:
            continue
        repeats.append(RepeatCluster(g.category, g.lon, g.lat, len(cases),
                                     tuple(i for _t, _n, i in cases),
                                     tuple(n for _t, n, _i in cases), cases[0][0],
                                     cases[-1][0]))
    return RepeatPoints(tuple(repeats), len(groups), repeat_min, start, end)


def hotspot_figures(uow: HotspotUnitOfWork, centre: Centre, start: datetime, end: datetime,
                    categories: Sequence[str] = ()) -> HotspotFigures:
    """高发区域 (top cells), 高发问题 (top categories) and 高发时段 (hour of week × the top
    categories) of ``[start, end)``."""
    chosen = checked_categories(centre, categories)
    before, _start = previous_period(start, end)
    with uow:
        cells = uow.hotspots.cell_counts(before, start, end, chosen)
        kinds = uow.hotspots.category_counts(before, start, end, chosen)
        ranked = sorted((CategoryCount(c, n, p) for c, n, p in kinds if n),
                        key=lambda k: (-k.count, k.category))
        top = [k.category for k in ranked[:WEEK_CATEGORIES]]
        hours = uow.hotspots.category_hours(start, end, top) if top else []
        history_from = uow.hotspots.first_report()
    week = {c: [0] * HOURS_OF_WEEK for c in top}
    for hour, category, n in hours:
        if category in week:
            week[category][hour_of_week(centre.local(hour))] += n
    heat = sorted((c for c in cell_heat(centre, cells) if c.count),
                  key=lambda c: (-c.count, c.grid))
    return HotspotFigures(
        start, end, before, sum(n for _g, n, _p in cells), sum(p for _g, _n, p in cells),
        tuple(heat[:TOP_CELLS]), tuple(ranked[:TOP_CATEGORIES]),
        tuple(WeekHours(c, tuple(week[c])) for c in top), history_from,
    )


HotspotFactory = Callable[[], HotspotUnitOfWork]
