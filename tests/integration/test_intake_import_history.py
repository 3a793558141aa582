"""Imported history, applied and evaluated honestly (issue #13 part 3).

* a closed case without a dispatch time is imported, its handling untimed, and evaluation
  leaves it out of the timeliness counts that need the dispatch (and says so in its notes);
* a later export of the same rows closes, through the workflow and at the export's times, what
  was closed since — and refuses, with the reason, what it cannot apply;
* imported history charges no collector, acceptor or dispatcher who never saw it; the people a
  mapping names are credited with their steps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from console.domain.evaluation import parse_period
from console.intake.file_import import ImportReport, read_table, run_import
from console.intake.file_mapping import ColumnMapping, load_mapping, parse_mapping
from console.services.cases import act
from console.services.evaluation import evaluate
from console.services.intake import IntakeContext, dry_run
from console.services.intake_problems import list_problems
from tests.integration.intake_helpers import SHANGHAI

FIXTURES = Path(__file__).parent / "import_fixtures"
HEAD = "编号,上报时间,来源,类别,描述,网格,状态,部门,派遣时间,时限,处置完成,结案时间,结案类型"
MAPPING: dict[str, Any] = {"channel": "history", "columns": {
    "external_id": "编号", "reported_at": "上报时间", "source": "来源", "category": "类别",
    "description": "描述", "grid": "网格", "status": "状态", "unit": "部门",
    "dispatched_at": "派遣时间", "due_at": "时限", "handled_at": "处置完成", "closed_at": "结案时间",
    "close_type": "结案类型"}, "values": {"status": {"已办结": "已结案", "已派遣": "待处置"}}}


def _write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEAD, *rows]) + "\n", encoding="utf-8")
    return path


def _run(ctx: IntakeContext, path: Path, mapping: ColumnMapping | None = None) -> ImportReport:
    mapping = mapping or parse_mapping(MAPPING)
    return run_import(ctx, read_table(path, mapping), mapping)


def _case(ctx: IntakeContext, external_id: str, channel: str = "file:history"
          ) -> tuple[Any, list[Any]]:
    with ctx.uow_factory() as uow:
        link = uow.intake.link(channel, external_id)
        assert link is not None, external_id
        return uow.cases.get(link.case_id), uow.events.for_case(link.case_id)


def _row(report: Any, key: str) -> dict[str, Any]:
    return next(r for r in report.as_dict()["rows"]
                if key in (r.get("unit"), r.get("user"), r.get("area")))


def test_a_closed_case_without_a_dispatch_time_is_imported_untimed(
        intake: IntakeContext, tmp_path: Path) -> None:
    report = _run(intake, _write(
        tmp_path / "a.csv",
        "N1,2025-06-04 09:00,监督员上报,暴露垃圾,无派遣时间,330824001001004,已办结,KH-ZHZF,,,"
        "2025-06-04 14:00,2025-06-04 16:00,",
        "N2,2025-06-04 10:00,监督员上报,暴露垃圾,有派遣时间,330824001001005,已办结,KH-ZHZF,"
        "2025-06-04 10:20,2025-06-04 11:00,2025-06-05 09:00,2025-06-05 10:00,"))
    assert (report.counts.created, report.counts.quarantined) == (2, 0), report.rows
    case, events = _case(intake, "N1")
    by_type = {e.type: e for e in events}
    assert case.state.value == "已结案"
    assert by_type["dispatch"].on_time is None and by_type["dispatch"].payload["untimed"] is True
    assert by_type["feedback"].on_time is None and by_type["feedback"].payload["untimed"] is True
    assert by_type["close"].payload["untimed"] is True
    assert by_type["close"].occurred_at == datetime(2025, 6, 4, 16, 0, tzinfo=SHANGHAI)
    period = parse_period("2025-06")
    unit = evaluate(intake.uow_factory(), intake.centre, period, "unit")
    row = _row(unit, "KH-ZHZF")
    # N2 was handled late; N1 is neither on time nor late: not due, not on time.
    assert (row["closed"], row["due_to_handle"], row["handled_on_time"]) == (2, 1, 0)
    assert any("1 件导入的历史案件没有派遣时间" in n for n in unit.notes)
    area = evaluate(intake.uow_factory(), intake.centre, period, "area")
    cell = _row(area, "330824001001004")
    assert (cell["closed"], cell["closed_on_time"]) == (1, 0)
    assert cell["indices"]["close_on_time_rate"]["denominator"] == 0  # left out, not failed
    assert cell["close_on_time_rate"] == 1.0
    assert any("按期结案率" in n for n in area.as_dict()["notes"])


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_case_still_with_its_unit_needs_its_dispatch_time(
        intake: IntakeContext, tmp_path: Path) -> None:
    report = _run(intake, _write(tmp_path / "a.csv", "W1,2025-06-04 09:00,监督员上报,暴露垃圾,"
                                 "在办,330824001001004,已派遣,KH-ZHZF,,,,,"))
    assert report.counts.quarantined == 1 and "派遣时间" in report.rows[0][2]


def test_a_later_export_closes_what_was_closed_since(intake: IntakeContext, tmp_path: Path) -> None:
    first = _run(intake, _write(
        tmp_path / "june.csv",
        "L1,2025-06-04 09:00,监督员上报,暴露垃圾,月底还在办,330824001001004,已派遣,KH-ZHZF,"
        "2025-06-04 09:20,2025-06-04 15:00,,,",
        "L2,2025-06-04 10:00,监督员上报,暴露垃圾,早已办结,330824001001005,已办结,KH-ZHZF,"
        "2025-06-04 10:20,2025-06-04 16:00,2025-06-04 14:00,2025-06-04 17:00,"))
    assert first.counts.created == 2
    later = _write(
        tmp_path / "july.csv",
        "L1,2025-06-04 09:00,监督员上报,暴露垃圾,月底还在办,330824001001004,已办结,KH-ZHZF,"
        "2025-06-04 09:20,2025-06-04 15:00,2025-06-05 11:00,2025-06-05 15:30,",
        "L2,2025-06-04 10:00,监督员上报,暴露垃圾,早已办结,330824001001005,已办结,KH-ZHZF,"
        "2025-06-04 10:20,2025-06-04 16:00,2025-06-04 14:00,2025-06-04 17:00,")
    # A dry run says what would change and changes nothing.
    preview = IntakeContext(dry_run(intake.uow_factory), intake.centre, intake.actor, intake.clock)
    assert _run(preview, later).counts.updated == 1
    assert _case(intake, "L1")[0].state.value == "待处置"
    again = _run(intake, later)
    assert (again.counts.updated, again.counts.duplicates, again.counts.quarantined) == (1, 1, 0)
    case, events = _case(intake, "L1")
    assert case.state.value == "已结案" and case.close_type == "超时"
    assert case.closed_at == datetime(2025, 6, 5, 15, 30, tzinfo=SHANGHAI)
    tail = [(e.type, e.occurred_at.astimezone(UTC)) for e in events[-5:]]
    assert tail == [("start", datetime(2025, 6, 4, 1, 20, tzinfo=UTC)),
                    ("feedback", datetime(2025, 6, 5, 3, 0, tzinfo=UTC)),
                    ("request-check", datetime(2025, 6, 5, 3, 0, tzinfo=UTC)),
                    ("check-pass", datetime(2025, 6, 5, 7, 30, tzinfo=UTC)),
                    ("close", datetime(2025, 6, 5, 7, 30, tzinfo=UTC))]
    feedback = next(e for e in events if e.type == "feedback")
    assert feedback.on_time is False  # due at 15:00 on the 4th, fed back the next morning
    assert feedback.stage_deadline == datetime(2025, 6, 4, 15, 0, tzinfo=SHANGHAI)
    assert all(e.payload.get("imported") for e in events)
    # The same export once more: nothing new.
    third = _run(intake, later)
    assert (third.counts.updated, third.counts.duplicates) == (0, 2)
    row = _row(evaluate(intake.uow_factory(), intake.centre, parse_period("2025-06"), "unit"),
               "KH-ZHZF")
    assert (row["closed"], row["due_to_handle"]) == (2, 2)


def test_a_later_export_never_overrides_the_desk(intake: IntakeContext, tmp_path: Path) -> None:
    _run(intake, _write(tmp_path / "a.csv",
                        "D1,2025-06-04 09:00,监督员上报,暴露垃圾,在办,330824001001004,已派遣,KH-ZHZF,"
                        "2025-06-04 09:20,2025-06-04 15:00,,,"))
    case, _events = _case(intake, "D1")
    # The unit signs for it at its desk after the import.
    unit = intake.centre.actor("unit_zhzf", "desk-9")
    act(intake.uow_factory, intake.centre, unit, datetime(2026, 3, 2, 10, 5, tzinfo=SHANGHAI),
        case.id, "start")
    closed = _write(tmp_path / "b.csv",
                    "D1,2025-06-04 09:00,监督员上报,暴露垃圾,在办,330824001001004,已办结,KH-ZHZF,"
                    "2025-06-04 09:20,2025-06-04 15:00,2025-06-05 11:00,2025-06-05 15:30,")
    report = _run(intake, closed)
    assert report.counts.quarantined == 1
    assert "已在 CityDesk 中处理" in report.rows[0][2] and "unit_zhzf" in report.rows[0][2]
    assert _case(intake, "D1")[0].state.value == "处置中"
    problem, = list_problems(intake.uow_factory)
    assert problem.external_id == "D1"
    assert _run(intake, closed).counts.duplicates == 1  # refused once, not again and again
    # A row that goes back (closed in CityDesk's copy, open in the file) is refused too.
    _run(intake, _write(tmp_path / "c.csv",
                        "D2,2025-06-04 09:00,监督员上报,暴露垃圾,已办结,330824001001004,已办结,"
                        "KH-ZHZF,2025-06-04 09:20,2025-06-04 15:00,2025-06-04 11:00,"
                        "2025-06-04 15:30,"))
    back = _run(intake, _write(tmp_path / "d.csv",
                               "D2,2025-06-04 09:00,监督员上报,暴露垃圾,已办结,330824001001004,"
                               "已派遣,KH-ZHZF,2025-06-04 09:20,2025-06-04 15:00,,,"))
    assert back.counts.quarantined == 1 and "不符" in back.rows[0][2]
    assert _case(intake, "D2")[0].state.value == "已结案"


def test_imported_history_charges_no_collector_who_never_saw_it(
        intake: IntakeContext, tmp_path: Path) -> None:
    """caiji01 patrols 330824001001001-003 today; a 2025 hotline case there is not their miss.

    Before, every imported public report confirmed by its (imported) verification counted as a
    漏报 of the cell's collectors, and every imported filing as a 立案 in their cells."""
    report = _run(intake, _write(
        tmp_path / "a.csv",
        "H1,2025-06-04 09:00,12345热线,暴露垃圾,热线来电,330824001001001,已办结,KH-ZHZF,"
        "2025-06-04 09:20,2025-06-04 15:00,2025-06-04 14:00,2025-06-04 16:00,",
        "H2,2025-06-04 09:30,监督员上报,暴露垃圾,巡查发现,330824001001002,已办结,KH-ZHZF,"
        "2025-06-04 09:50,2025-06-04 15:00,2025-06-04 14:00,2025-06-04 16:00,"))
    assert report.counts.created == 2
    period = parse_period("2025-06")
    collectors = evaluate(intake.uow_factory(), intake.centre, period, "collector")
    row = _row(collectors, "caiji01")
    assert (row["missed"], row["filed"], row["reports"]) == (0, 0, 0)
    assert row["rank"] is None  # nothing was due: not ranked on history it never saw
    assert any("不计入所在网格监督员" in n for n in collectors.notes)
    for obj in ("acceptor", "dispatcher", "supervisor"):
        rows = evaluate(intake.uow_factory(), intake.centre, period, obj).as_dict()["rows"]
        assert all(r["rank"] is None for r in rows), obj
    # The unit and the area count it.
    assert _row(evaluate(intake.uow_factory(), intake.centre, period, "unit"),
                "KH-ZHZF")["closed"] == 2
    assert _row(evaluate(intake.uow_factory(), intake.centre, period, "area"),
                "330824001001001")["filed"] == 1


