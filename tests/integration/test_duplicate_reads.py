"""The duplicate check reads a bounded number of light rows in SQL, and finds what it found.

Issue #13 part 6: the check loaded every open case of the category near a report as a full
case; a 5 MB Open311 page with thousands of requests on one default coordinate took 19
minutes.  It now reads at most a few dozen ``Nearby`` rows, nearest first, in SQL.  These
tests compare its hints with the old selection (a copy of it below: every open case of the
category in the box or the cell, loaded in full, given to the pure rule) on a generated scene
with clusters of cases on single points, on SQLite and PostgreSQL, as an acceptor, a
collector's seat and a unit's seat see it; and they check that the reads are bounded.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

import db.case_repo
from console.domain.cases import Actor, Case, CaseState, Source
from console.domain.duplicates import MAX_HINTS, DuplicateHint, Nearby, find_duplicates
from console.domain.geo import EARTH_RADIUS_M, bbox_around, haversine_m
from console.services.access import ScopedUnitOfWork, can_read
from console.services.cases import (
    Location,
    Report,
    duplicate_hints,
    preview_duplicates,
    report_case,
)
from console.services.centre import Centre, load_centre
from console.services.uow import CaseFilter, NearbyQuery, UnitOfWork
from db.uow import SqlUnitOfWork

Factory = Callable[[], SqlUnitOfWork]
AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Kaihua
CATEGORY = "06010"  # 暴露垃圾
CELL = "330824001001001"
OTHER_CELL = "330824001002001"
UNITS = ("KH-ZHZF", "KH-ZJJ", "KH-GAJ")
COLLECTORS = ("caiji01", "caiji02", "caiji03")
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180


def _moved(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (lon + east_m / (M_PER_DEG * math.cos(math.radians(lat))), lat + north_m / M_PER_DEG)


def old_hints(uow: UnitOfWork, centre: Centre, category: str, location: Location, at: datetime,
              exclude: int | None = None, actor: Actor | None = None) -> list[DuplicateHint]:
    """The selection before this change, as it was: every open case of the category reported
    since the window's start in the box (or the cell), loaded in full, given to the rule."""
    config = centre.ref.config
    lon, lat = location.lon, location.lat
    reach = config.duplicate_radius_m
    if lon is None or lat is None:
        lon, lat = location.grid.centroid
        reach = max(reach, 400.0)
    lon_min, lon_max, lat_min, lat_max = bbox_around(lon, lat, reach)
    since = at - timedelta(hours=config.duplicate_hours)
    loaded = uow.cases.list(CaseFilter(category=category, open_only=True, reported_from=since))
    boxed = [c for c in loaded
             if (c.lon is not None and c.lat is not None and lon_min <= c.lon <= lon_max
                 and lat_min <= c.lat <= lat_max) or c.grid == location.grid.code]
    if actor is not None:  # the seat's filter after the read, as ScopedCases applied it
        boxed = [c for c in boxed if can_read(actor, c)]
    candidates = [c for c in boxed if c.id != exclude]
    return find_duplicates(category, location.lon, location.lat, location.grid.code, at,
                           candidates, config.duplicate_radius_m, config.duplicate_hours)


@dataclass
class Scene:
    """The generated cases' database and centre, and the points they cluster on."""

    uow_factory: Factory
    centre: Centre
    p: tuple[float, float]
    q: tuple[float, float]
    ids: list[int]


def _case(n: int, rng: random.Random, lon: float | None, lat: float | None, **changes: Any) -> Case:
    # Ties on purpose: a fifth of the cases share a report minute with another.
    minutes = rng.choice([rng.randint(-30 * 60, 30 * 60), 7, -7, -90, 0])
    state = rng.choice([CaseState.REPORTED] * 6 + [CaseState.DISPATCHED] * 3
                       + [CaseState.CLOSED, CaseState.MERGED])
    base = Case(
        id=None, case_no=f"G{n:05d}", state=state, source=Source.COLLECTOR,
        category=CATEGORY, description=f"场景 {n}", reported_at=AT + timedelta(minutes=minutes),
        reporter=rng.choice(COLLECTORS), grid=CELL, street="330824001", lon=lon, lat=lat,
        unit=rng.choice(UNITS),
    )
    return replace(base, **changes)


