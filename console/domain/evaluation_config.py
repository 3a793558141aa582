"""The 绩效评价 configuration: indices per object, weights, step tables and grade bands.

Everything a centre may tune is data (``resources/evaluation.yaml``, read by
:func:`config_from_mapping`); :data:`DEFAULT_CONFIG` holds the same values so the formulas work
without the file.  The numbers are GB/T 30428.4 / CJ/T 292 as implemented in R-unicom
(``shared/reference/standards.md`` §6.1–6.2).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from console.domain.errors import ValidationError


class Grade(enum.StrEnum):
    """评价等级 A–E and the colour each is shown in (standards.md §6.1)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"

    @property
    def colour(self) -> str:
        """The colour's Chinese name: 绿色 / 蓝色 / 黄色 / 红色 / 黑色."""
        return _COLOURS[self][0]

    @property
    def colour_en(self) -> str:
        """The colour's English name."""
        return _COLOURS[self][1]

    @property
    def hex(self) -> str:
        """The colour as ``#RRGGBB`` for badges and charts."""
        return _COLOURS[self][2]


_COLOURS: Mapping[Grade, tuple[str, str, str]] = {
    Grade.A: ("绿色", "green", "#2E7D32"),
    Grade.B: ("蓝色", "blue", "#1565C0"),
    Grade.C: ("黄色", "yellow", "#F9A825"),
    Grade.D: ("红色", "red", "#C62828"),
    Grade.E: ("黑色", "black", "#212121"),
}


class IndexKind(enum.StrEnum):
    """How an index turns into a 0–100 分值."""

    RATE = "rate"  # rate × 100
    BAD_RATE = "bad_rate"  # (1 − rate) × 100
    COUNT = "count"  # a step table


@dataclass(frozen=True, slots=True)
class IndexDef:
    """One index of an object's formula."""

    key: str
    label: str
    kind: IndexKind


R, B, C = IndexKind.RATE, IndexKind.BAD_RATE, IndexKind.COUNT

#: The objects evaluated and their indices, in the standard's order (§6.2).
INDICES: Mapping[str, tuple[IndexDef, ...]] = {
    "unit": (
        IndexDef("filed", "立案数", C),
        IndexDef("close_rate", "结案率", R),
        IndexDef("on_time_rate", "按期处置率", R),
        IndexDef("rework_rate", "返工率", B),
    ),
    "collector": (
        IndexDef("valid_report_rate", "有效上报率", R),
        IndexDef("missed_rate", "漏报率", B),
        IndexDef("verify_on_time_rate", "按时核实率", R),
        IndexDef("check_on_time_rate", "按时核查率", R),
    ),
    "acceptor": (
        IndexDef("accepted", "受理数", C),
        IndexDef("verify_sent_on_time_rate", "核实按时派发率", R),
        IndexDef("check_sent_on_time_rate", "核查按时派发率", R),
    ),
    "supervisor": (
        IndexDef("file_on_time_rate", "按时立案率", R),
        IndexDef("file_accuracy_rate", "准确立案率", R),
        IndexDef("close_on_time_rate", "按时结案率", R),
    ),
    "dispatcher": (
        IndexDef("dispatched", "派遣数", C),
        IndexDef("dispatch_on_time_rate", "按时派遣率", R),
        IndexDef("dispatch_accuracy_rate", "准确派遣率", R),
    ),
    "area": (
        IndexDef("report_rate", "监督举报率", B),
        IndexDef("filed", "立案数", C),
        IndexDef("close_rate", "结案率", R),
        IndexDef("close_on_time_rate", "按期结案率", R),
    ),
}

#: Chinese names of the objects, for titles.
OBJECT_LABELS: Mapping[str, str] = {
    "unit": "专业部门",
    "collector": "监督员",
    "acceptor": "受理员",
    "supervisor": "值班长",
    "dispatcher": "派遣员",
    "area": "区域",
}


@dataclass(frozen=True, slots=True)
class StepBand:
    """Counts ``low`` to ``high`` (both included; ``high`` None = no upper end) score ``score``."""

    low: int
    high: int | None
    score: float