def test_the_people_a_mapping_names_are_credited(intake: IntakeContext, tmp_path: Path) -> None:
    mapping = load_mapping(FIXTURES / "cn_mapping.yaml")
    run_import(intake, read_table(FIXTURES / "cn_export.csv", mapping), mapping)
    period = parse_period("2016-10-31..2016-11-05")
    dispatchers = evaluate(intake.uow_factory(), intake.centre, period, "dispatcher")
    assert {r.key: r.counts["dispatched"] for r in dispatchers.rows if r.due} == {
        "paiqian1": 2, "paiqian2": 1}
    acceptors = evaluate(intake.uow_factory(), intake.centre, period, "acceptor")
    assert _row(acceptors, "shouli1")["accepted"] == 3
    # GZ-2016-0003 names no dispatcher: the administrator's dispatch charges nobody.
    _found, events = _case(intake, "GZ-2016-0003", "file:旧系统-2016")
    assert {e.type: e.actor for e in events}["dispatch"] == "admin"
    # A name of the wrong role, or of nobody, is refused with its row.
    named = parse_mapping({**MAPPING, "channel": "roles",
                           "columns": {**MAPPING["columns"], "dispatcher": "派遣员"}})
    path = tmp_path / "r.csv"
    path.write_text(HEAD + ",派遣员\n" + "\n".join(
        f"{key},2025-06-04 09:00,监督员上报,暴露垃圾,描述,330824001001004,已办结,KH-ZHZF,"
        f"2025-06-04 09:20,2025-06-04 15:00,2025-06-04 14:00,2025-06-04 16:00,,{who}"
        for key, who in (("R1", "shouli1"), ("R2", "nobody"))) + "\n", encoding="utf-8")
    report = run_import(intake, read_table(path, named), named)
    why = {e: reason for _n, e, reason in report.rows}
    assert "不是派遣员" in why["R1"] and "nobody" in why["R2"]


def test_a_later_chinese_export(intake: IntakeContext) -> None:
    mapping = load_mapping(FIXTURES / "cn_mapping.yaml")
    run_import(intake, read_table(FIXTURES / "cn_export.csv", mapping), mapping)
    later = run_import(intake, read_table(FIXTURES / "cn_export_later.csv", mapping), mapping)
    assert (later.counts.updated, later.counts.duplicates) == (1, 3)
    case, events = _case(intake, "GZ-2016-0002", "file:旧系统-2016")
    assert case.state.value == "已结案"
    assert case.closed_at == datetime(2016, 11, 1, 9, 30, tzinfo=UTC)  # 17:30 in Shanghai
    assert {e.type: e.on_time for e in events}["feedback"] is True
