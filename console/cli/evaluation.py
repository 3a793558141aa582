"""``citydesk eval``: the 绩效评价 league table of a period, from the event log.

``citydesk eval --period 2026-10 --object unit [--compare] [--json]``; ``--object area`` takes
``--area-level grid|community|street``.  Weights, step tables and grade bands come from
``resources/evaluation.yaml`` (or ``--config FILE``).  Read only: the database never changes.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from console.cli.common import emit
from console.cli.setup import open_app
from console.domain.errors import ValidationError
from console.domain.evaluation import (
    DEFAULT_CONFIG,
    OBJECT_LABELS,
    EvaluationConfig,
    Period,
    config_from_mapping,
    parse_period,
)
from console.services.access import scoped_factory
from console.services.evaluation import (
    AREA_LEVEL_LABELS,
    AREA_LEVELS,
    OBJECTS,
    EvaluationReport,
    evaluate,
)

DEFAULT_CONFIG_FILE = Path(__file__).resolve().parent.parent / "resources" / "evaluation.yaml"


def load_evaluation_config(path: Path | None = None) -> EvaluationConfig:
    """Read ``evaluation.yaml`` (``path``, else the shipped file).

    Falls back to the built-in defaults (the same values) only when no path was given and the
    shipped file is absent, as in an installation without the resources folder.

    Raises
    ------
    ValidationError
        A missing file that was asked for, bad YAML, or a configuration that does not validate.
    """
    file = path or DEFAULT_CONFIG_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path is None:
            return DEFAULT_CONFIG
        raise ValidationError(f"找不到评价配置文件 {file} / no such file") from None
    except OSError as exc:
        raise ValidationError(f"无法读取评价配置文件 {file}：{exc.strerror} / cannot read") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise ValidationError(f"{file.name} 不是有效的 YAML {where} / invalid YAML") from None
    try:
        return config_from_mapping(data)
    except ValidationError as exc:
        raise ValidationError(f"{file.name}：{exc.message}") from None


#: League-table columns per object: (header, row key, "n" count | "%" rate).
COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    "unit": [("立案", "filed", "n"), ("应结案", "due_to_close", "n"), ("结案", "closed", "n"),
             ("结案率", "close_rate", "%"), ("应处置", "due_to_handle", "n"),
             ("按期", "handled_on_time", "n"), ("按期处置率", "on_time_rate", "%"),
             ("返工", "reworked", "n"), ("返工率", "rework_rate", "%"), ("回退", "returned", "n")],
    "collector": [("上报", "reports", "n"), ("待定", "pending", "n"), ("有效", "valid", "n"),
                  ("有效上报率", "valid_report_rate", "%"), ("漏报", "missed", "n"),
                  ("漏报率", "missed_rate", "%"), ("应核实", "verify_due", "n"),
                  ("按时核实率", "verify_on_time_rate", "%"), ("应核查", "check_due", "n"),
                  ("按时核查率", "check_on_time_rate", "%"), ("自处置", "self_handled", "n")],
    "acceptor": [("受理", "accepted", "n"), ("发核实", "verify_sent", "n"),
                 ("核实按时派发率", "verify_sent_on_time_rate", "%"), ("发核查", "check_sent", "n"),
                 ("核查按时派发率", "check_sent_on_time_rate", "%"),
                 ("自处置通过", "self_approved", "n"), ("自处置退回", "self_rejected", "n")],
    "supervisor": [("立案", "filed", "n"), ("按时立案率", "file_on_time_rate", "%"),
                   ("作废", "voided", "n"), ("准确立案率", "file_accuracy_rate", "%"),
                   ("结案", "closed", "n"), ("按时结案率", "close_on_time_rate", "%")],
    "dispatcher": [("派遣", "dispatched", "n"), ("按时派遣率", "dispatch_on_time_rate", "%"),
                   ("回退", "returned", "n"), ("准确派遣率", "dispatch_accuracy_rate", "%")],
    "area": [("立案", "filed", "n"), ("监督举报", "reported_verified", "n"),
             ("监督举报率", "report_rate", "%"), ("应结案", "due_to_close", "n"),
             ("结案率", "close_rate", "%"), ("按期结案率", "close_on_time_rate", "%"),
             ("自处置", "self_handled", "n")],
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _name(row: dict[str, Any], obj: str) -> str:
    if obj == "unit":
        return f"{row['unit_name']}（{row['unit']}）"
    if obj == "area":
        return f"{row['area_name']}（{row['area']}）"
    return f"{row['name']}（{row['user']}）"


def league_table(data: dict[str, Any]) -> str:
    """The report as a text table: rank, name, score, grade, the object's counts and rates."""
    obj = data["object"]
    period = data["period"]
    span = "" if period["kind"] == "custom" else f"（{period['start']} 至 {period['last_day']}）"
    title = f"{period['label_zh']}{span}{OBJECT_LABELS[obj]}绩效评价"
    if obj == "area":
        title += f" · {AREA_LEVEL_LABELS[data['area_level']]}"
    if "as_of" in data:
        title += f"（截至 {data['as_of'][:16].replace('T', ' ')}）"
    compare = "previous_period" in data
    unranked = any(row["rank"] is None for row in data["rows"])
    headers = ["名次", "对象", "得分", "等级", *(h for h, _k, _f in COLUMNS[obj])]
    if compare:
        headers += ["上期", "变化"]
    if unranked:
        headers.append("说明")
    table: list[list[str]] = []
    for row in data["rows"]:
        # Nothing due: no rank, no grade, and the reason in the last column.
        ranked = row["rank"] is not None
        cells = [str(row["rank"]) if ranked else "—", _name(row, obj), f"{row['score']:.2f}",
                 f"{row['grade']} {row['grade_colour']}" if row["grade"] else "—"]
        for _h, key, fmt in COLUMNS[obj]:
            if fmt == "%":
                # 0 of 0 scores as "nothing failed", but show that nothing was due.
                idx = row["indices"].get(key)
                empty = idx is not None and idx["denominator"] == 0
                cells.append("—" if empty else f"{row[key] * 100:.1f}%")
            else:
                cells.append(str(row[key]))
        if compare:
            before = row["previous"]
            cells.append("—" if before is None else
                         f"{before['score']:.2f} {before['grade'] or '—'}")
            change = row["change"]
            cells.append("—" if change is None else f"{change:+.2f}")
        if unranked:
            cells.append(row["unranked_reason"] or "")
        table.append(cells)
    widths = [max(_width(c) for c in col) for col in zip(headers, *table, strict=False)]
    lines = [title + f"（{len(table)} 个）"]
    if compare:
        before = data["previous_period"]
        lines[0] += f"，对比 {before['label_zh']}"
    left = {1, len(headers) - 1} if unranked else {1}  # names and the reason read left

    def line(cells: list[str]) -> str:
        return "  ".join(_pad(c, w, i not in left)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    lines.append(line(headers))
    lines.extend(line(cells) for cells in table)
    if not table:
        lines.append("（无评价对象）")
    return "\n".join(lines)


def cmd_eval(args: argparse.Namespace) -> int:

    period = checked_eval_args(args)  # bad input fails before the database is opened
    config = load_evaluation_config(Path(args.config) if args.config else None)
    app = open_app(args)
    try:
        # --as a unit or collector seat: its own row only (services.evaluation.seat_row).
        seat = scoped_factory(app.uow_factory, app.centre.actor(args.user or "admin", args.desk))
        report: EvaluationReport = evaluate(
            seat(), app.centre, period, args.object, area_level=args.area_level,
            config=config, compare=args.compare, as_of=app.clock(),
        )
        # The lists of cases behind the counts are read on demand: while the database is open.
        data = report.as_dict(case_ids=bool(getattr(args, "json", False)))
    finally:
        app.close()
    return show_evaluation(args, data)


def checked_eval_args(args: argparse.Namespace) -> Period:
    """The period of ``citydesk eval`` (ValidationError for bad input, before anything opens)."""
    period = parse_period(args.period)
    if args.area_level is not None and args.object != "area":
        raise ValidationError("--area-level 只用于区域评价（--object area）/ area level is for areas")
    return period


def show_evaluation(args: argparse.Namespace, data: dict[str, Any]) -> int:
    """Print a league table (``EvaluationReport.as_dict``): text or ``--json``, warnings."""
    if not getattr(args, "json", False):  # in --json they are the "warnings" list
        for line in data["warnings"]:
            print(f"citydesk: 警告 / warning: {line}", file=sys.stderr)
    # What the counts left out (imported history: docs/evaluation.md), under the table.
    emit(args, data, lambda: league_table(data) + "".join(
        f"\n说明 / note: {note}" for note in data.get("notes", [])))
    return 0


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``eval``."""
    p = sub.add_parser("eval", parents=[common],
                       help="绩效评价：按周期计算部门、人员、区域的得分与等级 / performance evaluation")
    p.add_argument("--period", required=True, metavar="PERIOD",
                   help="2026-10-15 | 2026-W43 | 2026-10 | 2026-Q3 | 2026 | 2026-10-01..2026-10-31")
    p.add_argument("--object", required=True, choices=list(OBJECTS),
                   help="评价对象：unit 专业部门 | collector 监督员 | acceptor 受理员 | "
                        "supervisor 值班长 | dispatcher 派遣员 | area 区域")
    p.add_argument("--area-level", choices=list(AREA_LEVELS),
                   help="区域层级（仅 --object area，默认 grid）/ area level")
    p.add_argument("--compare", action="store_true", help="同时给出上一周期的得分与变化")
    p.add_argument("--config", metavar="FILE", help="评价配置文件（默认 resources/evaluation.yaml）")
    p.set_defaults(handler=cmd_eval)

