"""Legacy CJ/T 214 codes that name a component and an event are never guessed on the way in.

0102 is 污水井盖 among components and 暴露垃圾 among events: an old system's export of garbage
complaints must not be filed as manhole covers (a round-the-clock 2-hour limit at the wrong
department).  Only a kind given by the mapping (per column, per code, per row) or the feed
record decides; without it the row waits in quarantine with both meanings named.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from console.domain.errors import ValidationError
from console.intake.feed import feed_record
from console.intake.file_import import read_table, run_import
from console.intake.file_mapping import ColumnMapping, load_mapping, parse_mapping
from console.intake.retry import retry_problems
from console.services.intake import IntakeContext, Outcome, dry_run, take_in
from console.services.intake_ports import ProblemKind
from console.services.intake_problems import list_problems, set_mapping
from tests.integration.intake_helpers import case_count

GRID = "330824001001001"
HEAD = "编号,上报时间,类别,描述,网格"


def _mapping(**extra: Any) -> ColumnMapping:
    columns = {"external_id": "编号", "reported_at": "上报时间", "category": "类别",
               "description": "描述", "grid": "网格"}
    columns.update(extra.pop("columns", {}))
    return parse_mapping({"channel": "旧系统", "columns": columns, **extra})


def _import(ctx: IntakeContext, tmp_path: Path, mapping: ColumnMapping, rows: list[str],
            head: str = HEAD) -> Any:
    path = tmp_path / "old.csv"
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return run_import(ctx, read_table(path, mapping), mapping)


def _category(ctx: IntakeContext, external_id: str, channel: str = "file:旧系统") -> str:
    with ctx.uow_factory() as uow:
        link = uow.intake.link(channel, external_id)
        assert link is not None, external_id
        return uow.cases.get(link.case_id).category


def test_an_ambiguous_code_is_quarantined_naming_both_then_mapped_and_retried(
        intake: IntakeContext, tmp_path: Path) -> None:
    rows = [f"G1,2025-06-02 09:00,0102,小区门口垃圾,{GRID}",
            f"G2,2025-06-02 09:10,0505,路口乱停车,{GRID}"]  # 0505 names one category
    mapping = _mapping()
    preview = IntakeContext(dry_run(intake.uow_factory), intake.centre, intake.actor, intake.clock)
    dry = _import(preview, tmp_path, mapping, rows)
    assert (dry.counts.created, dry.counts.quarantined) == (1, 1)
    (row, external_id, reason), = dry.rows
    assert (row, external_id) == (2, "G1")
    assert "污水井盖异常" in reason and "暴露垃圾" in reason and "legacy_kind" in reason
    assert case_count(intake) == 0  # the dry run kept nothing

    report = _import(intake, tmp_path, mapping, rows)
    assert (report.counts.created, report.counts.quarantined) == (1, 1)
    assert _category(intake, "G2") == "09009"
    problem, = list_problems(intake.uow_factory)
    assert problem.kind is ProblemKind.UNMAPPED and problem.external_code == "0102"
    assert "01002" in problem.reason and "06010" in problem.reason
    assert "\n" not in problem.reason
    set_mapping(intake.uow_factory, intake.centre, intake.actor, intake.clock(), "file:旧系统",
                "0102", "暴露垃圾")
    retried, = retry_problems(intake, [problem.id])
    assert retried.taken.outcome is Outcome.CREATED
    assert _category(intake, "G1") == "06010"


def test_the_mapping_names_the_kind_per_column_per_code_and_per_row(
        intake: IntakeContext, tmp_path: Path) -> None:
    mapping = parse_mapping({
        "channel": "旧系统", "legacy_kind": {"0105": "component", "0103": "事件"},
        "columns": {"external_id": "编号", "reported_at": "上报时间", "category": "类别",
                    "description": "描述", "grid": "网格", "legacy_kind": "类型"},
        "values": {"legacy_kind": {"井盖": "部件"}}})
    assert mapping.legacy_kind is None
    assert mapping.legacy_kinds == {"0105": "component", "0103": "event"}
    rows = [f"K1,2025-06-02 09:00,0105,电力井盖缺失,{GRID},",       # per code: component
            f"K2,2025-06-02 09:05,0103,渣土堆积,{GRID},",          # per code: event
            f"K3,2025-06-02 09:10,0102,井盖松动,{GRID},井盖",        # the row's own column
            f"K4,2025-06-02 09:15,0105,河面漂浮物,{GRID},事件",      # the row beats the code
            f"K5,2025-06-02 09:20,0102,不知是什么,{GRID},",          # nothing says: quarantined
            f"K6,2025-06-02 09:25,0102,类型写错,{GRID},都是"]        # a bad kind: refused
    report = _import(intake, tmp_path, mapping, rows, HEAD + ",类型")
    assert (report.counts.created, report.counts.quarantined) == (4, 2)
    assert [_category(intake, k) for k in ("K1", "K2", "K3", "K4")] == [
        "01005", "06011", "01002", "06025"]
    reasons = {e: why for _row, e, why in report.rows}
    assert "暴露垃圾" in reasons["K5"] and "污水井盖异常" in reasons["K5"]
    assert "legacy_kind" in reasons["K6"] and "\n" not in reasons["K6"]

    whole = parse_mapping({"channel": "旧系统2", "legacy_kind": "event", "columns": {
        "external_id": "编号", "reported_at": "上报时间", "category": "类别",
        "description": "描述", "grid": "网格"}})
    again = _import(intake, tmp_path, whole, [f"E1,2025-06-02 10:00,0102,垃圾,{GRID}",
                                              f"E2,2025-06-02 10:05,0505,乱停车,{GRID}"])
    assert (again.counts.created, again.counts.quarantined) == (2, 0)
    assert _category(intake, "E1", "file:旧系统2") == "06010"
    assert _category(intake, "E2", "file:旧系统2") == "09009"  # its one meaning is an event


def test_a_kind_the_code_lacks_is_refused(intake: IntakeContext, tmp_path: Path) -> None:
    mapping = _mapping(legacy_kind="component")
    report = _import(intake, tmp_path, mapping, [f"P1,2025-06-02 09:00,0505,乱停车,{GRID}"])
    assert report.counts.quarantined == 1
    assert "没有部件含义" in report.rows[0][2] and "09009" in report.rows[0][2]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("yaml_text", "needle"), [
    ("legacy_kind: both\n", "legacy_kind"),
    ("legacy_kind: [event]\n", "legacy_kind"),
    ('legacy_kind: {"0102": garbage}\n', "legacy_kind.0102"),
    ("legacy_kind: {0102: event}\n", "须加引号"),  # YAML reads 0102 as the number 66
])
def test_a_bad_legacy_kind_in_the_mapping_is_one_line_before_any_row(
        intake: IntakeContext, tmp_path: Path, yaml_text: str, needle: str) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("channel: 旧系统\ncolumns: {external_id: 编号, reported_at: 上报时间,"
                    " category: 类别}\n" + yaml_text, encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        load_mapping(path)
    assert needle in err.value.message and "\n" not in err.value.message
    assert "map.yaml" in err.value.message
    assert case_count(intake) == 0


def _feed(n: int, **extra: object) -> dict[str, object]:
    return {"id": f"F{n}", "reported_at": f"2026-03-02T09:0{n}:00+08:00", "category": "0102",
            "description": "市民来电", "grid": GRID, **extra}


def test_a_feed_record_says_its_kind(intake: IntakeContext) -> None:
    tz = intake.centre.tz
    given = take_in(intake, feed_record("feed:旧系统", _feed(1, legacy_kind="event"), "hotline", tz))
    assert given.outcome is Outcome.CREATED
    assert _category(intake, "F1", "feed:旧系统") == "06010"
    cover = take_in(intake, feed_record("feed:旧系统", _feed(2, legacy_kind="component"),
                                        "hotline", tz))
    assert cover.outcome is Outcome.CREATED
    assert _category(intake, "F2", "feed:旧系统") == "01002"
    silent = take_in(intake, feed_record("feed:旧系统", _feed(3), "hotline", tz))
    assert silent.outcome is Outcome.QUARANTINED
    assert "污水井盖异常" in (silent.reason or "") and "暴露垃圾" in (silent.reason or "")
    wrong = take_in(intake, feed_record("feed:旧系统", _feed(4, legacy_kind="garbage"),
                                        "hotline", tz))
    assert wrong.outcome is Outcome.QUARANTINED and "legacy_kind" in (wrong.reason or "")
    assert case_count(intake) == 2