@pytest.fixture
def scene(kaihua_factory: Factory) -> Scene:
    """~700 cases around one cell's centre: 150 on one point P, 60 on a point Q 30 m east,
    scattered ones within 400 m, some without coordinates (one with a latitude only), some of
    another category, a fifth closed or merged; report times ±30 h around :data:`AT`."""
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    centre = load_centre(uow_factory())
    rng = random.Random(13)
    p = centre.grid(CELL).centroid
    q = _moved(*p, 30, 0)
    cases: list[Case] = []
    for _ in range(150):
        cases.append(_case(len(cases), rng, *p))
    for _ in range(60):
        cases.append(_case(len(cases), rng, *q))
    for _ in range(350):
        cases.append(_case(len(cases), rng, *_moved(*p, rng.uniform(-400, 400),
                                                     rng.uniform(-400, 400))))
    for _ in range(60):
        cases.append(_case(len(cases), rng, None, None, grid=rng.choice([CELL, OTHER_CELL])))
    cases.append(_case(len(cases), rng, None, p[1]))
    for _ in range(40):
        cases.append(_case(len(cases), rng, *p, category="06012"))
    with uow_factory() as uow:
        ids = [c.id for c in uow.cases.add_many(cases) if c.id is not None]
        uow.commit()
    return Scene(uow_factory, centre, p, q, ids)


def _probes(s: Scene) -> Iterator[tuple[str, Location, datetime]]:
    cell, other = s.centre.grid(CELL), s.centre.grid(OTHER_CELL)
    yield "on the cluster", Location(cell, *s.p), AT
    yield "on the cluster, an hour later", Location(cell, *s.p), AT + timedelta(hours=1)
    yield "on the cluster, a day earlier", Location(cell, *s.p), AT - timedelta(hours=20)
    yield "on the second cluster", Location(cell, *s.q), AT
    yield "10 m from the cluster", Location(cell, *_moved(*s.p, 0, 10)), AT
    yield "between the clusters", Location(cell, *_moved(*s.p, 15, 0)), AT
    yield "at the far end", Location(cell, *_moved(*s.p, -120, 110)), AT
    yield "at the far end, later", Location(cell, *_moved(*s.p, 130, -120)), AT + timedelta(hours=29)
    yield "outside the scene", Location(cell, *_moved(*s.p, 0, 600)), AT
    yield "by the cell alone", Location(cell, None, None), AT
    yield "by the other cell", Location(other, None, None), AT
    rng = random.Random(5)
    for n in range(8):
        east, north = rng.uniform(-400, 400), rng.uniform(-400, 400)
        yield f"random point {n}", Location(cell, *_moved(*s.p, east, north)), \
            AT + timedelta(minutes=rng.randint(-600, 600))


def test_the_hints_are_the_old_selection_cut_at_the_limit(scene: Scene) -> None:
    truncated = complete = 0
    with scene.uow_factory() as uow:
        for name, location, at in _probes(scene):
            old = old_hints(uow, scene.centre, CATEGORY, location, at)
            new = duplicate_hints(uow, scene.centre, CATEGORY, location, at)
            assert list(new) == old[:MAX_HINTS], name
            truncated += len(old) > MAX_HINTS
            complete += 0 < len(old) <= MAX_HINTS
    # both regimes were compared: clusters (cut at the limit) and places with a few hints
    assert truncated >= 5 and complete >= 3


def test_an_excluded_case_is_left_out_as_before(scene: Scene) -> None:
    location = Location(scene.centre.grid(CELL), *scene.p)
    with scene.uow_factory() as uow:
        first = duplicate_hints(uow, scene.centre, CATEGORY, location, AT)[0]
        old = old_hints(uow, scene.centre, CATEGORY, location, AT, exclude=first.case_id)
        new = duplicate_hints(uow, scene.centre, CATEGORY, location, AT, exclude=first.case_id)
    assert first.case_id not in {h.case_id for h in new}
    assert list(new) == old[:MAX_HINTS]


@pytest.mark.parametrize("who", ["caiji01", "caiji03", "unit_zhzf", "unit_zjj"])
def test_a_seat_gets_the_hints_it_saw_before(scene: Scene, who: str) -> None:
    # A collector patrols some cells and sees its own reports; a unit its own cases.  The
    # bounded read applies the seat's view in SQL: the nearest cases it sees, not the nearest
    # of all cut down to what it sees.
    actor = scene.centre.actor(who, "t")
    for name, location, at in _probes(scene):
        with scene.uow_factory() as plain:
            old = old_hints(plain, scene.centre, CATEGORY, location, at, actor=actor)
        with ScopedUnitOfWork(scene.uow_factory(), actor) as uow:
            new = duplicate_hints(uow, scene.centre, CATEGORY, location, at)  # type: ignore[arg-type]
        assert list(new) == old[:MAX_HINTS], (who, name)


