"""Assemble the period report: every evaluation league table, the case list, the charts.

The writers in ``console/reports`` know nothing of cases or scores; this module turns
:class:`~console.services.evaluation.EvaluationReport` and cases into their generic tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from console.desk_backend import PeriodData
from console.domain.cases import Case
from console.domain.evaluation import OBJECT_LABELS, Period
from console.report_hotspots import hotspot_chart, hotspot_tables
from console.reports.model import Chart, Column, Report, Table
from console.services.centre import Centre
from console.services.evaluation import OBJECTS, EvaluationReport, EvaluationRow, evaluate
from console.services.hotspot_report import HotspotSection, period_hotspots
from console.services.uow import CaseFilter, UnitOfWork

#: Chinese headings of the keys rows carry (a key without one is shown as it is).
HEADERS: Mapping[str, str] = {
    "rank": "名次", "unit": "单位代码", "unit_name": "单位", "user": "账号", "name": "姓名",
    "role": "岗位", "area": "区域代码", "area_name": "区域", "level": "层级",
    "region_class": "区域类别", "cells": "网格数",
    "dispatched": "派遣数", "filed": "立案数", "due_to_close": "应结案数", "closed": "结案数",
    "due_to_handle": "应处置数", "handled_on_time": "按期处置数", "overdue_open": "超期未处置",
    "reworked": "返工数", "returned": "回退数", "extended": "延期数", "reports": "上报数",
    "pending": "待定", "valid": "有效上报数", "missed": "漏报数", "verify_due": "应核实数",
    "verify_on_time": "按时核实数", "verify_overdue_open": "超期未核实", "check_due": "应核查数",
    "check_on_time": "按时核查数", "check_overdue_open": "超期未核查", "accepted": "受理数",
    "accepts": "受理", "refusals": "不予受理", "verify_sent": "发核实数",
    "verify_sent_on_time": "按时发核实数", "check_sent": "发核查数",
    "check_sent_on_time": "按时发核查数", "filed_on_time": "按时立案数", "voided": "作废数",
    "refused_file": "不予立案数", "closed_on_time": "按时结案数",
    "dispatched_on_time": "按时派遣数", "reported_verified": "监督举报核实数",
    "self_handled": "自处置数", "self_approved": "自处置通过", "self_rejected": "自处置退回",
    "self_pending": "自处置待审核",
    "close_rate": "结案率", "on_time_rate": "按期处置率", "rework_rate": "返工率",
    "valid_report_rate": "有效上报率", "missed_rate": "漏报率",
    "verify_on_time_rate": "按时核实率", "check_on_time_rate": "按时核查率",
    "verify_sent_on_time_rate": "核实按时派发率", "check_sent_on_time_rate": "核查按时派发率",
    "file_on_time_rate": "按时立案率", "file_accuracy_rate": "准确立案率",
    "close_on_time_rate": "按时结案率", "dispatch_on_time_rate": "按时派遣率",
    "dispatch_accuracy_rate": "准确派遣率", "report_rate": "监督举报率",
    "score": "综合指标值", "grade": "等级", "note": "说明",
}

#: The title of the table of notes on the figures (between the league tables and the cases).
NOTES_TITLE = "说明"

#: What the rank and grade cells of an object with nothing due hold.
NO_RANK = "—"


def _table_row(row: EvaluationRow) -> dict[str, Any]:
    """A league-table row: a rate with nothing due is no value, an idle object has no rank."""
    data = row.as_dict(case_ids=False)
    for idx in row.evaluation.indices:
        if idx.denominator == 0:  # 0 of 0: blank, and left out of the mean in the totals
            data[idx.key] = None
    if not row.due:
        data["rank"] = data["grade"] = NO_RANK
        data["note"] = row.reason
    return data


def evaluation_table(report: EvaluationReport) -> Table:
    """One league table; counts summed, rates and scores averaged in the totals row.

    Objects with nothing due come last with "—" for rank and grade and the reason in 说明;
    their scores stay in the table but not in the mean of the totals row.
    """
    rows = [_table_row(r) for r in report.rows]
    first = report.rows[0] if report.rows else None
    columns = [Column("rank", HEADERS["rank"], "int")]
    if first is not None:
        columns += [Column(k, HEADERS.get(k, k), "int" if k == "cells" else "text",
                           "sum" if k == "cells" else None)
                    for k in first.ident]
        columns += [Column(k, HEADERS.get(k, k), "int", "sum") for k in first.counts]
        columns += [Column(k, HEADERS.get(k, k), "rate", "mean") for k in first.rates]
    columns += [Column("score", HEADERS["score"], "score", "mean"),
                Column("grade", HEADERS["grade"]), Column("note", HEADERS["note"])]
    title = OBJECT_LABELS[report.object]
    if report.area_level:
        title += f"（{report.area_level}）"
    return Table(f"{title}评价", columns, rows, grade_key="grade", mean_skip="note")


def case_table(cases: Sequence[Case], centre: Centre) -> Table:
    """The period's cases, one line each, times in the centre's zone."""
    units = centre.ref.units
    cats = centre.ref.categories
    rows: list[dict[str, Any]] = []
    for c in cases:
        rows.append({
            "case_no": c.case_no,
            "reported_at": centre.local(c.reported_at).replace(tzinfo=None),
            "source": c.source.value,
            "category": f"{c.category} {cats[c.category].name_zh if c.category in cats else ''}",
            "street": c.street or "",
            "grid": c.grid or "",
            "unit": units[c.unit].name if c.unit is not None and c.unit in units else "",
            "state": c.state.value,
            "close_type": c.close_type or "",
            "rework": c.rework_count,
            "description": c.description,
        })
    columns = [
        Column("case_no", "案件编号"), Column("reported_at", "上报时间", "datetime"),
        Column("source", "来源"), Column("category", "类别"), Column("street", "街道"),
        Column("grid", "网格"), Column("unit", "责任单位"), Column("state", "状态"),
        Column("close_type", "结案类型"), Column("rework", "返工次数", "int", "sum"),
        Column("description", "描述"),
    ]
    return Table("案件清单", columns, rows)


def _on_time(row: EvaluationRow) -> float:
    """按期处置率, or NaN (no bar) for a unit that had nothing to handle."""
    idx = row.evaluation.index("on_time_rate")
    return math.nan if idx.denominator == 0 else idx.value


def _as_of(centre: Centre, evaluations: Sequence[EvaluationReport]) -> str:
    """"（截至 …）" when the period was still running: its figures stop at that instant."""
    cut = next((e.as_of for e in evaluations if e.as_of is not None), None)
    return "" if cut is None else f"（截至 {centre.local(cut):%Y-%m-%d %H:%M}）"


ANCHOR_NOTE = "审计链锚点（最近一次）："


def report_notes(report: Report) -> list[str]:
    """What the report's 说明 table says (empty when it has none)."""
    return [str(row.get("note", "")) for t in report.tables if t.title == NOTES_TITLE
            for row in t.rows]


