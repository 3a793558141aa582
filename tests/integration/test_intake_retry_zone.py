"""A retried file row is read exactly as its import read it: the mapping's zone, not the centre's.

A US export (America/New_York, UTC-5 in November) imported with ``timezone:`` in its mapping:
one row's category is unmapped, it is fixed by mapping the code and retrying.  Every instant
the fixed row stores (reported, dispatched, due, handled, closed) must be the one a direct
import of the same row stores; before, the retry read the row in Asia/Shanghai and put each
instant 13 hours early.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.intake.file_import import READ, read_table, run_import
from console.intake.file_mapping import ColumnMapping, parse_mapping
from console.intake.retry import retry_problems
from console.services.centre import build_centre
from console.services.intake import IntakeContext, Outcome
from console.services.intake_problems import list_problems, set_mapping

HEAD = "编号,上报时间,类别,描述,网格,状态,部门,派遣时间,时限,处置完成,结案时间"
# 2025-11-03 is a Monday after the US clocks went back: New York is UTC-5.
ROW = ("{id},2025-11-03 09:00,{category},路口垃圾,330824001001001,已办结,县综合执法局,"
       "2025-11-03 09:20,2025-11-03 15:00,2025-11-03 14:00,2025-11-03 16:30")


def _mapping(channel: str, zone: str | None = "America/New_York") -> ColumnMapping:
    data: dict[str, Any] = {"channel": channel, "columns": {
        "external_id": "编号", "reported_at": "上报时间", "category": "类别", "description": "描述",
        "grid": "网格", "status": "状态", "unit": "部门", "dispatched_at": "派遣时间",
        "due_at": "时限", "handled_at": "处置完成", "closed_at": "结案时间"},
        "values": {"status": {"已办结": "已结案"}}}
    if zone:
        data["timezone"] = zone
    return parse_mapping(data)


def _import(ctx: IntakeContext, path: Path, mapping: ColumnMapping, category: str) -> Any:
    path.write_text(HEAD + "\n" + ROW.format(id="US-1", category=category) + "\n",
                    encoding="utf-8")
    return run_import(ctx, read_table(path, mapping), mapping)


def _history(ctx: IntakeContext, channel: str) -> tuple[Any, list[tuple[Any, ...]]]:
    with ctx.uow_factory() as uow:
        link = uow.intake.link(channel, "US-1")
        assert link is not None
        case = uow.cases.get(link.case_id)
        events = uow.events.for_case(link.case_id)
    return case, [(e.type, e.from_state, e.to_state, e.occurred_at, e.stage_deadline, e.on_time)
                  for e in events]


def _fixed(ctx: IntakeContext, path: Path, mapping: ColumnMapping) -> None:
    """Import with an unmapped code, map it, retry: the repair an operator makes."""
    first = _import(ctx, path, mapping, "LJ-07")
    assert first.counts.quarantined == 1
    problem, = list_problems(ctx.uow_factory)
    set_mapping(ctx.uow_factory, ctx.centre, ctx.actor, ctx.clock(), mapping.channel, "LJ-07",
                "06010")
    result, = retry_problems(ctx, [problem.id])
    assert result.taken.outcome is Outcome.CREATED, result.taken.reason


def test_a_retried_row_stores_the_instants_a_direct_import_stores(
        intake: IntakeContext, tmp_path: Path) -> None:
    direct = _mapping("us-direct")
    assert _import(intake, tmp_path / "direct.csv", direct, "暴露垃圾").counts.created == 1
    _fixed(intake, tmp_path / "fixed.csv", _mapping("us-fixed"))
    case_a, events_a = _history(intake, "file:us-direct")
    case_b, events_b = _history(intake, "file:us-fixed")
    assert events_b == events_a  # event by event: type, states, instant, deadline, on time
    instants = {e[0]: e[3] for e in events_a}
    assert instants["report"] == datetime(2025, 11, 3, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert instants["dispatch"] == datetime(2025, 11, 3, 14, 20, tzinfo=UTC)
    assert instants["feedback"] == datetime(2025, 11, 3, 19, 0, tzinfo=UTC)
    assert instants["close"] == datetime(2025, 11, 3, 21, 30, tzinfo=UTC)
    feedback = next(e for e in events_a if e[0] == "feedback")
    assert feedback[4] == datetime(2025, 11, 3, 20, 0, tzinfo=UTC)  # due 15:00 EST
    for field in ("reported_at", "closed_at", "stage_deadline", "close_type", "unit"):
        assert getattr(case_b, field) == getattr(case_a, field), field


def test_a_row_keeps_the_zone_it_was_read_in_when_the_centre_moves(
        intake: IntakeContext, tmp_path: Path) -> None:
    # No timezone in the mapping: the centre's zone reads the row, and is kept with it.
    mapping = _mapping("centre-zone", zone=None)
    assert _import(intake, tmp_path / "a.csv", mapping, "LJ-07").counts.quarantined == 1
    problem, = list_problems(intake.uow_factory)
    assert problem.raw[READ] == {"timezone": "Asia/Shanghai"}
    # An administrator changes the centre's zone before the row is fixed.
    ref = intake.centre.ref
    moved = build_centre(replace(ref, config=replace(ref.config, timezone="America/New_York")))
    later = IntakeContext(intake.uow_factory, moved, intake.actor, intake.clock)
    set_mapping(later.uow_factory, moved, later.actor, later.clock(), mapping.channel, "LJ-07",
                "06010")
    result, = retry_problems(later, [problem.id])
    assert result.taken.outcome is Outcome.CREATED, result.taken.reason
    _case, events = _history(intake, "file:centre-zone")
    assert events[0][3] == datetime(2025, 11, 3, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def test_a_stored_zone_that_cannot_be_read_is_one_line() -> None:
    from console.intake.file_import import history_record

    row = {"external_id": "X1", "reported_at": "2025-11-03 09:00", "category": "06010",
           "description": "垃圾", "grid": "330824001001001", READ: {"timezone": "Mars/Olympus"}}
    record = history_record("file:x", row, None)
    assert record.report is None and record.problem is not None
    assert "Mars/Olympus" in record.problem and "\n" not in record.problem
    # A row kept before zones were stored is read in the zone the caller gives (the centre's).
    del row[READ]
    assert history_record("file:x", row, None).problem is not None  # no zone at all: refused