class _Counting:
    """Counts the full cases built and the rows the duplicate read returns."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cases_built = 0
        self.reads: list[int] = []
        real_build, real_read = db.case_repo.case_from_row, db.case_repo.SqlCaseRepository.open_in_box

        def build(row: Any, photos: tuple[int, ...] = ()) -> Case:
            self.cases_built += 1
            return real_build(row, photos)

        def read(repo: db.case_repo.SqlCaseRepository, query: NearbyQuery) -> list[Nearby]:
            rows = real_read(repo, query)
            self.reads.append(len(rows))
            assert all(type(r) is Nearby for r in rows)
            return rows

        monkeypatch.setattr(db.case_repo, "case_from_row", build)
        monkeypatch.setattr(db.case_repo.SqlCaseRepository, "open_in_box", read)


def test_a_cluster_costs_a_bounded_read_of_light_rows(
        scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails on the old code: it built every open case of the cluster (~130) as a full case."""
    counting = _Counting(monkeypatch)
    hints = preview_duplicates(scene.uow_factory, scene.centre, AT, CATEGORY, CELL, *scene.p)
    assert len(hints) == MAX_HINTS
    assert counting.cases_built == 0
    # one read: on each side of the report's time at most the hints + a few spare
    assert counting.reads == [2 * (MAX_HINTS + 4)] or (
        len(counting.reads) == 1 and counting.reads[0] <= 2 * (MAX_HINTS + 4))
    # the report path: the same bounded reads, and the new case is filed as before
    counting.reads.clear()
    made = report_case(scene.uow_factory, scene.centre, scene.centre.actor("caiji01", "t"), AT,
                       Report(CATEGORY, "又一处垃圾", lon=scene.p[0], lat=scene.p[1],
                              reported_at=AT))
    assert made.case.id is not None and len(made.duplicates) == MAX_HINTS
    assert counting.cases_built == 0
    assert len(counting.reads) == 1 and counting.reads[0] <= 2 * (MAX_HINTS + 4)


def test_the_sql_reach_keeps_every_point_within_the_radius(uow_factory: Factory) -> None:
    """The SQL measure (planar, no trigonometry) against the great-circle distance: every case
    within the reach is read and nothing beyond it, at latitudes from the equator to 60°."""
    rng = random.Random(7)
    cases, places = [], []
    for n in range(400):
        lat0 = rng.choice([0.5, 29.1, 45.0, 60.0])
        lon, lat = _moved(118.4, lat0, rng.uniform(-60, 60), rng.uniform(-60, 60))
        places.append((lat0, lon, lat))
        cases.append(Case(id=None, case_no=f"R{n:05d}", state=CaseState.REPORTED,
                          source=Source.COLLECTOR, category=CATEGORY, description="",
                          reported_at=AT, reporter="caiji01", grid=CELL, lon=lon, lat=lat))
    with uow_factory() as uow:
        uow.cases.add_many(cases)
        uow.commit()
    for lat0 in (0.5, 29.1, 45.0, 60.0):
        for reach in (10.0, 50.0, 40.0):
            with uow_factory() as uow:
                rows = uow.cases.open_in_box(NearbyQuery(
                    CATEGORY, AT, timedelta(0), (118.4, lat0), reach))
            got = {r.case_no for r in rows}
            exact = {c.case_no: haversine_m(118.4, lat0, c.lon or 0, c.lat or 0)
                     for c, (lat_c, _, _) in zip(cases, places, strict=True) if lat_c == lat0}
            assert {no for no, d in exact.items() if d <= reach} <= got
            assert all(exact[no] <= reach * (1 + 1e-4) for no in got)
            # nearest first, as the great-circle distance orders them
            distances = [exact[r.case_no] for r in rows]
            assert distances == sorted(distances)


@pytest.mark.parametrize("analysed", [False, True])
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_each_read_is_a_range_of_an_index_of_open_cases(
        scene: Scene, engine: Engine, analysed: bool) -> None:
    """SQLite's plan of every shape: each read of ``cases`` is a keyed search of one of the
    duplicate check's indexes (revisions 0012, 0013), none a scan of the table or of the
    history's indexes — without statistics, as a desk's own file, and with them (on an
    analysed county history SQLite once read a cell's unplaced cases through the index of
    all its open cases)."""
    if analysed:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    statements: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
             many: bool) -> None:
        if "FROM cases" in statement and "lon" in statement:
            statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with scene.uow_factory() as uow:
            for _name, location, at in _probes(scene):
                duplicate_hints(uow, scene.centre, CATEGORY, location, at, exclude=1)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert statements
    with engine.connect() as conn:
        for statement, params in statements:
            plan = [row[3] for row in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", params)]
            reads = [line for line in plan if " cases" in line]
            assert reads, plan
            for line in reads:
                assert line.startswith("SEARCH cases USING INDEX ix_cases_open_"), plan
                assert any(name in line for name in (
                    "ix_cases_open_place", "ix_cases_open_unplaced",
                    "ix_cases_open_placed_cell")), plan
