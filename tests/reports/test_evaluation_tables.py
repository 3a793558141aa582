"""League tables in the exported reports: objects with nothing due show "—" and the reason.

Three units evaluated by the pure formulas: one that handled a thousand cases (ranked), one
with a little work (ranked), one that was sent nothing (100 by the formula, but unranked).  The
table a writer gets, and what CSV, XLSX and PDF show, must rank the two working units and list
the idle one last with "—" for rank and grade and 本期无应处置案件 in 说明.
"""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from console.domain.evaluation import UnitCounts, evaluate_unit, parse_period
from console.report_builder import evaluation_table
from console.reports.csv_writer import write_csv
from console.reports.model import Chart, Report, totals
from console.reports.xlsx_writer import write_xlsx
from console.services.evaluation_rows import COUNTS, EvaluationReport, EvaluationRow, rank_rows

TZ = ZoneInfo("Asia/Shanghai")
REASON = "本期无应处置案件"


def _row(code: str, name: str, **counts: int) -> EvaluationRow:
    names = COUNTS["unit"]
    n = {k: counts.get(k, 0) for k in names}
    ev = evaluate_unit(UnitCounts(n["filed"], n["due_to_close"], n["closed"], n["due_to_handle"],
                                  n["handled_on_time"], n["reworked"]))
    return EvaluationRow(code, {"unit": code, "unit_name": name}, n, dict.fromkeys(names, ()), ev)


@pytest.fixture
def league() -> EvaluationReport:
    rows = [
        _row("KH-IDLE", "县闲置局"),  # nothing due: 100 by the formula
        _row("KH-BUSY", "县综合执法局", dispatched=1000, filed=1000, due_to_close=1000,
             closed=950, due_to_handle=1000, handled_on_time=900, reworked=20),
        _row("KH-SOME", "县住建局", dispatched=4, filed=4, due_to_close=4, closed=3,
             due_to_handle=6, handled_on_time=3, reworked=1),
    ]
    return EvaluationReport(parse_period("2026-10"), "unit", tuple(rank_rows(rows)), TZ)


@pytest.fixture
def report(league: EvaluationReport) -> Report:
    table = evaluation_table(league)
    return Report("考核评价报告", "考核期：2026年10月", datetime(2026, 11, 2, 9, 0), [table],
                  [Chart("专业部门综合指标值", ["县综合执法局"], [80.0])])


def test_the_table_ranks_working_units_and_lists_the_idle_one_last(league) -> None:
    table = evaluation_table(league)
    keys = [c.key for c in table.columns]
    assert keys[-3:] == ["score", "grade", "note"]
    assert [r["unit"] for r in table.rows] == ["KH-BUSY", "KH-SOME", "KH-IDLE"]
    busy, some, idle = table.rows
    assert (busy["rank"], some["rank"]) == (1, 2) and busy["grade"] and some["grade"]
    assert (idle["rank"], idle["grade"], idle["note"]) == ("—", "—", REASON)
    assert idle["score"] == 100.0  # the formula's number is kept
    assert idle["close_rate"] is None  # 0 of 0: no value, not 100 %
    total = totals(table)
    # The idle unit's 100 does not lift the mean; its counts still add up.
    assert total["score"] == pytest.approx((busy["score"] + some["score"]) / 2)
    assert total["filed"] == 1004


def _idle_line(lines: list[list[str]]) -> list[str]:
    return next(line for line in lines if "县闲置局" in line)


def test_csv_shows_dash_and_reason(report: Report, tmp_path: Path) -> None:
    path = write_csv(report, tmp_path / "考核.csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    header = lines[0]
    idle = _idle_line(lines)
    assert idle[header.index("名次")] == "—" and idle[header.index("等级")] == "—"
    assert idle[header.index("说明")] == REASON
    assert idle[header.index("结案率")] == ""
    assert lines[1][header.index("单位")] == "县综合执法局" and lines[1][0] == "1"


def test_xlsx_shows_dash_and_reason(report: Report, tmp_path: Path) -> None:
    path = write_xlsx(report, tmp_path / "考核.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book[book.sheetnames[0]]
    rows: list[tuple[Any, ...]] = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    idle = next(r for r in rows if "县闲置局" in r)
    assert idle[header.index("名次")] == "—" and idle[header.index("等级")] == "—"
    assert idle[header.index("说明")] == REASON
    grade_cell = sheet.cell(rows.index(idle) + 1, header.index("等级") + 1)
    assert grade_cell.fill.fill_type is None  # no grade colour for no grade
    assert rows[1][header.index("名次")] == 1


def test_pdf_shows_dash_and_reason(report: Report, tmp_path: Path, qapp: Any) -> None:
    from console.reports.pdf_writer import write_pdf

    path = write_pdf(report, tmp_path / "考核.pdf")
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run([pdftotext, "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    idle = next(line for line in text.splitlines() if "县闲置局" in line)
    assert REASON in idle and idle.split()[0] == "—"
    busy = next(line for line in text.splitlines() if "县综合执法局" in line)
    assert busy.split()[0] == "1" and REASON not in busy


def test_unit_charts_leave_out_the_idle_units(league: EvaluationReport) -> None:
    from console.report_builder import build_report
    from console.services.centre import build_centre
    from tests.unit.kaihua import reference

    new = _row("KH-NEW", "县新局", dispatched=1, filed=1, due_to_close=1)  # nothing to handle yet
    units = EvaluationReport(league.period, "unit", tuple(rank_rows([*league.rows, new])), TZ)
    built = build_report(build_centre(reference()), league.period, [units], [],
                         datetime(2026, 11, 2, 9, 0, tzinfo=TZ))
    scores, on_time = built.charts[0], built.charts[1]
    assert scores.labels == ("县综合执法局", "县住建局", "县新局")  # ranked units only
    assert on_time.values[:2] == (0.9, 0.5) and math.isnan(on_time.values[2])  # no bar, not 0 %
