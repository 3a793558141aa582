"""The league table's ranking rule (pure): only objects with something due are ranked.

Before the rule, a unit with nothing due scored 100 (0 of 0 failed) and ranked first, ahead of
the unit that handled a thousand cases.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from console.domain.evaluation import (
    NOTHING_DUE,
    DispatcherCounts,
    UnitCounts,
    evaluate_dispatcher,
    evaluate_unit,
    parse_period,
)
from console.services.evaluation_rows import EvaluationReport, EvaluationRow, rank_rows

TZ = ZoneInfo("Asia/Shanghai")


def unit(key: str, filed: int = 0, due_to_close: int = 0, closed: int = 0,
         due_to_handle: int = 0, on_time: int = 0, reworked: int = 0) -> EvaluationRow:
    ev = evaluate_unit(UnitCounts(filed, due_to_close, closed, due_to_handle, on_time, reworked))
    return EvaluationRow(key, {"unit": key}, {}, {}, ev)


def test_idle_objects_come_last_without_rank_or_grade() -> None:
    rows = rank_rows([
        unit("U-IDLE-B"),
        unit("U-BUSY", 1000, 1000, 950, 1000, 900, 20),  # 4 + 28.5 + 27 + 29.4 = 88.9
        unit("U-IDLE-A"),
        unit("U-SOME", 4, 4, 3, 6, 3, 1),  # 72.5
    ])
    assert [r.key for r in rows] == ["U-BUSY", "U-SOME", "U-IDLE-A", "U-IDLE-B"]
    assert [r.rank for r in rows] == [1, 2, None, None]
    assert [r.grade is None for r in rows] == [False, False, True, True]
    idle = rows[2]
    assert idle.score == 100.0 and idle.reason == NOTHING_DUE and not idle.due
    data = idle.as_dict(case_ids=False)
    assert (data["rank"], data["grade"], data["grade_colour"], data["grade_hex"]) == (None,) * 4
    assert (data["due"], data["unranked_reason"], data["score"]) == (False, NOTHING_DUE, 100.0)
    assert rows[0].as_dict(case_ids=False)["unranked_reason"] is None


def test_equal_scores_share_a_rank() -> None:
    rows = rank_rows([unit("B", 4, 4, 3, 6, 3, 1), unit("A", 4, 4, 3, 6, 3, 1),
                      unit("C", 4, 4, 4, 4, 4, 0), unit("D")])
    assert [(r.key, r.rank) for r in rows] == [("C", 1), ("A", 2), ("B", 2), ("D", None)]


def test_nobody_due_nobody_ranked() -> None:
    assert [r.rank for r in rank_rows([unit("B"), unit("A")])] == [None, None]
    assert rank_rows([]) == []


def test_a_returned_dispatch_alone_is_nothing_due() -> None:
    """A dispatcher whose only dispatch was returned still had a dispatch due: ranked.  A unit
    that sent its only case back (立案 0, nothing to handle or close) is not."""
    dispatcher = EvaluationRow("paiqian9", {}, {}, {}, evaluate_dispatcher(DispatcherCounts(1, 1, 1)))
    assert rank_rows([dispatcher])[0].rank == 1
    assert rank_rows([unit("U-RET")])[0].rank is None


def _report(rows: list[EvaluationRow], label: str = "2026-10") -> EvaluationReport:
    return EvaluationReport(parse_period(label), "unit", tuple(rank_rows(rows)), TZ)


def test_previous_period_rank_and_grade_are_none_when_nothing_was_due() -> None:
    now = _report([unit("U1", 4, 4, 3, 6, 3, 1), unit("U2", 1, 1, 1, 1, 1, 0)])
    before = _report([unit("U1"), unit("U2", 2, 2, 1, 2, 1, 0)], "2026-09")
    data = EvaluationReport(now.period, "unit", now.rows, TZ, previous=before).as_dict(False)
    rows = {r["unit"]: r for r in data["rows"]}
    assert rows["U1"]["previous"] == {"score": 100.0, "grade": None, "rank": None,
                                      "unranked_reason": NOTHING_DUE}
    assert rows["U1"]["change"] is None  # a score with nothing due is no level to compare with
    assert rows["U2"]["previous"]["rank"] == 1 and rows["U2"]["previous"]["grade"] is not None
    assert rows["U2"]["change"] == round(rows["U2"]["score"] - before.rows[0].score, 2)


def test_as_of_is_in_the_json_of_a_running_period() -> None:
    cut = datetime(2026, 10, 30, 12, 0, tzinfo=TZ)
    report = EvaluationReport(parse_period("2026-10"), "unit", (), TZ, as_of=cut)
    assert report.as_dict(False)["as_of"] == "2026-10-30T12:00:00+08:00"
    assert "as_of" not in _report([]).as_dict(False)
