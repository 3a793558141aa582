"""Read side of the wall screen (大屏): today's counts, the lights, the red list, the unit ranking.

:func:`wall_data` answers everything the wall shows in one unit of work, without reading the
open cases one by one (a megacity holds ~100 k of them): the event log is counted in two
windows (today's intake and dispatch steps, this month's feedback), the open cases are counted
per (unit, grid cell, state) and light in SQL as the desk's map and board are
(:func:`~console.services.queue_reads.open_tally`), the red list is the first
:data:`~console.services.wall_reds.RED_LIST_LIMIT` most overdue cases
(:mod:`console.services.wall_reds`) and the map gets counts per grid cell.  Counts come from
the log, never from the cases' current state, because the log is the truth statistics derive
from (a case reported and closed today counts as both).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from console.domain.cases import CaseState
from console.domain.deadlines import Light
from console.services.calendar_year import horizon_gaps
from console.services.centre import Centre
from console.services.live_stats import report_hours
from console.services.queue_reads import OPEN_STATES, open_tally
from console.services.uow import UnitOfWork
from console.services.wall_reds import RED_LIST_LIMIT, RedCase, most_overdue

#: Event types counted as "dispatched": 代整改 designation hands a case to a unit too.
DISPATCH_TYPES = ("dispatch", "designate")
#: Event types read from today's window.
TODAY_TYPES = ("report", "file", *DISPATCH_TYPES, "close")
#: The states of a running 处置 stage (a suspended case's clock is stopped: not late).
HANDLING = (CaseState.DISPATCHED, CaseState.HANDLING)


@dataclass(frozen=True, slots=True)
class UnitRank:
    """One line of the unit ranking.

    The rate is the evaluation's 按期处置率 for the month so far: the 处置 stages due this
    month are the ones the unit reported back on (feedback with an on-time flag) and the ones
    still open whose deadline passed this month.  A unit with none of them has nothing due:
    it gets no rank (``rank`` None) and is listed after the ranked units.

    Attributes
    ----------
    open_cases : int
        Open cases the unit holds now.
    red : int
        Of those, how many are past their deadline (in any stage).
    handled : int
        Feedback events of the unit this month that carry an on-time flag.
    on_time : int
        Of those, how many were on time.
    late_open : int
        处置 stages of the unit open now whose deadline passed this month (late, not done).
    rank : int or None
        1, 1, 3 … by rate (equal rates share a rank); None when nothing is due.
    """

    unit: str
    name: str
    open_cases: int = 0
    red: int = 0
    handled: int = 0
    on_time: int = 0
    late_open: int = 0
    rank: int | None = None

    @property
    def due(self) -> int:
        """处置 stages due this month so far: reported back on, or open and late."""
        return self.handled + self.late_open

    @property
    def on_time_rate(self) -> float | None:
        """``on_time / due`` (0 to 1), None when nothing was due this month."""
        return self.on_time / self.due if self.due else None


@dataclass(frozen=True, slots=True)
class WallCell:
    """One grid cell on the wall's map: its open cases, and those with a clock by light.

    Attributes
    ----------
    grid : str
        The cell's code.
    open_cases : int
        Every open case in the cell (with a running clock or not).
    red, yellow, green : int
        Open cases of the cell whose countdown shows that light.
    """

    grid: str
    open_cases: int = 0
    red: int = 0
    yellow: int = 0
    green: int = 0

    @property
    def worst(self) -> Light | None:
        """The worst light in the cell (None: no case with a clock)."""
        return next((light for light, n in ((Light.RED, self.red), (Light.YELLOW, self.yellow),
                                            (Light.GREEN, self.green)) if n), None)


@dataclass(frozen=True, slots=True)
class WallData:
    """Everything the wall shows at one instant.

    Attributes
    ----------
    as_of : datetime
        The instant the figures are for (the wall's clock when it asked).
    reported_today, filed_today, dispatched_today, closed_today : int
        Report, file, dispatch + designate and close events in the centre-local day.
    handled_month, on_time_month : int
        Feedback events this centre-local month with an on-time flag, and those on time.
    lights : Mapping[Light, int]
        Open cases with a running clock, by light (every light present, zero or not).
    intake_by_hour : tuple of int
        24 counts of report events by centre-local hour of today.
    red_list : tuple of RedCase
        The most overdue open red cases, most overdue first: all of them up to
        :data:`RED_LIST_LIMIT` (there are :attr:`overdue_now` in all).
    units : tuple of UnitRank
        Units holding open cases or with feedback this month, best first (see
        :func:`rank_units`); those with nothing due this month last, unranked.
    cells : tuple of WallCell
        Open cases per grid cell, by cell code (cases without a cell are not on the map).
    calendar_gaps : tuple of int
        Years without statutory holidays that a running deadline, or one set now, reaches
        (:func:`~console.services.calendar_year.horizon_gaps`): the wall marks them.
    collectors_on_duty, collectors : int or None
        监督员在岗 n/m: collectors on duty now and the active collectors
        (:func:`console.services.on_duty.on_duty_count`); None where no fixes are kept.
    """

    as_of: datetime
    reported_today: int = 0
    filed_today: int = 0
    dispatched_today: int = 0
    closed_today: int = 0
    handled_month: int = 0
    on_time_month: int = 0
    open_cases: int = 0
    lights: Mapping[Light, int] = field(default_factory=lambda: dict.fromkeys(Light, 0))
    intake_by_hour: tuple[int, ...] = (0,) * 24
    red_list: tuple[RedCase, ...] = ()
    units: tuple[UnitRank, ...] = ()
    cells: tuple[WallCell, ...] = ()
    calendar_gaps: tuple[int, ...] = ()
    collectors_on_duty: int | None = None
    collectors: int | None = None

    @property
    def overdue_now(self) -> int:
        """Open cases whose countdown is red."""
        return self.lights.get(Light.RED, 0)

    @property
    def on_time_rate(self) -> float | None:
        """This month's share of on-time feedback (0 to 1), None before the first one."""
        return self.on_time_month / self.handled_month if self.handled_month else None


def day_window(centre: Centre, now: datetime) -> tuple[datetime, datetime]:
    """The centre-local calendar day around ``now``, as ``[start, end)``."""
    start = datetime.combine(centre.local(now).date(), time(0), centre.tz)
    # Via the next date, not +24 h: the day is a calendar day even where clocks shift.
    end = datetime.combine(start.date() + timedelta(days=1), time(0), centre.tz)
    return start, end


def month_window(centre: Centre, now: datetime) -> tuple[datetime, datetime]:
    """The centre-local calendar month around ``now``, as ``[start, end)``."""
    local = centre.local(now).date()
    first = local.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (datetime.combine(first, time(0), centre.tz),
            datetime.combine(following, time(0), centre.tz))


def rank_key(rank: UnitRank) -> tuple[float, int, int, str]:
    """Sort key of the ranking: on-time rate (best first, nothing due last), fewer red, fewer open."""
    rate = rank.on_time_rate
    return (-rate if rate is not None else 1.0, rank.red, rank.open_cases, rank.unit)


def rank_units(units: list[UnitRank]) -> list[UnitRank]:
    """Units in :func:`rank_key` order, ranked 1, 1, 3 … by rate; nothing due: no rank, last."""
    ordered = sorted(units, key=rank_key)
    out: list[UnitRank] = []
    for i, unit in enumerate(ordered):
        rate = unit.on_time_rate
        if rate is None:
            out.append(replace(unit, rank=None))
            continue
        tie = out and out[-1].rank is not None and out[-1].on_time_rate == rate
        out.append(replace(unit, rank=out[-1].rank if tie else i + 1))
    return out


def wall_data(uow: UnitOfWork, centre: Centre, now: datetime,
              red_limit: int = RED_LIST_LIMIT) -> WallData:
    """The wall's figures at ``now``.

    Parameters
    ----------
    uow : UnitOfWork
        A fresh unit of work; it is entered here (read only, nothing is committed).
    centre : Centre
        Reference data (names, calendar, thresholds).
    now : datetime
        The instant to compute lights and the day and month for (timezone-aware).
    red_limit : int
        How many of the red cases to list (the most overdue).

    Returns
    -------
    WallData
        Counts, lights, the red list, the ranking and the cells of the map.
    """
    day_start, day_end = day_window(centre, now)
    month_start, month_end = month_window(centre, now)
    handled: Counter[str] = Counter()
    on_time: Counter[str] = Counter()
    with uow:
        # The day's and month's events are counted by the database (a megacity month holds
        # ~200 k feedback events).
        counts: Counter[str] = Counter()
        for kind, n in uow.stats.by_type(TODAY_TYPES, day_start, day_end).items():
            counts["dispatch" if kind in DISPATCH_TYPES else kind] += n
        hours = report_hours(uow, centre, day_start, day_end)
        for _hour, code, timely, n in uow.stats.handled_by_hour(month_start, month_end):
            handled[code or ""] += n  # feedback without an on-time flag is not in these rows
            on_time[code or ""] += n if timely else 0
        tally = open_tally(centre, uow, OPEN_STATES, now)
        reds = most_overdue(uow, centre, now, red_limit, tally.suspended)
        # Late and not done: a 处置 stage whose deadline passed this month is due this month,
        # as the evaluation counts it (a suspended case's clock stands: not late).
        late_by_unit = uow.queues.due_by_unit(HANDLING, month_start, now)
        first, last = uow.queues.deadline_span()

    lights: Counter[Light] = Counter()
    open_by_unit: Counter[str] = Counter()
    red_by_unit: Counter[str] = Counter()
    cells: dict[str, Counter[str]] = {}
    for key, n in tally.cases.items():
        unit, grid, _state = key
        by_light = tally.lights.get(key, Counter())
        lights.update(by_light)
        if unit is not None:
            open_by_unit[unit] += n
            red_by_unit[unit] += by_light[Light.RED]
        if grid is not None:
            cell = cells.setdefault(grid, Counter())
            cell["open"] += n
            cell.update({light.value: k for light, k in by_light.items()})

    units = centre.ref.units
    ranking = rank_units([
        UnitRank(code, units[code].name if code in units else code, open_by_unit[code],
                 red_by_unit[code], handled[code], on_time[code], late_by_unit.get(code, 0))
        for code in sorted((set(open_by_unit) | set(handled)) - {""})
    ])
    return WallData(
        as_of=now,
        reported_today=counts["report"],
        filed_today=counts["file"],
        dispatched_today=counts["dispatch"],
        closed_today=counts["close"],
        handled_month=sum(handled.values()),
        on_time_month=sum(on_time.values()),
        open_cases=sum(tally.cases.values()),
        lights={light: lights.get(light, 0) for light in Light},
        intake_by_hour=tuple(hours),
        red_list=tuple(reds),
        units=tuple(ranking),
        cells=tuple(WallCell(grid, c["open"], c["red"], c["yellow"], c["green"])
                    for grid, c in sorted(cells.items())),
        calendar_gaps=horizon_gaps(centre, now, [d for d in (first, last) if d is not None]),
    )