@dataclass(frozen=True, slots=True)
class StepTable:
    """A count index's score table: contiguous bands from 0 upwards, the last one open.

    Raises
    ------
    ValidationError
        Bands that do not start at 0, leave a gap or overlap, do not end open, or score
        outside 0–100.
    """

    name: str
    bands: tuple[StepBand, ...]

    def __post_init__(self) -> None:
        where = f"分值表 {self.name}"
        if not self.bands:
            raise ValidationError(f"{where} 为空 / empty step table")
        expected = 0
        for i, band in enumerate(self.bands):
            if band.low != expected:
                raise ValidationError(
                    f"{where} 第 {i + 1} 档应从 {expected} 开始，实为 {band.low}（不得有空档或重叠）"
                    " / bands must be contiguous from 0"
                )
            if not 0 <= band.score <= 100:
                raise ValidationError(f"{where} 第 {i + 1} 档分值 {band.score} 不在 0–100 / score out of range")
            last = i == len(self.bands) - 1
            if band.high is None:
                if not last:
                    raise ValidationError(f"{where} 只有最后一档可以不设上限 / only the last band is open")
                break
            if band.high < band.low:
                raise ValidationError(f"{where} 第 {i + 1} 档上限小于下限 / band ends before it starts")
            if last:
                raise ValidationError(f"{where} 最后一档不应设上限 / the last band must be open")
            expected = band.high + 1

    def score(self, value: float) -> float:
        """The score of a count (or a per-cell average: a value above a band's ``high`` is in
        the next band, so 2.5 falls in 3–4)."""
        if value < 0:
            raise ValidationError(f"计数 {value} 不能为负 / a count cannot be negative")
        for band in self.bands:
            if band.high is None or value <= band.high:
                return band.score
        raise AssertionError("unreachable: the last band is open")  # pragma: no cover


def _table(name: str, rows: tuple[tuple[int, int | None, float], ...]) -> StepTable:
    return StepTable(name, tuple(StepBand(lo, hi, float(sc)) for lo, hi, sc in rows))


#: §6.2 受理数 / 派遣数: more work scores higher.
WORKLOAD = _table("workload", (
    (0, 100, 0), (101, 300, 40), (301, 500, 60), (501, 1200, 75), (1201, 2000, 90),
    (2001, None, 100),
))
#: §6.2 专业部门 立案数: fewer problems in a unit's remit score higher.  The source lists
#: "501–1000 → 40; ≥1000 → 0"; 1000 is read as 40 (the explicit range wins) and 0 starts at 1001.
UNIT_FILED = _table("unit_filed", (
    (0, 50, 100), (51, 100, 90), (101, 200, 75), (201, 500, 60), (501, 1000, 40), (1001, None, 0),
))
#: §6.2 区域 立案数 per grid cell and period, 一类区域.
AREA_CLASS1 = _table("area_class1", (
    (0, 0, 100), (1, 2, 90), (3, 4, 75), (5, 6, 60), (7, 8, 40), (9, None, 0),
))
#: §6.2 区域 立案数 per grid cell and period, 二类区域.
AREA_CLASS2 = _table("area_class2", (
    (0, 0, 100), (1, 3, 90), (4, 5, 75), (6, 7, 60), (8, 9, 40), (10, None, 0),
))


def _default_weights() -> dict[str, dict[str, float]]:
    return {
        "unit": {"filed": 10, "close_rate": 30, "on_time_rate": 30, "rework_rate": 30},
        "collector": {"valid_report_rate": 40, "missed_rate": 20, "verify_on_time_rate": 20,
                      "check_on_time_rate": 20},
        "acceptor": {"accepted": 25, "verify_sent_on_time_rate": 40, "check_sent_on_time_rate": 35},
        "supervisor": {"file_on_time_rate": 25, "file_accuracy_rate": 40, "close_on_time_rate": 35},
        "dispatcher": {"dispatched": 20, "dispatch_on_time_rate": 40, "dispatch_accuracy_rate": 40},
        # [?] in the source (its code sums to 70 %); 10/20/30/40 is the most likely reading.
        "area": {"report_rate": 10, "filed": 20, "close_rate": 30, "close_on_time_rate": 40},
    }


