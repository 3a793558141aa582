"""The wall's figures counted in SQL equal the old walk over every open case, on both backends.

``wall_data`` no longer reads the open cases one by one (issue #16 part 5): lights, the unit
ranking and the map's cells are grouped counts, the red list a page per kind of clock.  The
walk below is the computation it replaced, kept here as the reference: each open case's
``countdown``, in Python.  Three demo days on SQLite and PostgreSQL, at instants that make
working-time ties (a Friday night: every deadline after 18:00 is as late as the others).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from console.domain.deadlines import Light, countdown
from console.services.calendar_year import horizon_gaps
from console.services.uow import CaseFilter
from console.services.wall import (
    HANDLING,
    UnitRank,
    WallCell,
    month_window,
    rank_units,
    wall_data,
)
from console.services.wall_reds import red_case
from tests.integration.test_queue_reads import NOW, demo  # noqa: F401  (a fixture)

SHIFTS = [timedelta(0), timedelta(hours=3, minutes=7), timedelta(days=2, hours=4),
          timedelta(days=9)]


def walked(uow_factory, centre, now):
    """Lights, red list, ranking inputs, cells and calendar gaps from every open case."""
    month_start, _end = month_window(centre, now)
    with uow_factory() as uow:
        cases = uow.cases.list(CaseFilter(open_only=True, order="id"))
    lights: Counter = Counter()
    open_by, red_by, late_by = Counter(), Counter(), Counter()
    cells: dict[str, Counter] = {}
    reds = []
    for case in cases:
        if case.unit is not None:
            open_by[case.unit] += 1
            if (case.state in HANDLING and case.stage_deadline is not None
                    and month_start <= case.stage_deadline < now):
                late_by[case.unit] += 1
        cell = cells.setdefault(case.grid, Counter()) if case.grid else Counter()
        cell["open"] += 1
        cd = countdown(case, now, centre.calendar, centre.ref.config.yellow_at)
        if cd is None:
            continue
        lights[cd.light] += 1
        cell[cd.light.value] += 1
        if cd.light is Light.RED:
            if case.unit is not None:
                red_by[case.unit] += 1
            reds.append(red_case(centre, case, cd))
    reds.sort(key=lambda r: (-r.overdue_minutes, r.case_no))
    return {
        "cases": cases, "lights": {lt: lights.get(lt, 0) for lt in Light}, "reds": reds,
        "open_by": open_by, "red_by": red_by, "late_by": late_by,
        "cells": tuple(WallCell(g, c["open"], c["red"], c["yellow"], c["green"])
                       for g, c in sorted(cells.items())),
        "gaps": horizon_gaps(centre, now, (c.stage_deadline for c in cases
                                           if c.stage_deadline is not None)),
    }


@pytest.mark.parametrize("shift", SHIFTS)
def test_wall_data_in_sql_equals_the_walk_over_every_open_case(demo, shift) -> None:  # noqa: F811
    uow_factory, centre = demo
    now = NOW + shift
    want = walked(uow_factory, centre, now)
    got = wall_data(uow_factory(), centre, now, red_limit=10**6)
    assert got.open_cases == len(want["cases"]) > 30
    assert dict(got.lights) == want["lights"] and want["lights"][Light.RED] > 0
    assert got.red_list == tuple(want["reds"])
    assert got.cells == want["cells"] and len(got.cells) > 5
    assert got.calendar_gaps == want["gaps"]
    by_unit = {u.unit: u for u in got.units}
    for unit, n in want["open_by"].items():
        assert (by_unit[unit].open_cases, by_unit[unit].red, by_unit[unit].late_open) == (
            n, want["red_by"][unit], want["late_by"][unit]), unit
    # The ranking is rank_units over those figures and the month's feedback.
    again = rank_units([UnitRank(u.unit, u.name, u.open_cases, u.red, u.handled, u.on_time,
                                 u.late_open) for u in got.units])
    assert list(got.units) == again


@pytest.mark.parametrize("shift", [timedelta(days=2, hours=4), timedelta(days=9)])
@pytest.mark.parametrize("limit", [1, 5, 17, 40])
def test_a_short_red_list_is_the_head_of_the_whole_one(demo, shift, limit) -> None:  # noqa: F811
    uow_factory, centre = demo
    now = NOW + shift
    whole = walked(uow_factory, centre, now)["reds"]
    got = wall_data(uow_factory(), centre, now, red_limit=limit)
    assert len(whole) > limit
    assert got.red_list == tuple(whole[:limit])
    assert got.overdue_now == len(whole)


def test_the_friday_night_red_list_has_ties_at_its_cut(demo) -> None:  # noqa: F811
    """Guard for the test above: ties in minutes overdue happen where the list is cut, so
    reading one page per clock without looking past the cut would be caught."""
    uow_factory, centre = demo
    whole = walked(uow_factory, centre, NOW + timedelta(days=2, hours=4))["reds"]
    minutes = Counter(r.overdue_minutes for r in whole)
    assert any(minutes[whole[k - 1].overdue_minutes] > 1 for k in (1, 5, 17, 40))

