"""绩效评价: the standard's indices, 分值, weights and grades, from counts (pure).

Each evaluated object has a counts record (``UnitCounts`` …) and a function turning it into an
:class:`Evaluation`: every index's value and 0–100 分值, the weighted 综合指标值 and its grade
(``shared/reference/standards.md`` §6.1–6.2):

* a rate scores ``rate × 100``; a "bad" rate (漏报率, 返工率, 监督举报率) ``(1 − rate) × 100``;
* a count scores from a step table (:class:`~console.domain.evaluation_config.StepTable`);
* the score is the weighted sum, rounded to 2 decimals, and the grade is read from the rounded
  score, so the number shown and the colour shown always agree.

Rates are fractions 0–1, capped at 1 (a few numerators, such as 漏报数, count events that need
not fall in the denominator's set).  **A rate whose denominator is 0 is 1.0 for a good rate and
0.0 for a bad one: nothing was due, so nothing failed.**  Every index keeps its numerator and
denominator, so a reader can tell "0 of 0" from "10 of 10".

**An object with nothing due is neither graded nor ranked.**  Scoring 0 of 0 as 100 keeps the
standard's formulas whole, but a unit that was sent no work would then outrank the unit that
handled a thousand cases.  Each object type names the counts that make something due
(:data:`DUE_COUNTS`: its rate denominators, and the workload a step table reads); when all of
them are 0 the :class:`Evaluation` keeps its score but has ``due`` False and no grade, and the
league table lists it after the ranked objects with :data:`NOTHING_DUE` as the reason.

Where the counts come from (the event log) is ``console/services/evaluation.py``'s business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from console.domain.errors import ValidationError
from console.domain.evaluation_config import (
    DEFAULT_CONFIG,
    INDICES,
    OBJECT_LABELS,
    EvaluationConfig,
    Grade,
    IndexDef,
    IndexKind,
    StepBand,
    StepTable,
    config_from_mapping,
)
from console.domain.evaluation_period import Period, PeriodKind, parse_period

__all__ = [
    "DEFAULT_CONFIG",
    "DUE_COUNTS",
    "INDICES",
    "NOTHING_DUE",
    "OBJECT_LABELS",
    "AcceptorCounts",
    "AreaCounts",
    "CollectorCounts",
    "DispatcherCounts",
    "Evaluation",
    "EvaluationConfig",
    "Grade",
    "IndexDef",
    "IndexKind",
    "IndexScore",
    "Period",
    "PeriodKind",
    "StepBand",
    "StepTable",
    "SupervisorCounts",
    "UnitCounts",
    "config_from_mapping",
    "evaluate_acceptor",
    "evaluate_area",
    "evaluate_collector",
    "evaluate_dispatcher",
    "evaluate_supervisor",
    "evaluate_unit",
    "has_due",
    "parse_period",
    "rate",
]


#: Why an object has no rank and no grade: nothing fell due in the period.
NOTHING_DUE: Final = "本期无应处置案件"

#: Per object type, the counts (fields of its counts record) that make something due.  When
#: every one is 0 the object is not graded and not ranked.  They are the denominators of its
#: rates, plus the workload a count index scores (受理数, 派遣数):
#:
#: * unit: 应处置数 and 应结案数 (nothing to handle, nothing to close; 立案数 minus the voided
#:   ones is 应结案数, so a unit sent only cases later voided has nothing due);
#: * collector: decided reports (上报数 less the pending ones), 立案数 in its cells (漏报率),
#:   应核实数 and 应核查数;
#: * acceptor: 受理数, 发核实数 and 发核查数;
#: * supervisor: 立案数 and 结案数;
#: * dispatcher: 派遣数 (= 应派遣数);
#: * area: 立案数 and 应结案数.
DUE_COUNTS: Final[Mapping[str, tuple[str, ...]]] = {
    "unit": ("due_to_handle", "due_to_close"),
    "collector": ("reports", "filed", "verify_due", "check_due"),
    "acceptor": ("accepted", "verify_sent", "check_sent"),
    "supervisor": ("filed", "closed"),
    "dispatcher": ("dispatched",),
    "area": ("filed", "due_to_close"),
}


def rate(numerator: int, denominator: int, *, bad: bool = False) -> float:
    """``numerator / denominator`` capped to 0–1; 0/0 is 1.0 for a good rate, 0.0 for a bad one.

    Raises
    ------
    ValidationError
        A negative count.
    """
    if numerator < 0 or denominator < 0:
        raise ValidationError("计数不能为负 / counts cannot be negative")
    if denominator == 0:
        return 0.0 if bad else 1.0
    return min(1.0, numerator / denominator)


@dataclass(frozen=True, slots=True)
class IndexScore:
    """One index of an evaluation: its value (a rate or a count), 分值 and weight in percent."""

    key: str
    label: str
    kind: IndexKind
    value: float
    score: float
    weight: float
    numerator: float
    denominator: int | None = None  # None for a count index

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "label": self.label, "kind": self.kind.value, "value": self.value,
            "score": self.score, "weight": self.weight, "numerator": self.numerator,
            "denominator": self.denominator,
        }


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The indices of one object, its 综合指标值 (0–100, 2 decimals) and grade.

    ``due`` is False when nothing fell due in the period (every count of
    :data:`DUE_COUNTS` is 0): the score is still the formula's, but ``grade`` is None and the
    object is not ranked.
    """

    indices: tuple[IndexScore, ...]
    score: float
    grade: Grade | None
    due: bool = True

    def index(self, key: str) -> IndexScore:
        """The index named ``key``."""
        for idx in self.indices:
            if idx.key == key:
                return idx
        raise KeyError(key)