@dataclass(frozen=True, slots=True)
class EvaluationConfig:
    """Weights, step tables, grade bands and the few counting parameters.

    Parameters
    ----------
    weights : Mapping[str, Mapping[str, float]]
        Per object (``unit``, ``collector`` …) the weight in percent of each index of
        :data:`INDICES`; each object's weights sum to 100.
    tables : Mapping[str, StepTable]
        Step tables by name.
    grades : Mapping[Grade, float]
        Lowest score of each grade: A 90, B 75, C 60, D 40, E 0.
    count_tables : Mapping[str, str]
        Which table each object's count index uses (``acceptor``, ``dispatcher``, ``unit``).
    unit_tables : Mapping[str, str]
        Per unit code, a table replacing ``count_tables["unit"]`` ("宜根据部门工作职责分组设定").
    area_tables : Mapping[str, str]
        Per region class (一类/二类), the table of the area 立案数 index.
    area_classes : Mapping[str, str]
        Grid-code prefix -> region class; the longest matching prefix wins.
    default_area_class : str
        The class of an area no prefix matches.
    send_check_minutes : int
        Working minutes an acceptor has to send a 核查 task after the unit's feedback.
    """

    weights: Mapping[str, Mapping[str, float]] = field(default_factory=_default_weights)
    tables: Mapping[str, StepTable] = field(default_factory=lambda: {
        t.name: t for t in (WORKLOAD, UNIT_FILED, AREA_CLASS1, AREA_CLASS2)
    })
    grades: Mapping[Grade, float] = field(default_factory=lambda: {
        Grade.A: 90.0, Grade.B: 75.0, Grade.C: 60.0, Grade.D: 40.0, Grade.E: 0.0,
    })
    count_tables: Mapping[str, str] = field(default_factory=lambda: {
        "acceptor": "workload", "dispatcher": "workload", "unit": "unit_filed",
    })
    unit_tables: Mapping[str, str] = field(default_factory=dict)
    area_tables: Mapping[str, str] = field(default_factory=lambda: {
        "一类": "area_class1", "二类": "area_class2",
    })
    area_classes: Mapping[str, str] = field(default_factory=dict)
    default_area_class: str = "一类"
    send_check_minutes: int = 30

    def __post_init__(self) -> None:
        for obj, defs in INDICES.items():
            given = self.weights.get(obj)
            if given is None:
                raise ValidationError(f"缺少 {obj} 的权重 / missing weights for '{obj}'")
            keys = {d.key for d in defs}
            if set(given) != keys:
                raise ValidationError(
                    f"{obj} 的权重应恰好包含 {', '.join(sorted(keys))} / wrong index names for '{obj}'"
                )
            if any(w < 0 for w in given.values()):
                raise ValidationError(f"{obj} 的权重不能为负 / negative weight")
            total = sum(given.values())
            if abs(total - 100) > 1e-6:
                raise ValidationError(f"{obj} 的权重合计 {total:g}，应为 100 / weights must sum to 100")
        bounds = [self.grades.get(g) for g in Grade]
        if any(b is None for b in bounds):
            raise ValidationError("等级 A–E 须各有下限 / every grade needs a lower bound")
        values = [float(b) for b in bounds if b is not None]
        if values[-1] != 0 or values[0] > 100 or any(a <= b for a, b in pairwise(values)):
            raise ValidationError(
                "等级下限应严格递减且 E 为 0、A 不超过 100 / grade bounds must fall strictly to E = 0"
            )
        for where, name in [*self.count_tables.items(), *self.unit_tables.items(),
                            *self.area_tables.items()]:
            if name not in self.tables:
                raise ValidationError(f"{where} 引用了不存在的分值表 {name!r} / unknown step table")
        for obj in ("acceptor", "dispatcher", "unit"):
            if obj not in self.count_tables:
                raise ValidationError(f"缺少 {obj} 计数指标的分值表 / missing count table for '{obj}'")
        for cls in {self.default_area_class, *self.area_classes.values()}:
            if cls not in self.area_tables:
                raise ValidationError(f"区域类别 {cls!r} 没有分值表 / no step table for region class")
        if self.send_check_minutes <= 0:
            raise ValidationError("send_check_minutes 应为正整数 / must be positive")

    def grade(self, score: float) -> Grade:
        """The grade of a 0–100 score (bands are closed below, open above: 90 is A, 89.99 B)."""
        for g in Grade:
            if score >= self.grades[g]:
                return g
        return Grade.E

    def table_for(self, obj: str, key: str | None = None) -> StepTable:
        """The step table of an object's count index (``key``: a unit code or a region class)."""
        if obj == "area":
            return self.tables[self.area_tables[key or self.default_area_class]]
        if obj == "unit" and key is not None and key in self.unit_tables:
            return self.tables[self.unit_tables[key]]
        return self.tables[self.count_tables[obj]]

    def area_class(self, code: str) -> str:
        """The region class of an area code: the longest configured prefix, else the default."""
        best = ""
        for prefix in self.area_classes:
            if code.startswith(prefix) and len(prefix) > len(best):
                best = prefix
        return self.area_classes[best] if best else self.default_area_class