def calendar_gaps(evaluations: Sequence[EvaluationReport]) -> tuple[int, ...]:
    """Years of the period the work calendar has no statutory holidays for."""
    return tuple(sorted({y for e in evaluations for y in e.calendar_gaps}))


def calendar_note(years: Sequence[int]) -> str:
    """The report's note on uncovered years (Chinese, as the report is)."""
    return (f"{'、'.join(str(y) for y in years)} 年法定节假日未导入，期限按周一至周五计算："
            "该年的节假日被当作工作日、调休上班日被当作休息日，按时率与超期数可能不准。"
            "管理员导入该年的国务院放假通知后重新导出即可更正。")


def build_report(centre: Centre, period: Period, evaluations: Sequence[EvaluationReport],
                 cases: Sequence[Case], now: datetime, anchor_line: str | None = None,
                 hotspots: HotspotSection | None = None) -> Report:
    """The whole report of a period.

    With ``hotspots`` (the centre's seats; a unit seat's report has none) the 「热点与难点」
    tables come before the case list (:mod:`console.report_hotspots`).

    When the period reaches a year whose statutory holidays the calendar does not know, the
    subtitle says so and a 说明 table before the case list explains it (every format shows a
    table; the case list stays last); the same table says what each league table's counts left
    out (imported history, ``EvaluationReport.notes``).
    """
    tables = [evaluation_table(e) for e in evaluations]
    gaps = calendar_gaps(evaluations)
    notes = [calendar_note(gaps)] if gaps else []
    # What the counts left out (imported history), in the report's Chinese, once each.
    notes += dict.fromkeys(n.split(" / ")[0] for e in evaluations for n in e.notes)
    if anchor_line:
        # The audit chain's latest anchor, printed where it outlives the database: a log
        # later cut short no longer reaches the id and value it names (docs/security.md).
        notes.append(f"{ANCHOR_NOTE}{anchor_line}")
    if notes:
        tables.append(Table(NOTES_TITLE, [Column("note", HEADERS["note"])],
                            [{"note": note} for note in notes]))
    if hotspots is not None:
        tables += hotspot_tables(hotspots, centre)
    tables.append(case_table(cases, centre))
    charts: list[Chart] = []
    units = next((e for e in evaluations if e.object == "unit"), None)
    ranked = [r for r in units.rows if r.due] if units is not None else []
    if ranked:  # the charts rank too: only units that had something due
        names = [str(r.ident.get("unit_name", r.key)) for r in ranked]
        charts.append(Chart("专业部门综合指标值", names, [r.score for r in ranked]))
        charts.append(Chart("专业部门按期处置率", names,
                            [_on_time(r) for r in ranked], value_kind="rate"))
    by_source: dict[str, int] = {}
    for c in cases:
        by_source[c.source.value] = by_source.get(c.source.value, 0) + 1
    if by_source:
        charts.append(Chart("案件来源", list(by_source), [float(v) for v in by_source.values()],
                            value_kind="int"))
    if hotspots is not None and (top := hotspot_chart(hotspots, centre)) is not None:
        charts.append(top)
    return Report(
        title=f"{centre.ref.config.name} 考核评价报告",
        subtitle=f"考核期：{period.label_zh}" + _as_of(centre, evaluations)
        + (f"　注意：{'、'.join(str(y) for y in gaps)} 年法定节假日未导入，期限按周一至周五计算"
           if gaps else ""),
        generated_at=centre.local(now).replace(tzinfo=None),
        tables=tables,
        charts=charts,
    )


