"""绩效评价, pure: formulas per object (hand-computed), grades, step tables, periods, config."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from console.domain.errors import ValidationError
from console.domain.evaluation import (
    DEFAULT_CONFIG,
    DUE_COUNTS,
    AcceptorCounts,
    AreaCounts,
    CollectorCounts,
    DispatcherCounts,
    EvaluationConfig,
    Grade,
    IndexKind,
    PeriodKind,
    StepBand,
    StepTable,
    SupervisorCounts,
    UnitCounts,
    config_from_mapping,
    evaluate_acceptor,
    evaluate_area,
    evaluate_collector,
    evaluate_dispatcher,
    evaluate_supervisor,
    evaluate_unit,
    parse_period,
    rate,
)

YAML_FILE = Path(__file__).resolve().parents[2] / "resources" / "evaluation.yaml"


# --- formulas, one hand-computed case per object ------------------------------------------------

def test_unit_formula() -> None:
    """立案 120, 应结案 100, 结案 90, 应处置 80, 按期 72, 返工 8.

    立案数 120 is in 101–200 -> 75 × 10 % = 7.5; 结案率 90/100 -> 90 × 30 % = 27;
    按期处置率 72/80 = 0.9 -> 27; 返工率 8/80 = 0.1 -> (1 − 0.1) × 100 × 30 % = 27.
    Total 88.5 -> B (蓝色).
    """
    ev = evaluate_unit(UnitCounts(filed=120, due_to_close=100, closed=90, due_to_handle=80,
                                  handled_on_time=72, reworked=8))
    assert [i.score for i in ev.indices] == pytest.approx([75, 90, 90, 90])
    assert [i.weight for i in ev.indices] == [10, 30, 30, 30]
    assert ev.index("rework_rate").value == pytest.approx(0.1)
    assert ev.index("rework_rate").kind is IndexKind.BAD_RATE
    assert (ev.score, ev.grade, ev.grade.colour) == (88.5, Grade.B, "蓝色")


def test_collector_formula() -> None:
    """上报 50 (有效 45), 立案 40 (漏报 4), 应核实 10 (按时 8), 应核查 20 (按时 19).

    有效上报率 0.9 -> 90 × 40 % = 36; 漏报率 0.1 -> 90 × 20 % = 18; 按时核实率 0.8 -> 80 × 20 % = 16;
    按时核查率 0.95 -> 95 × 20 % = 19.  Total 89.0 -> B.
    """
    ev = evaluate_collector(CollectorCounts(reports=50, valid=45, filed=40, missed=4, verify_due=10,
                                            verify_on_time=8, check_due=20, check_on_time=19))
    assert [i.score for i in ev.indices] == pytest.approx([90, 90, 80, 95])
    assert (ev.score, ev.grade) == (89.0, Grade.B)


def test_acceptor_formula() -> None:
    """受理 600, 发核实 20 (按时 20), 发核查 40 (按时 30).

    受理数 600 is in 501–1200 -> 75 × 25 % = 18.75; 核实按时派发率 1.0 -> 100 × 40 % = 40;
    核查按时派发率 0.75 -> 75 × 35 % = 26.25.  Total 85.0 -> B.
    """
    ev = evaluate_acceptor(AcceptorCounts(accepted=600, verify_sent=20, verify_sent_on_time=20,
                                          check_sent=40, check_sent_on_time=30))
    assert [i.score for i in ev.indices] == pytest.approx([75, 100, 75])
    assert (ev.score, ev.grade) == (85.0, Grade.B)


def test_supervisor_formula() -> None:
    """立案 200 (按时 190, 作废 10), 结案 100 (按时 80).

    按时立案率 0.95 -> 95 × 25 % = 23.75; 准确立案率 (200 − 10)/200 = 0.95 -> 95 × 40 % = 38;
    按时结案率 0.8 -> 80 × 35 % = 28.  Total 89.75 -> B.
    """
    ev = evaluate_supervisor(SupervisorCounts(filed=200, filed_on_time=190, voided=10, closed=100,
                                              closed_on_time=80))
    assert ev.index("file_accuracy_rate").numerator == 190
    assert (ev.score, ev.grade) == (89.75, Grade.B)


def test_dispatcher_formula() -> None:
    """派遣 250 (按时 225, 回退 25).

    派遣数 250 is in 101–300 -> 40 × 20 % = 8; 按时派遣率 0.9 -> 90 × 40 % = 36;
    准确派遣率 (250 − 25)/250 = 0.9 -> 36.  Total 80.0 -> B.
    """
    ev = evaluate_dispatcher(DispatcherCounts(dispatched=250, dispatched_on_time=225, returned=25))
    assert [i.score for i in ev.indices] == pytest.approx([40, 90, 90])
    assert (ev.score, ev.grade) == (80.0, Grade.B)


def test_area_formula_for_a_cell() -> None:
    """One 一类 cell: 立案 4, 监督举报核实 1, 应结案 4, 结案 3, 按期结案 2.

    监督举报率 1/4 -> 75 × 10 % = 7.5; 立案数 4 in 3–4 -> 75 × 20 % = 15; 结案率 3/4 -> 75 × 30 % = 22.5;
    按期结案率 2/4 -> 50 × 40 % = 20.  Total 65.0 -> C (黄色).
    """
    ev = evaluate_area(AreaCounts(filed=4, reported_verified=1, due_to_close=4, closed=3,
                                  closed_on_time=2))
    assert [i.score for i in ev.indices] == pytest.approx([75, 75, 75, 50])
    assert (ev.score, ev.grade, ev.grade.colour) == (65.0, Grade.C, "黄色")


def test_area_formula_for_a_street_uses_filings_per_cell_and_its_class() -> None:
    """A street of 10 cells with 25 filings: 2.5 per cell.

    一类: 2.5 is above 1–2, so 3–4 -> 75; 二类: 2.5 is within 1–3 -> 90.  With nothing else
    due: 一类 100 × 10 % + 75 × 20 % + 30 + 40 = 95.0; 二类 10 + 18 + 30 + 40 = 98.0.
    """
    one = evaluate_area(AreaCounts(25, 0, 0, 0, 0, cells=10))
    two = evaluate_area(AreaCounts(25, 0, 0, 0, 0, cells=10, region_class="二类"))
    assert one.index("filed").value == 2.5
    assert (one.score, two.score) == (95.0, 98.0)


def test_nothing_due_scores_as_nothing_failed_but_is_not_graded() -> None:
    """Every denominator 0: good rates are 1.0, bad rates 0.0, so every rate index scores 100.

    The score stays the standard's, but an object with nothing due gets no grade: an idle unit
    scoring 100 would otherwise be graded A and rank above the unit that handled everything.
    """
    assert rate(0, 0) == 1.0 and rate(0, 0, bad=True) == 0.0
    assert rate(3, 2) == 1.0  # capped
    unit = evaluate_unit(UnitCounts(0, 0, 0, 0, 0, 0))
    assert (unit.score, unit.grade, unit.due) == (100.0, None, False)
    assert unit.index("close_rate").denominator == 0
    collector = evaluate_collector(CollectorCounts(0, 0, 0, 0, 0, 0, 0, 0))
    assert (collector.score, collector.grade, collector.due) == (100.0, None, False)
    # A count index scores from its table even at 0: an idle acceptor loses the 受理数 quarter.
    acceptor = evaluate_acceptor(AcceptorCounts(0, 0, 0, 0, 0))
    assert (acceptor.score, acceptor.grade) == (75.0, None)
    assert evaluate_supervisor(SupervisorCounts(0, 0, 0, 0, 0)).grade is None
    assert evaluate_dispatcher(DispatcherCounts(0, 0, 0)).grade is None
    assert evaluate_area(AreaCounts(0, 0, 0, 0, 0, cells=36)).grade is None


def _one(cls: type, name: str, **extra: int) -> object:
    """A counts record with every field 0 but ``name`` = 1 (and ``extra``)."""
    from dataclasses import fields

    values = {f.name: 0 for f in fields(cls) if f.name not in ("cells", "region_class")}
    values.update({name: 1, **extra})
    return cls(**values)


EVALUATE = {
    "unit": (UnitCounts, evaluate_unit), "collector": (CollectorCounts, evaluate_collector),
    "acceptor": (AcceptorCounts, evaluate_acceptor),
    "supervisor": (SupervisorCounts, evaluate_supervisor),
    "dispatcher": (DispatcherCounts, evaluate_dispatcher), "area": (AreaCounts, evaluate_area),
}


@pytest.mark.parametrize(("obj", "name"), [(o, n) for o, names in DUE_COUNTS.items() for n in names])
def test_any_due_count_makes_the_object_graded(obj: str, name: str) -> None:
    cls, evaluate = EVALUATE[obj]
    ev = evaluate(_one(cls, name))
    assert ev.due and ev.grade is not None and ev.grade is DEFAULT_CONFIG.grade(ev.score)


@pytest.mark.parametrize(("obj", "name"), [
    ("unit", "filed"), ("unit", "closed"), ("unit", "handled_on_time"), ("unit", "reworked"),
    ("collector", "valid"), ("collector", "missed"), ("acceptor", "verify_sent_on_time"),
    ("supervisor", "voided"), ("dispatcher", "returned"), ("area", "reported_verified"),
])
def test_counts_that_are_no_denominator_make_nothing_due(obj: str, name: str) -> None:
    """A numerator without its denominator (e.g. a unit's rework of a stage due last month,
    a unit sent only cases later voided: 立案 1, 应结案 0) is not something due."""
    cls, evaluate = EVALUATE[obj]
    ev = evaluate(_one(cls, name))
    assert not ev.due and ev.grade is None


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValidationError):
        evaluate_unit(UnitCounts(-1, 0, 0, 0, 0, 0))
    with pytest.raises(ValidationError):
        rate(-1, 3)
    with pytest.raises(ValidationError, match="网格"):
        evaluate_area(AreaCounts(0, 0, 0, 0, 0, cells=0))


def test_float_noise_never_changes_the_grade() -> None:
    """0.9 × 100 is 90.00000000000001 in binary: the score is rounded before grading."""
    ev = evaluate_supervisor(SupervisorCounts(10, 9, 1, 10, 9))
    assert (ev.score, ev.grade) == (90.0, Grade.A)
    ev = evaluate_supervisor(SupervisorCounts(10, 9, 1, 10, 8))  # 22.5 + 36 + 28
    assert (ev.score, ev.grade) == (86.5, Grade.B)


# --- grades -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("score", "grade"), [
    (100, Grade.A), (90, Grade.A), (89.99, Grade.B), (75, Grade.B), (74.99, Grade.C),
    (60, Grade.C), (59.99, Grade.D), (40, Grade.D), (39.99, Grade.E), (0, Grade.E),
])
def test_grade_boundaries(score: float, grade: Grade) -> None:
    assert DEFAULT_CONFIG.grade(score) is grade


def test_grade_colours() -> None:
    assert [(g.value, g.colour) for g in Grade] == [
        ("A", "绿色"), ("B", "蓝色"), ("C", "黄色"), ("D", "红色"), ("E", "黑色")]
    assert all(g.hex.startswith("#") and len(g.hex) == 7 for g in Grade)
    assert Grade.E.colour_en == "black"


# --- step tables: every boundary, both sides ----------------------------------------------------

WORKLOAD = [(0, 0), (100, 0), (101, 40), (300, 40), (301, 60), (500, 60), (501, 75), (1200, 75),
            (1201, 90), (2000, 90), (2001, 100), (99999, 100)]
UNIT_FILED = [(0, 100), (50, 100), (51, 90), (100, 90), (101, 75), (200, 75), (201, 60),
              (500, 60), (501, 40), (1000, 40), (1001, 0)]
AREA_1 = [(0, 100), (1, 90), (2, 90), (3, 75), (4, 75), (5, 60), (6, 60), (7, 40), (8, 40),
          (9, 0), (50, 0), (0.01, 90), (2.01, 75)]
AREA_2 = [(0, 100), (1, 90), (3, 90), (4, 75), (5, 75), (6, 60), (7, 60), (8, 40), (9, 40),
          (10, 0)]


@pytest.mark.parametrize(("table", "cases"), [
    ("workload", WORKLOAD), ("unit_filed", UNIT_FILED), ("area_class1", AREA_1),
    ("area_class2", AREA_2),
])
def test_step_table_boundaries(table: str, cases: list[tuple[float, float]]) -> None:
    steps = DEFAULT_CONFIG.tables[table]
    assert [(v, steps.score(v)) for v, _ in cases] == cases


def test_count_indices_use_their_tables() -> None:
    assert evaluate_acceptor(AcceptorCounts(2001, 0, 0, 0, 0)).index("accepted").score == 100
    assert evaluate_dispatcher(DispatcherCounts(1200, 0, 0)).index("dispatched").score == 75
    assert evaluate_unit(UnitCounts(1001, 0, 0, 0, 0, 0)).index("filed").score == 0
    with pytest.raises(ValidationError):
        DEFAULT_CONFIG.tables["workload"].score(-1)


@pytest.mark.parametrize(("bands", "message"), [
    ((), "为空"),
    (((1, None, 0),), "从 0 开始"),
    (((0, 5, 0), (7, None, 0)), "从 6 开始"),  # gap
    (((0, 5, 0), (5, None, 0)), "从 6 开始"),  # overlap
    (((0, None, 0), (1, None, 0)), "最后一档"),
    (((0, 5, 0), (6, 9, 0)), "最后一档不应设上限"),
    (((0, 5, 120), (6, None, 0)), "0–100"),
    (((0, -1, 0), (0, None, 0)), "上限小于下限"),
])
def test_bad_step_tables(bands: tuple[tuple[int, int | None, float], ...], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        StepTable("t", tuple(StepBand(*b) for b in bands))


# --- periods ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "start", "end", "label", "kind"), [
    ("2026-10-15", date(2026, 10, 15), date(2026, 10, 16), "2026-10-15", PeriodKind.DAY),
    ("2026-W43", date(2026, 10, 19), date(2026, 10, 26), "2026-W43", PeriodKind.WEEK),
    (" 2026-w01 ", date(2025, 12, 29), date(2026, 1, 5), "2026-W01", PeriodKind.WEEK),
    ("2026-W53", date(2026, 12, 28), date(2027, 1, 4), "2026-W53", PeriodKind.WEEK),
    ("2026-10", date(2026, 10, 1), date(2026, 11, 1), "2026-10", PeriodKind.MONTH),
    ("2026-12", date(2026, 12, 1), date(2027, 1, 1), "2026-12", PeriodKind.MONTH),
    ("2024-02", date(2024, 2, 1), date(2024, 3, 1), "2024-02", PeriodKind.MONTH),
    ("2026-Q3", date(2026, 7, 1), date(2026, 10, 1), "2026-Q3", PeriodKind.QUARTER),
    ("2026-q4", date(2026, 10, 1), date(2027, 1, 1), "2026-Q4", PeriodKind.QUARTER),
    ("2026", date(2026, 1, 1), date(2027, 1, 1), "2026", PeriodKind.YEAR),
    ("2026-10-01..2026-10-31", date(2026, 10, 1), date(2026, 11, 1), "2026-10-01..2026-10-31",
     PeriodKind.CUSTOM),
    ("2026-10-05..2026-10-05", date(2026, 10, 5), date(2026, 10, 6), "2026-10-05..2026-10-05",
     PeriodKind.CUSTOM),
])
def test_parse_period(text: str, start: date, end: date, label: str, kind: PeriodKind) -> None:
    p = parse_period(text)
    assert (p.start, p.end, p.label, p.kind) == (start, end, label, kind)
    assert parse_period(p.label) == p  # labels read back


@pytest.mark.parametrize(("text", "previous"), [
    ("2026-10-15", "2026-10-14"), ("2026-01-01", "2025-12-31"), ("2026-W43", "2026-W42"),
    ("2026-W01", "2025-W52"), ("2027-W01", "2026-W53"), ("2026-10", "2026-09"),
    ("2026-01", "2025-12"), ("2026-Q3", "2026-Q2"), ("2026-Q1", "2025-Q4"), ("2026", "2025"),
    ("2026-10-01..2026-10-31", "2026-08-31..2026-09-30"),
    ("2026-03-01..2026-03-01", "2026-02-28..2026-02-28"),
])
def test_previous_period(text: str, previous: str) -> None:
    p = parse_period(text)
    before = p.previous()
    assert before.label == previous
    assert before.end == p.start and before.kind is p.kind


@pytest.mark.parametrize("text", [
    "", "   ", "abc", "2026-13", "2026-00", "2026-02-30", "2026-Q5", "2026-Q0", "2026-W00",
    "2025-W53", "26-10", "2026/10", "2026-1", "2026-10-31..2026-10-01", "2026-10-01..",
    "1899", "2026-10-01..2026-13-01", "２０２６",
])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_period(text)
    message = info.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)  # Chinese …
    assert "/" in message and any(ch.isascii() and ch.isalpha() for ch in message)  # … and English


def test_unrecognised_period_message_lists_the_formats() -> None:
    with pytest.raises(ValidationError, match=r"2026-W43.*2026-Q3.*use 2026-10-15"):
        parse_period("October")


def test_period_bounds_are_local_midnights() -> None:
    p = parse_period("2026-10")
    start, end = p.bounds(ZoneInfo("Asia/Shanghai"))
    assert start.astimezone(UTC) == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 10, 31, 16, tzinfo=UTC)
    data = p.as_dict(ZoneInfo("Asia/Shanghai"))
    assert data["last_day"] == "2026-10-31" and data["days"] == 31
    assert data["timezone"] == "Asia/Shanghai" and data["start_at"].endswith("+08:00")
    assert (p.label_zh, parse_period("2026-W43").label_zh, parse_period("2026-Q3").label_zh) == (
        "2026年10月", "2026年第43周", "2026年第3季度")


# --- configuration ------------------------------------------------------------------------------

def test_shipped_yaml_is_the_default() -> None:
    data = yaml.safe_load(YAML_FILE.read_text(encoding="utf-8"))
    assert config_from_mapping(data) == DEFAULT_CONFIG
    assert config_from_mapping({}) == DEFAULT_CONFIG


def test_config_overrides() -> None:
    config = config_from_mapping({
        "weights": {"area": {"report_rate": 10, "filed": 20, "close_rate": 30,
                             "close_on_time_rate": 40}},
        "step_tables": {"small_units": [{"from": 0, "to": 10, "score": 100},
                                        {"from": 11, "score": 0}]},
        "unit_tables": {"KH-QXJ": "small_units"},
        "area_classes": {"330824100": "二类", "330824100001001": "一类"},
        "send_check_minutes": 45,
    })
    counts = UnitCounts(20, 0, 0, 0, 0, 0)
    assert evaluate_unit(counts, config, "KH-QXJ").index("filed").score == 0
    assert evaluate_unit(counts, config, "KH-ZHZF").index("filed").score == 100
    assert config.area_class("330824100002003") == "二类"
    assert config.area_class("330824100001001") == "一类"  # the longest prefix wins
    assert config.area_class("330824001001001") == "一类"
    assert config.send_check_minutes == 45


@pytest.mark.parametrize(("data", "message"), [
    ([], "映射"),
    ({"colour": 1}, "未知字段"),
    ({"weights": {"unit": {"filed": 10, "close_rate": 30, "on_time_rate": 30,
                           "rework_rate": 20}}}, "合计 90"),
    ({"weights": {"unit": {"filed": 100}}}, "恰好包含"),
    ({"weights": {"team": {}}}, "未知对象"),
    ({"weights": {"unit": {"filed": "ten", "close_rate": 30, "on_time_rate": 30,
                           "rework_rate": 30}}}, "数字"),
    ({"grades": {"A": 90, "B": 95, "C": 60, "D": 40, "E": 0}}, "严格递减"),
    ({"grades": {"A": 90, "B": 75, "C": 60, "D": 40, "E": 5}}, "E 为 0"),
    ({"grades": {"A": 90, "B": 75}}, "A–E"),
    ({"step_tables": {"workload": [{"from": 0, "to": 10, "score": 0}, {"from": 12, "score": 1}]}},
     "从 11 开始"),
    ({"step_tables": {"workload": [{"from": 0, "score": 0, "note": "x"}]}}, "未知字段"),
    ({"step_tables": {"workload": [{"from": 0.5, "score": 0}]}}, "整数"),
    ({"count_tables": {"unit": "nope"}}, "不存在的分值表"),
    ({"area_classes": {"330824": "三类"}}, "三类"),
    ({"send_check_minutes": 0}, "正整数"),
])
def test_bad_config(data: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        config_from_mapping(data)


def test_weights_are_validated_even_without_the_file() -> None:
    with pytest.raises(ValidationError, match="unit"):
        EvaluationConfig(weights={**DEFAULT_CONFIG.weights, "unit": {"filed": 1}})