def _check(counts: Any) -> None:
    for f in fields(counts):
        value = getattr(counts, f.name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ValidationError(f"{f.name} 不能为负 / '{f.name}' cannot be negative")


def has_due(obj: str, counts: Any) -> bool:
    """Whether any of the counts :data:`DUE_COUNTS` names for ``obj`` is above 0."""
    return any(getattr(counts, name) > 0 for name in DUE_COUNTS[obj])


def _combine(
    obj: str,
    values: Mapping[str, tuple[float, int | None]],
    config: EvaluationConfig,
    table: StepTable | None = None,
    *,
    due: bool = True,
) -> Evaluation:
    """Score every index of ``obj`` from (value or numerator, denominator) and weight them.

    A rate index is given as (numerator, denominator); a count index as (count, None).
    Without ``due`` the score is computed all the same, but no grade is given.
    """
    weights = config.weights[obj]
    out = []
    total = 0.0
    for d in INDICES[obj]:
        num, den = values[d.key]
        if d.kind is IndexKind.COUNT:
            assert table is not None
            value = float(num)
            score = table.score(value)
        else:
            assert den is not None
            value = rate(int(num), den, bad=d.kind is IndexKind.BAD_RATE)
            score = (1.0 - value) * 100 if d.kind is IndexKind.BAD_RATE else value * 100
        weight = float(weights[d.key])
        total += score * weight / 100
        out.append(IndexScore(d.key, d.label, d.kind, value, round(score, 4), weight, num, den))
    score = round(total, 2)
    return Evaluation(tuple(out), score, config.grade(score) if due else None, due)


@dataclass(frozen=True, slots=True)
class UnitCounts:
    """专业部门: 立案数, 应结案/结案, 应处置/按期处置, 返工 in the period."""

    filed: int
    due_to_close: int
    closed: int
    due_to_handle: int
    handled_on_time: int
    reworked: int


def evaluate_unit(
    counts: UnitCounts, config: EvaluationConfig = DEFAULT_CONFIG, unit: str | None = None
) -> Evaluation:
    """立案数分值×10% + 结案率×100×30% + 按期处置率×100×30% + (1−返工率)×100×30%.

    结案率 = 结案数/应结案数, 按期处置率 = 按期处置数/应处置数, 返工率 = 返工数/应处置数.
    ``unit`` picks a unit-group step table when the configuration has one for it.
    """
    _check(counts)
    c = counts
    return _combine("unit", {
        "filed": (c.filed, None),
        "close_rate": (c.closed, c.due_to_close),
        "on_time_rate": (c.handled_on_time, c.due_to_handle),
        "rework_rate": (c.reworked, c.due_to_handle),
    }, config, config.table_for("unit", unit), due=has_due("unit", c))


@dataclass(frozen=True, slots=True)
class CollectorCounts:
    """监督员: 上报/有效上报, 漏报 against 立案 in the collector's cells, 核实 and 核查."""

    reports: int  # 上报数 (reports whose fate was decided in the period)
    valid: int  # 有效上报数
    filed: int  # 立案数 in the collector's grid cells
    missed: int  # 漏报数
    verify_due: int
    verify_on_time: int
    check_due: int
    check_on_time: int


def evaluate_collector(counts: CollectorCounts, config: EvaluationConfig = DEFAULT_CONFIG) -> Evaluation:
    """有效上报率×40% + (1−漏报率)×20% + 按时核实率×20% + 按时核查率×20% (×100 each)."""
    _check(counts)
    c = counts
    return _combine("collector", {
        "valid_report_rate": (c.valid, c.reports),
        "missed_rate": (c.missed, c.filed),
        "verify_on_time_rate": (c.verify_on_time, c.verify_due),
        "check_on_time_rate": (c.check_on_time, c.check_due),
    }, config, due=has_due("collector", c))


@dataclass(frozen=True, slots=True)
class AcceptorCounts:
    """受理员: 受理数, 发核实 and 发核查 (sent / sent on time)."""

    accepted: int
    verify_sent: int
    verify_sent_on_time: int
    check_sent: int
    check_sent_on_time: int


def evaluate_acceptor(counts: AcceptorCounts, config: EvaluationConfig = DEFAULT_CONFIG) -> Evaluation:
    """受理数分值×25% + 核实按时派发率×100×40% + 核查按时派发率×100×35%."""
    _check(counts)
    c = counts
    return _combine("acceptor", {
        "accepted": (c.accepted, None),
        "verify_sent_on_time_rate": (c.verify_sent_on_time, c.verify_sent),
        "check_sent_on_time_rate": (c.check_sent_on_time, c.check_sent),
    }, config, config.table_for("acceptor"), due=has_due("acceptor", c))


@dataclass(frozen=True, slots=True)
class SupervisorCounts:
    """值班长: 立案 (on time, later voided) and 结案 (on time)."""

    filed: int
    filed_on_time: int
    voided: int
    closed: int
    closed_on_time: int


def evaluate_supervisor(counts: SupervisorCounts, config: EvaluationConfig = DEFAULT_CONFIG) -> Evaluation:
    """按时立案率×25% + 准确立案率×40% + 按时结案率×35% (×100 each).

    准确立案数 = 立案数 − 作废数 (never below 0).
    """
    _check(counts)
    c = counts
    return _combine("supervisor", {
        "file_on_time_rate": (c.filed_on_time, c.filed),
        "file_accuracy_rate": (max(0, c.filed - c.voided), c.filed),
        "close_on_time_rate": (c.closed_on_time, c.closed),
    }, config, due=has_due("supervisor", c))


@dataclass(frozen=True, slots=True)
class DispatcherCounts:
    """派遣员: 派遣数 (= 应派遣数), on time, and how many of them were returned."""

    dispatched: int
    dispatched_on_time: int
    returned: int


def evaluate_dispatcher(counts: DispatcherCounts, config: EvaluationConfig = DEFAULT_CONFIG) -> Evaluation:
    """派遣数分值×20% + 按时派遣率×100×40% + 准确派遣率×100×40%.

    准确派遣数 = 应派遣数 − 回退数 (never below 0).
    """
    _check(counts)
    c = counts
    return _combine("dispatcher", {
        "dispatched": (c.dispatched, None),
        "dispatch_on_time_rate": (c.dispatched_on_time, c.dispatched),
        "dispatch_accuracy_rate": (max(0, c.dispatched - c.returned), c.dispatched),
    }, config, config.table_for("dispatcher"), due=has_due("dispatcher", c))


@dataclass(frozen=True, slots=True)
class AreaCounts:
    """区域 (grid cell, community or street): 立案, 监督举报核实, 应结案/结案/按期结案.

    ``cells`` is how many grid cells the area has: the 立案数 step table is per cell, so a
    community or street is scored on its 立案数 per cell.  ``untimed`` is how many of the
    closed cases had no clock to judge their handling by (imported without a dispatch or
    due time): they are neither on time nor late, so 按期结案率 leaves them out.
    """

    filed: int
    reported_verified: int
    due_to_close: int
    closed: int
    closed_on_time: int
    cells: int = 1
    region_class: str = "一类"
    untimed: int = 0


def evaluate_area(counts: AreaCounts, config: EvaluationConfig = DEFAULT_CONFIG) -> Evaluation:
    """(1−监督举报率)×10% + 立案数分值×20% + 结案率×30% + 按期结案率×40% (weights [?], §6.2).

    监督举报率 = 监督举报核实数/立案数; 结案率 = 结案数/应结案数; 按期结案率 = 按期结案数/
    (应结案数 − 未计时结案数).
    """
    _check(counts)
    c = counts
    if c.cells < 1:
        raise ValidationError("区域至少包含 1 个网格 / an area has at least one cell")
    per_cell = c.filed / c.cells
    return _combine("area", {
        "report_rate": (c.reported_verified, c.filed),
        "filed": (per_cell, None),
        "close_rate": (c.closed, c.due_to_close),
        "close_on_time_rate": (c.closed_on_time, max(0, c.due_to_close - c.untimed)),
    }, config, config.table_for("area", c.region_class), due=has_due("area", c))