def period_report(centre: Centre, period: Period, data: PeriodData,
                  anchor_line: str | None = None) -> Report:
    """The whole report of a period from what a seat's :meth:`DeskBackend.period_data` read.

    The seam's entry: in process or through the server (which counts, scoped to the seat,
    and names its latest anchor in ``data.anchor``), the caller only builds and writes the
    file.  ``anchor_line`` overrides ``data.anchor`` (the embedded CLI reads its own folder).
    """
    return build_report(centre, period, data.evaluations, data.cases, data.as_of,
                        anchor_line if anchor_line is not None else data.anchor, data.hotspots)


def make_period_report(uow_factory: Callable[[], UnitOfWork], centre: Centre, period: Period,
                       now: datetime, anchor_line: str | None = None) -> Report:
    """Evaluate every object type for the period and collect its cases: the whole report.

    A factory scoped to a seat (:func:`~console.services.access.scoped_factory`) gives that
    seat's report: a 责任单位 its own unit's row and cases, nothing of another unit's.
    """
    evaluations = [
        evaluate(uow_factory(), centre, period, obj,
                 area_level="street" if obj == "area" else None, as_of=now)
        for obj in OBJECTS
    ]
    start, end = period.bounds(centre.tz)
    with uow_factory() as uow:
        cases = uow.cases.list(CaseFilter(reported_from=start, reported_to=end, order="id"))
    return build_report(centre, period, evaluations, cases, now, anchor_line,
                        period_hotspots(uow_factory, centre, period, now))



def table_totals(report: Report) -> Mapping[str, Mapping[str, Any]]:
    """Totals per table title (what the XLSX's last row holds), for checks and JSON output."""
    from console.reports.model import totals

    return {t.title: totals(t) for t in report.tables}
