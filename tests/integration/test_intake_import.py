"""File import: history written through the workflow at its own times, counted by evaluation."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from console.domain.evaluation import parse_period
from console.intake.file_import import read_table, run_import
from console.intake.file_mapping import parse_mapping
from console.services.evaluation import evaluate
from console.services.intake import IntakeContext, dry_run
from tests.integration.intake_helpers import SHANGHAI, case_count

MAPPING = parse_mapping({
    "channel": "history", "columns": {
        "external_id": "编号", "reported_at": "上报时间", "category": "类别", "description": "描述",
        "grid": "网格", "status": "状态", "unit": "部门", "dispatched_at": "派遣时间",
        "due_at": "时限", "handled_at": "处置完成", "closed_at": "结案时间"},
    "values": {"status": {"已办结": "已结案"}}})
HEAD = ["编号", "上报时间", "类别", "描述", "网格", "状态", "部门", "派遣时间", "时限", "处置完成", "结案时间"]
ROWS = [
    # on time: handled before the file's due time
    ["K1", "2025-06-04 09:00", "暴露垃圾", "路口垃圾", "330824001001001", "已办结", "县综合执法局",
     "2025-06-04 09:20", "2025-06-04 15:00", "2025-06-04 14:00", "2025-06-04 16:00"],
    # late: handled after it
    ["K2", "2025-06-04 10:00", "暴露垃圾", "店门口垃圾", "330824001001002", "已办结", "KH-ZHZF",
     "2025-06-04 10:30", "2025-06-04 11:00", "2025-06-05 09:00", "2025-06-05 10:00"],
    # still with the unit
    ["K3", "2025-06-05 08:30", "暴露垃圾", "绿化带垃圾", "330824001001003", "待处置", "",
     "2025-06-05 09:00", "", "", ""],
]


def _csv(path: Path) -> Path:
    path.write_text("\n".join(",".join(r) for r in [HEAD, *ROWS]) + "\n", encoding="gb18030")
    return path


def _xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEAD)
    for row in ROWS:  # real spreadsheets hold datetimes, not text
        sheet.append([datetime.strptime(c, "%Y-%m-%d %H:%M") if c[:2] == "20" and ":" in c else c
                      for c in row])
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("make", [_csv, _xlsx], ids=["csv-gb18030", "xlsx"])
def test_history_is_written_and_evaluated(intake: IntakeContext, tmp_path: Path, make) -> None:
    table = read_table(make(tmp_path / ("cases.csv" if make is _csv else "cases.xlsx")), MAPPING)
    seen: list[tuple[int, int]] = []
    report = run_import(intake, table, MAPPING, lambda done, total: seen.append((done, total)) or True)
    assert report.counts.as_dict() == {"fetched": 3, "created": 3, "updated": 0,
                                       "duplicates": 0, "quarantined": 0}
    assert seen[-1] == (3, 3)
    with intake.uow_factory() as uow:
        links = {e: uow.intake.link("file:history", e) for e in ("K1", "K2", "K3")}
        cases = {e: uow.cases.get(link.case_id) for e, link in links.items() if link}
        events = {e: uow.events.for_case(c.id) for e, c in cases.items() if c.id}
    assert [c.state.value for c in cases.values()] == ["已结案", "已结案", "待处置"]
    k1 = {e.type: e for e in events["K1"]}
    assert k1["report"].occurred_at == datetime(2025, 6, 4, 9, 0, tzinfo=SHANGHAI)
    assert k1["dispatch"].occurred_at == datetime(2025, 6, 4, 9, 20, tzinfo=SHANGHAI)
    assert k1["feedback"].stage_deadline == datetime(2025, 6, 4, 15, 0, tzinfo=SHANGHAI)
    assert k1["feedback"].on_time is True
    assert {e.type: e for e in events["K2"]}["feedback"].on_time is False
    assert cases["K2"].close_type == "超时"
    assert all(e.payload.get("imported") for evs in events.values() for e in evs)
    league = evaluate(intake.uow_factory(), intake.centre, parse_period("2025-06"), "unit")
    row = next(r for r in league.as_dict()["rows"] if r["unit"] == "KH-ZHZF")
    assert (row["dispatched"], row["closed"], row["handled_on_time"]) == (3, 2, 1)
    again = run_import(intake, table, MAPPING)
    assert again.counts.created == 0 and again.counts.duplicates == 3


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_dry_run_checks_everything_and_keeps_nothing(intake: IntakeContext, tmp_path: Path) -> None:
    table = read_table(_csv(tmp_path / "c.csv"), MAPPING)
    bad = [["K9", "2025-06-04 09:00", "暴露垃圾", "结案早于上报", "330824001001001", "已办结", "",
            "2025-06-04 09:20", "", "", "2025-06-01 10:00"]]
    table.rows.extend((10 + n, row) for n, row in enumerate(bad))
    preview = IntakeContext(dry_run(intake.uow_factory), intake.centre, intake.actor, intake.clock)
    report = run_import(preview, table, MAPPING)
    assert (report.counts.created, report.counts.quarantined) == (3, 1)
    assert report.rows[0][:2] == (10, "K9") and "早于" in report.rows[0][2]
    assert case_count(intake) == 0
    with intake.uow_factory() as uow:
        assert uow.intake.problem_for("file:history", "K9") is None


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_history_needs_an_administrator(intake: IntakeContext, tmp_path: Path) -> None:
    table = read_table(_csv(tmp_path / "c.csv"), MAPPING)
    acceptor = IntakeContext(intake.uow_factory, intake.centre,
                             intake.centre.actor("shouli1", "import"), intake.clock)
    report = run_import(acceptor, table, MAPPING)
    assert report.counts.quarantined == 3
    assert "管理员" in report.rows[0][2]
