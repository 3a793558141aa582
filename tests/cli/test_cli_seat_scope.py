"""A 责任单位 seat's evaluation and period report hold only its own unit (issue #14).

Before, ``citydesk eval`` / ``citydesk report`` run as a unit user (and the desk's Ctrl+E
export, which evaluates through the seat's scoped unit of work) listed every unit's row, every
area and person, and the whole case list of the period.  Now the seat gets its own unit's row
(and its drill-down) and its unit's cases, nothing else, on SQLite and PostgreSQL.  The history
is the hand-counted one of ``tests/integration/test_evaluation_read.py``: ZHZF handled A B C F,
ZJJ was sent C and sent it back; D, E and I never reached a unit.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from console.domain.evaluation import parse_period
from console.report_builder import make_period_report
from console.services.access import scoped_factory
from console.services.centre import Centre, load_centre
from console.services.evaluation import OBJECTS, SEAT_NOTE, evaluate
from db.engine import make_engine
from db.uow import make_uow_factory
from tests.cli.conftest import run
from tests.integration.test_evaluation_read import ZHZF, ZJJ, History, build_history

NOW = "2026-11-05T10:00:00+08:00"


@pytest.fixture(scope="module")
def scenario(shared_db: str) -> Iterator[tuple[str, Centre, History, dict[str, str]]]:
    """The evaluation scenario and its case numbers by letter."""
    engine = make_engine(shared_db)
    try:
        factory = make_uow_factory(engine)
        centre = load_centre(factory())
        history = build_history(factory, centre)
        with factory() as uow:
            numbers = {letter: uow.cases.get(case_id).case_no
                       for letter, case_id in history.ids.items()}
        yield shared_db, centre, history, numbers
    finally:
        engine.dispose()


def _eval(url: str, obj: str, user: str) -> dict:
    result = run(url, "eval", "--period", "2026-10", "--object", obj, "--json", user=user,
                 now=NOW)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_a_unit_seats_eval_is_its_own_row(scenario) -> None:
    url, _centre, h, _numbers = scenario
    everyone = _eval(url, "unit", "admin")
    assert {ZHZF, ZJJ} <= {r["unit"] for r in everyone["rows"]}
    for user, unit in (("unit_zhzf", ZHZF), ("unit_zjj", ZJJ)):
        own = _eval(url, "unit", user)
        assert [r["unit"] for r in own["rows"]] == [unit]
        assert own["rows"][0] == next(r for r in everyone["rows"] if r["unit"] == unit)
        assert SEAT_NOTE in own["notes"]
    ids = {i for ids in _eval(url, "unit", "unit_zjj")["rows"][0]["case_ids"].values()
           for i in ids}
    assert ids == {h["C"]}  # the case ZJJ was sent; nothing of ZHZF's own
    for obj in ("collector", "acceptor", "supervisor", "dispatcher", "area"):
        assert _eval(url, obj, "unit_zhzf")["rows"] == [], obj  # they name every unit's cases


def _scoped_report(url: str, tmp_path: Path, user: str, suffix: str) -> Path:
    out = tmp_path / f"{user}{suffix}"
    result = run(url, "report", "--period", "2026-10", "--out", str(out), user=user, now=NOW)
    assert result.code == 0, result.err
    return out


def test_a_unit_seats_report_holds_only_its_cases(scenario, tmp_path: Path) -> None:
    url, _centre, _h, numbers = scenario
    mine = {numbers[x] for x in "ABCF"}
    others = {numbers[x] for x in "DEI"}
    book = load_workbook(_scoped_report(url, tmp_path, "unit_zhzf", ".xlsx"), read_only=True)
    cells = {str(v) for sheet in book.worksheets
             for row in sheet.iter_rows(values_only=True) for v in row if v is not None}
    assert mine <= cells and not others & cells
    units = list(book["专业部门评价"].iter_rows(values_only=True))
    assert len(units) == 3 and "县综合执法局" in units[1]  # header, its row, the totals
    found = _csv_cells(_scoped_report(url, tmp_path, "unit_zhzf", ".csv"))
    assert mine <= found and not others & found
    # The administrator's report of the same period lists them all.
    assert mine | others <= _csv_cells(_scoped_report(url, tmp_path, "admin", ".csv"))


def _csv_cells(first: Path) -> set[str]:
    """Every cell of a CSV report: the first table's file and the tables' files beside it."""
    return {cell for path in first.parent.glob(f"{first.stem}*.csv")
            for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines())
            for cell in row}


def test_the_desks_export_reads_through_the_seats_scope(scenario) -> None:
    """What Ctrl+E builds: evaluations and cases through the seat's scoped unit of work."""
    url, centre, _h, numbers = scenario
    engine = make_engine(url)
    try:
        seat = scoped_factory(make_uow_factory(engine), centre.actor("unit_zjj", "t"))
        period = parse_period("2026-10")
        for obj in OBJECTS:
            rows = evaluate(seat(), centre, period, obj).rows
            assert [r.key for r in rows] == ([ZJJ] if obj == "unit" else []), obj
        report = make_period_report(seat, centre, period, datetime.fromisoformat(NOW))
    finally:
        engine.dispose()
    listed = {row["case_no"] for t in report.tables if t.title == "案件清单" for row in t.rows}
    assert not listed & set(numbers.values())  # C went back: ZJJ holds none of them now
