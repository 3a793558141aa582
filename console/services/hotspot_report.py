"""The period report's 「热点与难点」 section for the joint meeting (联席会议; issue #16 part 4).

The seed asks the meeting to analyse 热点、难点问题: where and what keeps coming back (the top
cells and categories, :func:`~console.services.hotspots.hotspot_figures`) and which cases
the loop does not close — every list derived from the event log, as of the period's end:

* 长期未结: open at the end and reported more than :data:`LONG_OPEN_DAYS` days before it
  (the handling limits are hours to a few working days: a month open is stuck);
* 多次回退 / 多次返工: approved returns (``approve-return``) or failed checks
  (``check-fail``) two or more times up to the end, the last of them in the period;
* 长期挂账: suspended at the end, the suspension approved more than
  :data:`LONG_SUSPEND_DAYS` days before it;
* 多单位回退: returned by two or more different units (the event's unit is the unit that
  held the case when its return was approved) — cases nobody accepts as theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from console.domain.cases import CaseState
from console.domain.evaluation import Period
from console.services.access import viewer_of
from console.services.centre import Centre
from console.services.hotspots import (
    HotspotFigures,
    HotspotUnitOfWork,
    hotspot_figures,
)
from console.services.queue_reads import OPEN_STATES
from console.services.uow import UnitOfWork

LONG_OPEN_DAYS = 30
LONG_SUSPEND_DAYS = 60
#: Cases listed per table (the meeting reads the worst; the count says how many in all).
LIST_LIMIT = 50


@dataclass(frozen=True, slots=True)
class HardCase:
    """A case of one of the 难点 lists, with what put it there."""

    case_id: int
    case_no: str
    category: str
    grid: str | None
    unit: str | None
    state: str
    reported_at: datetime
    times: int  # returns, reworks, or days (open, suspended), as the list says
    units: int = 0  # different units that returned it


@dataclass(frozen=True, slots=True)
class HardList:
    """One 难点 list: the worst :data:`LIST_LIMIT` cases and how many there are."""

    cases: tuple[HardCase, ...]
    total: int


@dataclass(frozen=True, slots=True)
class HotspotSection:
    """Everything the 「热点与难点」 section prints."""

    figures: HotspotFigures
    long_open: HardList
    returned: HardList
    reworked: HardList
    suspended: HardList
    several_units: HardList


def _listed(uow: HotspotUnitOfWork, ranked: Sequence[tuple[int, int, int]]) -> HardList:
    """The first :data:`LIST_LIMIT` of ``(case id, times, units)`` as cases."""
    shown = list(ranked[:LIST_LIMIT])
    cases = {c.id: c for c in uow.cases.get_many([i for i, _t, _u in shown])}
    out = []
    for case_id, times, units in shown:
        c = cases.get(case_id)
        if c is None:
            continue
        out.append(HardCase(case_id, c.case_no, c.category, c.grid, c.unit, c.state.value,
                            c.reported_at, times, units))
    return HardList(tuple(out), len(ranked))


def hotspot_section(uow_factory: Callable[[], HotspotUnitOfWork], centre: Centre,
                    start: datetime, end: datetime) -> HotspotSection:
    """The section for ``[start, end)`` (``end`` the period's end, or now while it runs)."""
    figures = hotspot_figures(uow_factory(), centre, start, end)
    with uow_factory() as uow:
        open_at = uow.events.open_at(end, [s.value for s in OPEN_STATES])
        reported = uow.hotspots.case_marks([s.case_id for s in open_at])
        days_open = sorted(((i, (end - at).days, 0) for i, (_no, at) in reported.items()
                            if end - at > timedelta(days=LONG_OPEN_DAYS)),
                           key=lambda r: (-r[1], r[0]))
        held = [s.case_id for s in open_at if s.state == CaseState.SUSPENDED.value]
        since: dict[int, datetime] = {}
        for fact in uow.events.facts(["approve-suspend"], end=end, case_ids=held):
            since[fact.case_id] = fact.occurred_at  # oldest first: the last one stays
        days_held = sorted(((i, (end - at).days, 0) for i, at in since.items()
                            if end - at > timedelta(days=LONG_SUSPEND_DAYS)),
                           key=lambda r: (-r[1], r[0]))
        returns = sorted(uow.hotspots.repeated_steps("approve-return", start, end, 2),
                         key=lambda r: (-r[1], -r[2], r[0]))
        reworks = sorted(uow.hotspots.repeated_steps("check-fail", start, end, 2),
                         key=lambda r: (-r[1], r[0]))
        several = sorted((r for r in returns if r[2] >= 2), key=lambda r: (-r[2], -r[1], r[0]))
        return HotspotSection(figures, _listed(uow, days_open), _listed(uow, returns),
                              _listed(uow, reworks), _listed(uow, days_held),
                              _listed(uow, several))


def period_hotspots(uow_factory: Callable[[], UnitOfWork], centre: Centre, period: Period,
                    now: datetime) -> HotspotSection | None:
    """The section of ``period`` up to ``now``; None for a seat scoped to its own cases (a
    unit's report must not rank other units' cells and cases)."""
    if viewer_of(uow_factory()) is not None:
        return None
    start, end = period.bounds(centre.tz)
    if now <= start:
        return None  # a period that has not begun has nothing to rank
    # The composition root's units of work reach the hotspot reader (db/uow.py proves it).
    return hotspot_section(cast(Callable[[], HotspotUnitOfWork], uow_factory), centre, start,
                           min(end, now))