DEFAULT_CONFIG = EvaluationConfig()


# --- reading the YAML document (already parsed into plain data) ------------------------------

def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where} 应为映射 / '{where}' must be a mapping")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{where} 应为数字，实为 {value!r} / '{where}' must be a number")
    return float(value)


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{where} 应为整数，实为 {value!r} / '{where}' must be a whole number")
    return value


def _step_table(name: str, rows: Any) -> StepTable:
    where = f"step_tables.{name}"
    if not isinstance(rows, list):
        raise ValidationError(f"{where} 应为列表 / '{where}' must be a list")
    bands = []
    for i, row in enumerate(rows, 1):
        r = _mapping(row, f"{where}[{i}]")
        unknown = set(r) - {"from", "to", "score"}
        if unknown:
            raise ValidationError(f"{where}[{i}] 含未知字段 {sorted(unknown)} / unknown keys")
        high = r.get("to")
        bands.append(StepBand(
            _int(r.get("from"), f"{where}[{i}].from"),
            None if high is None else _int(high, f"{where}[{i}].to"),
            _number(r.get("score"), f"{where}[{i}].score"),
        ))
    return StepTable(name, tuple(bands))


_TOP_KEYS = {"version", "grades", "weights", "step_tables", "count_tables", "unit_tables",
             "area_tables", "area_classes", "default_area_class", "send_check_minutes"}


def config_from_mapping(data: Any) -> EvaluationConfig:
    """Build and validate a configuration from a parsed ``evaluation.yaml``.

    Keys left out keep their defaults (:data:`DEFAULT_CONFIG`); ``step_tables`` add to or
    replace the built-in tables by name.

    Raises
    ------
    ValidationError
        An unknown key, a wrong type, weights that do not sum to 100, gaps in a step table,
        grade bounds out of order, or a reference to a table that does not exist.
    """
    doc = _mapping(data, "evaluation.yaml")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise ValidationError(f"evaluation.yaml 含未知字段 {sorted(unknown)} / unknown keys")
    base = DEFAULT_CONFIG
    changes: dict[str, Any] = {}
    if "grades" in doc:
        grades = _mapping(doc["grades"], "grades")
        if set(grades) != {g.value for g in Grade}:
            raise ValidationError("grades 应恰好列出 A、B、C、D、E / list exactly A–E")
        changes["grades"] = {Grade(k): _number(v, f"grades.{k}") for k, v in grades.items()}
    if "weights" in doc:
        weights = {str(obj): {str(k): _number(v, f"weights.{obj}.{k}")
                              for k, v in _mapping(idx, f"weights.{obj}").items()}
                   for obj, idx in _mapping(doc["weights"], "weights").items()}
        unknown_objects = set(weights) - set(INDICES)
        if unknown_objects:
            raise ValidationError(f"weights 含未知对象 {sorted(unknown_objects)} / unknown object")
        changes["weights"] = {**base.weights, **weights}
    if "step_tables" in doc:
        tables = dict(base.tables)
        for name, rows in _mapping(doc["step_tables"], "step_tables").items():
            tables[str(name)] = _step_table(str(name), rows)
        changes["tables"] = tables
    for key in ("count_tables", "unit_tables", "area_tables", "area_classes"):
        if key in doc:
            value = {} if doc[key] is None else _mapping(doc[key], key)
            changes[key] = {str(k): str(v) for k, v in value.items()}
    if "count_tables" in changes:
        changes["count_tables"] = {**base.count_tables, **changes["count_tables"]}
    if "default_area_class" in doc:
        changes["default_area_class"] = str(doc["default_area_class"])
    if "send_check_minutes" in doc:
        changes["send_check_minutes"] = _int(doc["send_check_minutes"], "send_check_minutes")
    fields = {f: getattr(base, f) for f in EvaluationConfig.__dataclass_fields__}
    return EvaluationConfig(**{**fields, **changes})
