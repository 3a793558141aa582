"""Duplicate hints: same category, open, near in space (or same cell) and in time."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.domain.cases import Case, CaseState, Source
from console.domain.duplicates import (
    MAX_HINTS,
    DuplicateHint,
    Nearby,
    find_duplicates,
    rank_nearby,
)
from console.domain.errors import ValidationError
from console.domain.geo import EARTH_RADIUS_M, haversine_m
from console.domain.reference import CentreConfig
from console.services.cases import Location, duplicate_hints
from console.services.uow import NearbyQuery

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LON, LAT = 118.41, 29.14
CELL = "330824001001001"
OTHER_CELL = "330824001001002"
M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180


def north(metres: float) -> float:
    """Latitude `metres` north of LAT."""
    return LAT + metres / M_PER_DEG_LAT


def case(
    n: int,
    *,
    category: str = "06010",
    lat: float | None = LAT,
    lon: float | None = LON,
    grid: str | None = CELL,
    at: datetime = T0,
    state: CaseState = CaseState.DISPATCHED,
) -> Case:
    return Case(
        id=n,
        case_no=f"KH2026{n:06d}",
        state=state,
        source=Source.COLLECTOR,
        category=category,
        description="暴露垃圾",
        reported_at=at,
        reporter="caiji01",
        grid=grid,
        lon=lon,
        lat=lat,
    )


def find(
    cases: list[Case],
    *,
    category: str = "06010",
    lon: float | None = LON,
    lat: float | None = LAT,
    grid: str | None = CELL,
    at: datetime = T0,
    radius: float = 50.0,
    hours: float = 24.0,
) -> list[DuplicateHint]:
    return find_duplicates(category, lon, lat, grid, at, cases, radius, hours)


def test_near_and_recent_same_category_is_a_hint() -> None:
    hints = find([case(1, lat=north(30), at=T0 - timedelta(hours=3))])
    assert len(hints) == 1
    h = hints[0]
    assert (h.case_id, h.case_no) == (1, "KH2026000001")
    assert h.distance_m == pytest.approx(30, abs=0.01)
    assert h.hours_apart == pytest.approx(3)
    assert not h.same_cell_only


def test_other_category_is_not_a_duplicate() -> None:
    assert find([case(1, category="06012")]) == []


@pytest.mark.parametrize(
    "state",
    [CaseState.CLOSED, CaseState.VOIDED, CaseState.MERGED, CaseState.REFUSED, CaseState.NOT_FILED],
)
def test_terminal_cases_are_skipped(state: CaseState) -> None:
    assert find([case(1, state=state)]) == []


@pytest.mark.parametrize("state", [CaseState.REPORTED, CaseState.SUSPENDED, CaseState.HANDLED])
def test_open_cases_count(state: CaseState) -> None:
    assert len(find([case(1, state=state)])) == 1


def test_radius_is_inclusive_and_bounded() -> None:
    inside = case(1, lat=north(49.9))
    outside = case(2, lat=north(50.1))
    assert [h.case_id for h in find([inside, outside])] == [1]


def test_time_window_before_and_after() -> None:
    before = case(1, at=T0 - timedelta(hours=24))
    after = case(2, at=T0 + timedelta(hours=23, minutes=59))
    too_old = case(3, at=T0 - timedelta(hours=24, seconds=1))
    too_late = case(4, at=T0 + timedelta(hours=25))
    ids = {h.case_id for h in find([before, after, too_old, too_late])}
    assert ids == {1, 2}


def test_sorted_by_distance_then_same_cell_hints_last() -> None:
    far = case(1, lat=north(40))
    near = case(2, lat=north(10))
    no_coords = case(3, lat=None, lon=None)
    hints = find([no_coords, far, near])
    assert [h.case_id for h in hints] == [2, 1, 3]
    assert hints[-1].distance_m is None
    assert hints[-1].same_cell_only


def test_equal_distance_sorted_by_time() -> None:
    a = case(1, at=T0 - timedelta(hours=5))
    b = case(2, at=T0 - timedelta(hours=1))
    assert [h.case_id for h in find([a, b])] == [2, 1]


def test_missing_coordinates_fall_back_to_same_cell() -> None:
    # The new report has no coordinates (a hotline call placed on a cell).
    same = case(1)
    other = case(2, grid=OTHER_CELL)
    hints = find([same, other], lon=None, lat=None)
    assert [(h.case_id, h.distance_m) for h in hints] == [(1, None)]
    # The open case has none: compare cells.
    hints = find([case(3, lat=None, lon=None, grid=CELL)])
    assert [(h.case_id, h.distance_m) for h in hints] == [(3, None)]
    # Neither coordinates nor a shared cell: nothing to go on.
    assert find([case(4, lat=None, lon=None, grid=None)], grid=CELL) == []
    assert find([case(5, lat=None, lon=None)], grid=None) == []


def test_both_located_ignores_cells() -> None:
    # Close in metres but in neighbouring cells: still a duplicate.
    assert len(find([case(1, lat=north(5), grid=OTHER_CELL)])) == 1
    # Same cell but 120 m apart: not within 50 m.
    assert find([case(2, lat=north(120), grid=CELL)]) == []


def test_bad_arguments() -> None:
    with pytest.raises(ValidationError):
        find([], radius=-1)
    with pytest.raises(ValidationError):
        find([], hours=-1)
    with pytest.raises(ValidationError):
        find([], lon=None)


def test_zero_window_matches_same_instant_and_place() -> None:
    assert len(find([case(1)], radius=0, hours=0)) == 1
    assert find([case(1, at=T0 + timedelta(seconds=1))], radius=0, hours=0) == []


@given(
    st.floats(min_value=-300, max_value=300),
    st.floats(min_value=-300, max_value=300),
    st.floats(min_value=-48, max_value=48),
)
def test_hint_iff_within_radius_and_window(dx: float, dy: float, dh: float) -> None:
    lon = LON + dx / (M_PER_DEG_LAT * math.cos(math.radians(LAT)))
    other = case(1, lon=lon, lat=north(dy), at=T0 + timedelta(hours=dh))
    hints = find([other], radius=100, hours=12)
    # Compare with the timedelta actually stored (microsecond rounding), not with dh itself.
    seconds = abs((other.reported_at - T0).total_seconds())
    expected = haversine_m(LON, LAT, lon, north(dy)) <= 100 and seconds <= 12 * 3600
    assert bool(hints) is expected


def test_accepts_any_iterable_once() -> None:
    cases = [case(1), replace(case(2), category="06012")]
    assert [
        h.case_id for h in find_duplicates("06010", LON, LAT, CELL, T0, iter(cases), 50, 24)
    ] == [1]


# -- light rows, the limit, and the service's bounded reads (issue #13 part 6) -------------


def test_rank_nearby_takes_light_rows_and_cuts_at_the_limit() -> None:
    rows = [Nearby(n, f"KH2026{n:06d}", LON, north(n), CELL, T0 - timedelta(hours=n))
            for n in range(1, 30)]
    hints = rank_nearby(LON, LAT, CELL, T0, rows, 50, 24, limit=5)
    assert [h.case_id for h in hints] == [1, 2, 3, 4, 5]
    assert rank_nearby(LON, LAT, CELL, T0, rows, 50, 24) == find(
        [case(n, lat=north(n), at=T0 - timedelta(hours=n)) for n in range(1, 30)])


def test_find_duplicates_limit_keeps_the_best() -> None:
    cases = [case(n, at=T0 - timedelta(minutes=n)) for n in range(1, 50)]
    every = find(cases)
    assert len(every) == 49
    assert find_duplicates("06010", LON, LAT, CELL, T0, cases, 50, 24, MAX_HINTS) == \
        every[:MAX_HINTS]


class _FakeCases:
    """``open_in_box`` over a fixed list of rows in the order given: the first ``limit``."""

    def __init__(self, rows: list[Nearby]) -> None:
        self.rows = rows
        self.limits: list[int | None] = []

    def open_in_box(self, query: NearbyQuery) -> list[Nearby]:
        self.limits.append(query.limit)
        before = [r for r in self.rows if query.at - query.window <= r.reported_at <= query.at]
        return before if query.limit is None else before[:query.limit]


def test_a_full_read_of_refused_rows_is_read_again_larger() -> None:
    # Rows the SQL measure let through at the reach's very edge but the exact one refuses
    # come first in a full read; the hints behind them must not be lost.
    edge = [Nearby(100 + n, f"E{n:03d}", LON, north(50.001), CELL, T0 - timedelta(hours=1))
            for n in range(40)]
    inside = [Nearby(n, f"I{n:03d}", LON, north(10), CELL, T0 - timedelta(hours=2))
              for n in range(3)]
    fake = _FakeCases(edge + inside)

    class Uow:
        cases = fake

    centre = SimpleNamespace(ref=SimpleNamespace(config=CentreConfig(
        duplicate_radius_m=50, duplicate_hours=24)))
    cell = SimpleNamespace(code=CELL)
    hints = duplicate_hints(Uow(), centre, "06010", Location(cell, LON, LAT), T0)  # type: ignore[arg-type]
    assert [h.case_id for h in hints] == [0, 1, 2]
    assert fake.limits[0] == MAX_HINTS + 4 and max(fake.limits) > MAX_HINTS + 4
