"""Hotspot counts in SQL (issue #16 part 4) against a plain Python count, on SQLite and PostgreSQL.

A fortnight of October 2026 in Kaihua written through the real services: 40 seeded reports
over four cells and three categories, a refused one (not counted), four 暴露垃圾 reports within
30 m of one spot (a repeat point) and a 私搭乱建 beside them (another category).  Then the
difficult cases of the 「热点与难点」 section: C returned by two units, R reworked twice, S
suspended since August, L open since August.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from console.desk_local import LocalDeskBackend
from console.domain.errors import PermissionDeniedError, ValidationError
from console.domain.evaluation import parse_period
from console.domain.hotspots import hour_of_week
from console.report_builder import make_period_report
from console.reports import write_report
from console.services.access import scoped_factory
from console.services.cases import Report, act, report_case
from console.services.centre import Centre
from console.services.hotspot_report import hotspot_section
from console.services.hotspots import (
    NOT_COUNTED,
    hotspot_figures,
    hotspot_map,
    repeat_points,
)
from console.services.uow import CaseFilter
from db.uow import SqlUnitOfWork
from tests.integration.conftest import BACKENDS
from tests.integration.templates import kaihua_database
from tests.integration.test_evaluation_read import G1, G2, ZHZF, ZJJ, at

Factory = Callable[[], SqlUnitOfWork]
START, END = at(10, 12, 0), at(10, 19, 0)  # the period; the previous one is 10-05 .. 10-12
CATEGORIES = ("06010", "06001", "06002")
M_LAT = 1 / 111_195


@pytest.fixture(scope="module", params=BACKENDS)
def scene(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Factory, Centre, dict]]:
    with ExitStack() as stack:
        factory, centre = kaihua_database(stack, request, tmp_path_factory, request.param)
        grids = [G1, G2, *sorted(g for g in centre.ref.grids if g not in (G1, G2))[5:7]]
        ids: dict[str, int] = {}

        def report(when: datetime, category: str, grid: str, name: str = "",
                   north_m: float | None = None) -> int:
            lon = lat = None
            if north_m is not None:
                lon, lat = centre.ref.grids[grid].centroid
                lat += north_m * M_LAT
            made = report_case(factory, centre, centre.actor("caiji01"), when,
                               Report(category, "测试", grid=None if lon else grid, lon=lon,
                                      lat=lat))
            assert made.case.id is not None
            if name:
                ids[name] = made.case.id
            return made.case.id

        def step(name: str, user: str, when: datetime, command: str, **fields: Any) -> None:
            act(factory, centre, centre.actor(user), when, ids[name], command, fields)

        rng = random.Random(16)
        for _n in range(40):
            day = at(10, 5, 8) + timedelta(days=rng.randrange(14), hours=rng.randrange(12),
                                           minutes=rng.randrange(60))
            report(day, rng.choice(CATEGORIES), rng.choice(grids))
        for n, north in enumerate((0, 10, 20, 30)):  # a repeat point of 暴露垃圾
            report(at(10, 14 + n, 9), "06010", G1, north_m=north)
        report(at(10, 16, 10), "06001", G1, north_m=5)  # beside it, another category
        report(at(10, 13, 9), "06010", G2, "X")
        step("X", "shouli1", at(10, 13, 9, 5), "refuse", reason="不属于城市管理范围")

        # The difficult cases.
        report(at(8, 3, 9), "06010", G1, "L")  # open since August
        report(at(8, 3, 9, 30), "06010", G1, "S")
        step("S", "shouli1", at(8, 3, 9, 35), "accept")
        step("S", "zhibanzhang1", at(8, 3, 9, 40), "file")
        step("S", "paiqian1", at(8, 3, 9, 50), "dispatch", unit=ZHZF)
        step("S", "unit_zhzf", at(8, 3, 10), "request-suspend", reason="待拆迁")
        step("S", "zhibanzhang1", at(8, 3, 10, 10), "approve")
        report(at(10, 12, 9), "06010", G1, "C")
        step("C", "shouli1", at(10, 12, 9, 5), "accept")
        step("C", "zhibanzhang1", at(10, 12, 9, 10), "file")
        for n, unit in enumerate((ZJJ, ZHZF)):
            step("C", "paiqian1", at(10, 12, 10 + n), "dispatch", unit=unit, reason="改派")
            step("C", f"unit_{unit[3:].lower()}", at(10, 12, 10 + n, 10), "request-return",
                 reason="非本单位职责")
            step("C", "zhibanzhang1", at(10, 12, 10 + n, 20), "approve")
        report(at(10, 13, 9), "06010", G1, "R")
        step("R", "shouli1", at(10, 13, 9, 5), "accept")
        step("R", "zhibanzhang1", at(10, 13, 9, 10), "file")
        step("R", "paiqian1", at(10, 13, 9, 20), "dispatch", unit=ZHZF)
        for n in range(2):
            step("R", "unit_zhzf", at(10, 13, 10 + 2 * n), "feedback", notes="已清理")
            step("R", "shouli1", at(10, 13, 10 + 2 * n, 10), "request-check")
            step("R", "caiji01", at(10, 13, 10 + 2 * n, 30), "check-fail", notes="仍有残留")
        yield factory, centre, ids


def python_counts(factory: Factory, start: datetime, split: datetime, end: datetime,
                  key: Callable[[Any], Any], categories: tuple[str, ...] = (),
                  ) -> dict[Any, tuple[int, int]]:
    """The straightforward count: every case read, the uncounted states left out."""
    with factory() as uow:
        cases = uow.cases.list(CaseFilter(reported_from=start, reported_to=end, order="id"))
    now: Counter[Any] = Counter()
    before: Counter[Any] = Counter()
    for c in cases:
        if c.state.value in NOT_COUNTED or (categories and c.category not in categories):
            continue
        (now if c.reported_at >= split else before)[key(c)] += 1
    return {k: (now[k], before[k]) for k in now.keys() | before.keys()}


@pytest.mark.parametrize("categories", [(), ("06010",), ("06001", "06002")])
def test_cell_counts_equal_a_python_count(scene: tuple[Factory, Centre, dict],
                                          categories: tuple[str, ...]) -> None:
    factory, centre, _ids = scene
    got = hotspot_map(factory(), centre, START, END, categories)
    want = python_counts(factory, START - (END - START), START, END, lambda c: c.grid, categories)
    assert {c.grid: (c.count, c.previous) for c in got.cells} == want
    assert got.total == sum(n for n, _p in want.values()) > 0
    assert got.previous_total == sum(p for _n, p in want.values()) > 0
    assert got.unplaced == 0 and got.previous_start == at(10, 5, 0)
    for cell in got.cells:
        assert cell.rate == pytest.approx(cell.count / cell.area_km2)


def test_the_repeat_point_lists_its_four_reports(scene: tuple[Factory, Centre, dict]) -> None:
    factory, centre, _ids = scene
    got = repeat_points(factory(), centre, END, (), repeat_min=3)
    [repeat] = got.repeats
    assert got.total == 1 and got.start == END - timedelta(days=30)
    assert repeat.category == "06010" and repeat.count == 4
    with factory() as uow:
        cases = uow.cases.get_many(list(repeat.case_ids))
    assert sorted(c.case_no for c in cases) == sorted(repeat.case_nos)
    assert all(c.category == "06010" and c.lat is not None for c in cases)
    ordered = sorted(c.reported_at for c in cases)
    assert (repeat.first, repeat.last) == (ordered[0], ordered[-1])
    assert repeat_points(factory(), centre, END, (), repeat_min=5).repeats == ()
    assert repeat_points(factory(), centre, END, ("06001",), repeat_min=3).repeats == ()


def test_figures_rank_categories_and_fold_hours_into_the_week(
        scene: tuple[Factory, Centre, dict]) -> None:
    factory, centre, _ids = scene
    got = hotspot_figures(factory(), centre, START, END)
    want = python_counts(factory, START - (END - START), START, END, lambda c: c.category)
    assert [(k.category, k.count, k.previous) for k in got.categories] == sorted(
        ((c, n, p) for c, (n, p) in want.items() if n), key=lambda r: (-r[1], r[0]))
    hours = python_counts(factory, START, START, END,
                          lambda c: (c.category, hour_of_week(centre.local(c.reported_at))))
    for row in got.week:
        assert len(row.counts) == 168
        assert {h: n for h, n in enumerate(row.counts) if n} == {
            h: n for (c, h), (n, _p) in hours.items() if c == row.category}
    assert got.cells[0].count == max(c.count for c in hotspot_map(
        factory(), centre, START, END).cells)


def test_the_difficult_cases_come_from_the_log(scene: tuple[Factory, Centre, dict]) -> None:
    factory, centre, ids = scene
    start, end = parse_period("2026-10").bounds(centre.tz)
    section = hotspot_section(factory, centre, start, end)
    assert [c.case_id for c in section.returned.cases] == [ids["C"]]
    assert section.returned.cases[0].times == 2 and section.returned.cases[0].units == 2
    assert [c.case_id for c in section.several_units.cases] == [ids["C"]]
    assert [(c.case_id, c.times) for c in section.reworked.cases] == [(ids["R"], 2)]
    assert [c.case_id for c in section.suspended.cases] == [ids["S"]]
    assert section.suspended.cases[0].times == (end - at(8, 3, 10, 10)).days
    assert ids["L"] in [c.case_id for c in section.long_open.cases]
    assert ids["S"] in [c.case_id for c in section.long_open.cases]
    assert ids["C"] not in [c.case_id for c in section.long_open.cases]  # reported in October
    # September's report: nothing returned or reworked then.
    sept = hotspot_section(factory, centre, *parse_period("2026-09").bounds(centre.tz))
    assert sept.returned.total == sept.reworked.total == 0


def test_bad_input_is_one_line_and_scoped_seats_are_refused(
        scene: tuple[Factory, Centre, dict]) -> None:
    factory, centre, _ids = scene
    with pytest.raises(ValidationError, match="未知的类别"):
        hotspot_map(factory(), centre, START, END, ("99999",))
    with pytest.raises(ValidationError, match="重复点位"):
        repeat_points(factory(), centre, END, (), repeat_min=1)
    clock = lambda: at(10, 19, 0)  # noqa: E731
    desk = LocalDeskBackend(factory, centre, clock, centre.actor("zhibanzhang1"))
    assert desk.repeat_points("7d", [], 3).total == 1
    assert desk.hotspot_map("7d", []).total == hotspot_map(
        factory(), centre, START, END).total
    with pytest.raises(ValidationError, match="未知的统计周期"):
        desk.hotspot_figures("year", [])
    unit = LocalDeskBackend(factory, centre, clock, centre.actor("unit_zhzf"))
    with pytest.raises(PermissionDeniedError):
        unit.hotspot_map("7d", [])
    assert desk.hotspot_figures("month", []).start == at(10, 1, 0)


def test_the_period_report_holds_the_section(scene: tuple[Factory, Centre, dict],
                                             tmp_path: Path) -> None:
    factory, centre, ids = scene
    october = parse_period("2026-10")
    report = make_period_report(factory, centre, october, at(11, 2, 9))
    titles = [t.title for t in report.tables]
    section = [t for t in report.tables if t.title.startswith("热点与难点·")]
    assert [t.title.split("·")[1].split("（")[0] for t in section] == [
        "高发区域", "高发问题", "未结超30天", "回退两次以上", "返工两次以上", "挂账超60天",
        "多个单位回退"]
    assert titles[-1] == "案件清单"  # the case list stays last
    with factory() as uow:
        no = {k: uow.cases.get(v).case_no for k, v in ids.items()}
    by_title = {t.title.split("·")[1].split("（")[0]: t for t in section}
    returned = by_title["回退两次以上"]
    assert [(r["case_no"], r["times"], r["units"]) for r in returned.rows] == [(no["C"], 2, 2)]
    assert [r["case_no"] for r in by_title["返工两次以上"].rows] == [no["R"]]
    assert [r["case_no"] for r in by_title["挂账超60天"].rows] == [no["S"]]
    assert no["L"] in [r["case_no"] for r in by_title["未结超30天"].rows]
    start, end = october.bounds(centre.tz)
    want = python_counts(factory, start - (end - start), start, end, lambda c: c.category)
    top = by_title["高发问题"].rows[0]
    best = max(n for n, _p in want.values())
    assert top["count"] == best and top["category"].split()[0] in {
        c for c, (n, _p) in want.items() if n == best}
    assert any(c.title.startswith("热点与难点·高发问题") for c in report.charts)
    for fmt in ("csv", "xlsx"):
        write_report(report, tmp_path / f"october.{fmt}")
    sheets = openpyxl.load_workbook(tmp_path / "october.xlsx", read_only=True).sheetnames
    assert sum(1 for s in sheets if s.startswith("热点与难点")) == len(section)
    # A unit seat's report ranks nobody's cells: no section.
    mine = make_period_report(scoped_factory(factory, centre.actor("unit_zhzf")), centre,
                              october, at(11, 2, 9))
    assert not [t for t in mine.tables if t.title.startswith("热点与难点")]


def test_a_previous_period_before_the_records_tells_no_change(
        scene: tuple[Factory, Centre, dict]) -> None:
    factory, centre, _ids = scene
    with factory() as uow:
        first = uow.hotspots.first_report()
        want = min(c.reported_at for c in uow.cases.list(CaseFilter(order="id")))
    assert first == want
    assert hotspot_map(factory(), centre, START, END).previous_complete  # August is on record
    week = (first, first + timedelta(days=7))  # the week before it lies before every record
    assert not hotspot_map(factory(), centre, *week).previous_complete
    assert not hotspot_figures(factory(), centre, *week).previous_complete
