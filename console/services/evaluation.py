"""绩效评价, the read side: counts from the event log of a period -> scores, grades, league tables.

Nothing here is typed in: every count is derived from ``case_events`` (the on-time flags the
workflow recorded when each stage ended, rework and return events, closures), then handed to
the pure formulas of :mod:`console.domain.evaluation`.  ``docs/evaluation.md`` is the long form.

Period and instants
    A :class:`~console.domain.evaluation.Period` is centre-local dates; its bounds are local
    midnights in the centre's zone (Asia/Shanghai), ``[start, end)``.  An event counts in the
    period when its ``occurred_at`` falls in it.  Outcomes of a period's cases (closed, voided,
    returned, filed) are looked up **up to the period's end only**, so an evaluation never
    changes once its period is over.

Rates
    Fractions 0–1 capped at 1; 0/0 is 1.0 for a good rate and 0.0 for a bad one (nothing was
    due, so nothing failed).  Numerators and denominators are in every row.

Ranking
    An object with nothing due (``console.domain.evaluation.DUE_COUNTS`` all 0) keeps its
    score but gets no grade and no rank; it is listed after the ranked objects
    (:func:`~console.services.evaluation_rows.rank_rows`).  A period still running is counted
    up to ``as_of`` (now), so the current month has only what fell due so far.

专业部门 (unit code; ``event.unit``)
    * dispatched: cases dispatched / designated / second-level dispatched to the unit in the
      period, once per case and unit (not when the case already stood with the unit, dispatched
      there and not sent back, as the period began).
    * filed (立案数): of those, the ones the unit did not send back (回退 approved by the
      period's end); a wrong dispatch is the dispatcher's error, not a case of the unit.
    * due_to_close (应结案数): filed minus those voided (作废) by the period's end.
    * closed (结案数): of due_to_close, closed by the period's end.
    * due_to_handle (应处置数): 处置 stages of the unit that ended in the period with an on-time
      flag (``feedback`` events, stage 处置), plus 处置 stages still open at the period's end
      whose deadline fell inside it (``overdue_open``; a suspended case's clock is stopped, so
      it is not among them).  handled_on_time (按期处置数): the ended ones with ``on_time``.
    * reworked (返工数): ``check-fail`` events in the period for the unit.
    * returned / extended: approve-return (``payload.returned_from``) and approve-extension
      events in the period (shown, not scored).
    * 结案率 = closed/due_to_close, 按期处置率 = handled_on_time/due_to_handle,
      返工率 = reworked/due_to_handle; score = 立案数分值×10% + 结案率×100×30%
      + 按期处置率×100×30% + (1−返工率)×100×30%.

监督员 (user name; only events done in the 监督员 role)
    * reports (上报数): ``report`` events; valid (有效上报数): of those, filed and not voided by the
      period's end; pending: not yet decided at the end (no file / refuse / refuse-file / merge
      / void), left out of the rate: 有效上报率 = valid / (reports − pending).
    * missed (漏报数): ``verify`` events with ``found`` True on non-collector reports in the
      collector's cells; filed: ``file`` events on cases in the collector's cells;
      漏报率 = missed/filed.
    * verify_due / verify_on_time: the collector's ``verify`` events (the 核实 stage's on_time),
      plus 核实 tasks still open at the end with their deadline in the period, charged to the
      collector the request named (``payload.collector``) or else to the cell's collectors.
    * check_due / check_on_time: the same for ``check-pass`` / ``check-fail`` (the 核查 stage).

受理员 (user name; whoever did the work, except the 管理员 account)
    * accepted (受理数): ``accept`` + ``refuse`` events (both decide a report).
    * verify_sent / on time: ``request-verify`` events; on time when the 立案 stage it ended
      (begun at 受理, 30 working minutes by default) was on time.
    * check_sent / on time: ``request-check`` events; on time when sent within
      ``send_check_minutes`` working minutes of the unit's feedback (the event ends no stage).

值班长 (user name; whoever filed or closed, except 管理员)
    * filed / filed_on_time: ``file`` events (立案 stage on time); voided: of those cases, voided
      after filing by the period's end; 准确立案率 = (filed − voided)/filed.
    * closed / closed_on_time: ``close`` events (结案 stage on time).

派遣员 (user name; whoever dispatched, except 管理员)
    * dispatched (派遣数 = 应派遣数): ``dispatch`` + ``designate`` events; on time: the 派遣 stage;
      returned: those dispatches a 回退 approved by the period's end undid;
      准确派遣率 = (dispatched − returned)/dispatched.

区域 (grid cell, community or street code; every area is 一类 unless ``area_classes`` says)
    * filed: ``file`` events on cases in the area; reported_verified (监督举报核实数): ``verify``
      with ``found`` True on non-collector reports; due_to_close: filed minus voided by the end;
      closed: closed by the end; closed_on_time (按期结案数): closed with close type 正常.
    * 立案数分值 is per grid cell: a community or street is scored on filed ÷ its cells.

Imported history (``payload.imported``; docs/evaluation.md "Imported history")
    Counts for units and areas; staff only on events done in their role (an import's steps are
    the administrator's unless its mapping names the people), and never in the cell-based
    collector counts.  Untimed handling (no dispatch nor due time) is neither on time nor late;
    cases in an import's default cell are in no area count.  ``EvaluationReport.notes`` says
    what was left out (console.services.evaluation_notes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from console.domain.cases import Actor, Role
from console.domain.errors import ValidationError
from console.domain.evaluation import (
    DEFAULT_CONFIG,
    OBJECT_LABELS,
    AcceptorCounts,
    AreaCounts,
    CollectorCounts,
    DispatcherCounts,
    Evaluation,
    EvaluationConfig,
    Period,
    SupervisorCounts,
    UnitCounts,
    evaluate_acceptor,
    evaluate_area,
    evaluate_collector,
    evaluate_dispatcher,
    evaluate_supervisor,
    evaluate_unit,
)
from console.domain.reference import UnitKind
from console.services.access import viewer_of
from console.services.centre import Centre
from console.services.evaluation_cases import CaseIdSource, LazyCaseIds, UnitCaseIds
from console.services.evaluation_counts import (
    Tally,
    acceptor_tally,
    area_tally,
    collector_tally,
    dispatcher_tally,
    supervisor_tally,
)
from console.services.evaluation_notes import (
    area_notes,
    collector_notes,
    dispatcher_notes,
    unit_notes,
)
from console.services.evaluation_rows import COUNTS, EvaluationReport, EvaluationRow, rank_rows
from console.services.uow import UnitOfWork

__all__ = [
    "AREA_LEVELS",
    "AREA_LEVEL_LABELS",
    "COUNTS",
    "OBJECTS",
    "EvaluationReport",
    "EvaluationRow",
    "areas",
    "evaluate",
    "rank_rows",
]

OBJECTS: tuple[str, ...] = tuple(OBJECT_LABELS)
AREA_LEVELS: tuple[str, ...] = ("grid", "community", "street")
AREA_LEVEL_LABELS: Mapping[str, str] = {"grid": "单元网格", "community": "社区", "street": "街道/乡镇"}

#: An object's rows, where lazy rows read their case ids (None: the rows hold them), and the
#: notes on what the counts left out (console.services.evaluation_notes).
_Rows = tuple[list[EvaluationRow], CaseIdSource | None, tuple[str, ...]]

#: The seat whose users are listed even when they did nothing in the period.
_ROLE_OF: Mapping[str, Role] = {
    "collector": Role.COLLECTOR, "acceptor": Role.ACCEPTOR, "supervisor": Role.SUPERVISOR,
    "dispatcher": Role.DISPATCHER,
}


def evaluate(
    uow: UnitOfWork,
    centre: Centre,
    period: Period,
    obj: str,
    *,
    area_level: str | None = None,
    config: EvaluationConfig = DEFAULT_CONFIG,
    compare: bool = False,
    as_of: datetime | None = None,
    viewer: Actor | None = None,
) -> EvaluationReport:
    """Evaluate every object of a type over a period, read from the event log.

    Parameters
    ----------
    uow : UnitOfWork
        A fresh unit of work (read only; opened and closed here).
    centre : Centre
        Reference data (units, users, grid cells) and the work calendar.
    period : Period
        The local-date period; its bounds are midnights in the centre's zone.
    obj : str
        ``unit``, ``collector``, ``acceptor``, ``supervisor``, ``dispatcher`` or ``area``.
    area_level : str, optional
        For ``area``: ``grid`` (default), ``community`` or ``street``.
    config : EvaluationConfig
        Weights, step tables and grade bands (``resources/evaluation.yaml``).
    compare : bool
        Also evaluate the previous period (``Period.previous``) and attach it.
    as_of : datetime, optional
        Now.  A period running at this instant (the current month) is counted up to it, as
        if it ended there: a stage whose deadline is still ahead is not due yet.  Without it,
        or for a period over or not begun, the period is counted to its end.
    viewer : Actor, optional
        Who asks; default: the seat ``uow`` is scoped to (:func:`~console.services.access.
        scoped_factory`), else nobody in particular.  A 责任单位 seat gets its own unit's row
        only (and no rows of other objects), a 监督员 seat its own row: see :func:`seat_row`.

    Returns
    -------
    EvaluationReport
        Rows with something due, best first (ties by key) and ranked 1, 1, 3 …, then the rows
        with nothing due, unranked and ungraded (:func:`rank_rows`).

    Raises
    ------
    ValidationError
        An unknown object or area level, or an area level for another object.
    """
    if obj not in OBJECTS:
        raise ValidationError(
            f"未知的评价对象 {obj!r}（可选：{'、'.join(OBJECTS)}）/ unknown object"
        )
    if area_level is not None and obj != "area":
        raise ValidationError("--area-level 只用于区域评价（--object area）/ area level is for areas")
    level = (area_level or "grid") if obj == "area" else None
    if level is not None and level not in AREA_LEVELS:
        raise ValidationError(
            f"未知的区域层级 {level!r}（可选：{'、'.join(AREA_LEVELS)}）/ unknown area level"
        )
    own = seat_row(viewer if viewer is not None else viewer_of(uow))
    with uow:
        report = _evaluate(uow, centre, period, obj, level, config, as_of)
        if compare:
            before = _evaluate(uow, centre, period.previous(), obj, level, config, as_of)
            report = replace(report, previous=before)
    if own is not None:
        report = _only(report, *own)
    # The period's stages were timed on its days: a year without statutory holidays counted
    # them Monday to Friday, and the table must say so.
    start, end = period.bounds(centre.tz)
    last = max(start, end - timedelta(microseconds=1))
    return replace(report, calendar_gaps=centre.calendar.uncovered_years(start, last))


#: The note a seat's limited league table carries (under the table, in the report's 说明).
SEAT_NOTE = "本席位只显示本单位（本人）的评价行 / this seat sees its own row only"


def seat_row(viewer: Actor | None) -> tuple[str, str] | None:
    """The one row of the league tables a seat limited to its own cases may see.

    ``("unit", its unit)`` for a 责任单位 seat, ``("collector", its user)`` for a 监督员;
    None for the roles that see every case.  A unit's row and its drill-down hold the cases
    counted for that unit; another unit's row, or an area's, would name cases of other units.
    """
    if viewer is None:
        return None
    if viewer.role is Role.UNIT:
        return ("unit", viewer.unit or "")
    if viewer.role is Role.COLLECTOR:
        return ("collector", viewer.user)
    return None


def _only(report: EvaluationReport, obj: str, key: str) -> EvaluationReport:
    """``report`` with the seat's own row only (none for another object type).

    The row keeps its rank among all: where it stands is the point of the table; what the
    others did, and which cases, is not the seat's to read.
    """
    rows = tuple(r for r in report.rows if report.object == obj and r.key == key)
    previous = None if report.previous is None else _only(report.previous, obj, key)
    return replace(report, rows=rows, previous=previous,
                   notes=(*report.notes, SEAT_NOTE) if SEAT_NOTE not in report.notes
                   else report.notes)


def _evaluate(
    uow: UnitOfWork, centre: Centre, period: Period, obj: str, level: str | None,
    config: EvaluationConfig, as_of: datetime | None,
) -> EvaluationReport:
    start, end = period.bounds(centre.tz)
    cut = None
    if as_of is not None and start <= as_of < end:
        # The period is still running: count up to now, not to its end (a 处置 stage due on
        # the 30th is not overdue on the 25th).  A period that has not begun holds no events.
        cut = end = as_of
    rows, cases, notes = _ROWS[obj](uow, centre, start, end, config, level)
    return EvaluationReport(period, obj, tuple(rank_rows(rows)), centre.tz, level, cases=cases,
                            as_of=cut, notes=notes)


def _row(obj: str, key: str, ident: Mapping[str, Any], t: Tally, ev: Evaluation) -> EvaluationRow:
    names = COUNTS[obj]
    return EvaluationRow(key, ident, {n: t.n(key, n) for n in names},
                         {n: t.ids(key, n) for n in names}, ev)


def _unit_rows(uow: UnitOfWork, centre: Centre, start: datetime, end: datetime,
               config: EvaluationConfig, _level: str | None) -> _Rows:
    # The database sums the counts; the cases behind them are read only when asked for.
    sums = {k: v for k, v in uow.events.unit_counts(start, end).items() if any(v.values())}
    cases = UnitCaseIds(uow, start, end)
    units = centre.ref.units
    # Every unit that can be dispatched to is evaluated (an idle unit had nothing fail);
    # the coordination office only when work reached it.
    keys = {u.code for u in units.values() if u.active and u.kind is not UnitKind.OFFICE}
    names = COUNTS["unit"]
    rows = []
    for code in keys | sums.keys():
        n = {name: sums.get(code, {}).get(name, 0) for name in names}
        counts = UnitCounts(
            filed=n["filed"], due_to_close=n["due_to_close"], closed=n["closed"],
            due_to_handle=n["due_to_handle"], handled_on_time=n["handled_on_time"],
            reworked=n["reworked"],
        )
        unit = units.get(code)
        ident = {"unit": code, "unit_name": unit.name if unit else code}
        rows.append(EvaluationRow(code, ident, n, LazyCaseIds(cases, code, names),
                                  evaluate_unit(counts, config, code)))
    return rows, cases, unit_notes(sums)


def _people(centre: Centre, obj: str, t: Tally) -> list[tuple[str, dict[str, Any]]]:
    role = _ROLE_OF[obj]
    users = centre.ref.users
    keys = {u.username for u in users.values() if u.active and u.role == role.value} | t.keys()
    out = []
    for name in sorted(keys):
        user = users.get(name)
        out.append((name, {"user": name, "name": user.name if user else name,
                           "role": user.role if user else ""}))
    return out


def _collector_rows(uow: UnitOfWork, centre: Centre, start: datetime, end: datetime,
                    config: EvaluationConfig, _level: str | None) -> _Rows:
    t = collector_tally(uow.events, centre, start, end)
    rows = []
    for key, ident in _people(centre, "collector", t):
        counts = CollectorCounts(
            reports=t.n(key, "reports") - t.n(key, "pending"), valid=t.n(key, "valid"),
            filed=t.n(key, "filed"), missed=t.n(key, "missed"),
            verify_due=t.n(key, "verify_due"), verify_on_time=t.n(key, "verify_on_time"),
            check_due=t.n(key, "check_due"), check_on_time=t.n(key, "check_on_time"),
        )
        rows.append(_row("collector", key, ident, t, evaluate_collector(counts, config)))
    return rows, None, collector_notes(t)


def _acceptor_rows(uow: UnitOfWork, centre: Centre, start: datetime, end: datetime,
                   config: EvaluationConfig, _level: str | None) -> _Rows:
    t = acceptor_tally(uow.events, centre, start, end, config)
    rows = []
    for key, ident in _people(centre, "acceptor", t):
        counts = AcceptorCounts(
            accepted=t.n(key, "accepted"), verify_sent=t.n(key, "verify_sent"),
            verify_sent_on_time=t.n(key, "verify_sent_on_time"),
            check_sent=t.n(key, "check_sent"), check_sent_on_time=t.n(key, "check_sent_on_time"),
        )
        rows.append(_row("acceptor", key, ident, t, evaluate_acceptor(counts, config)))
    return rows, None, ()


def _supervisor_rows(uow: UnitOfWork, centre: Centre, start: datetime, end: datetime,
                     config: EvaluationConfig, _level: str | None) -> _Rows:
    t = supervisor_tally(uow.events, start, end)
    rows = []
    for key, ident in _people(centre, "supervisor", t):
        counts = SupervisorCounts(
            filed=t.n(key, "filed"), filed_on_time=t.n(key, "filed_on_time"),
            voided=t.n(key, "voided"), closed=t.n(key, "closed"),
            closed_on_time=t.n(key, "closed_on_time"),
        )
        rows.append(_row("supervisor", key, ident, t, evaluate_supervisor(counts, config)))
    return rows, None, ()


def _dispatcher_rows(uow: UnitOfWork, centre: Centre, start: datetime, end: datetime,
                     config: EvaluationConfig, _level: str | None) -> _Rows:
    t = dispatcher_tally(uow.events, start, end)
    rows = []
    for key, ident in _people(centre, "dispatcher", t):
        counts = DispatcherCounts(
            dispatched=t.n(key, "dispatched"), dispatched_on_time=t.n(key, "dispatched_on_time"),
            returned=t.n(key, "returned"),
        )
        rows.append(_row("dispatcher", key, ident, t, evaluate_dispatcher(counts, config)))
    return rows, None, dispatcher_notes(t)


def areas(centre: Centre, level: str) -> tuple[dict[str, str], dict[str, tuple[str, int]]]:
    """Grid cell -> area code at ``level``, and area code -> (name, number of cells)."""
    area_of: dict[str, str] = {}
    info: dict[str, tuple[str, int]] = {}
    for cell in sorted(centre.ref.grids.values(), key=lambda c: c.code):
        if level == "grid":
            code, name = cell.code, f"{cell.street}{cell.community}{cell.code[-3:]}号网格"
        elif level == "community":
            code, name = cell.community_code, f"{cell.street}{cell.community}"
        else:
            code, name = cell.street_code, cell.street
        area_of[cell.code] = code
        cells = info.get(code, (name, 0))[1]
        info[code] = (name, cells + 1)
    return area_of, info


def _area_rows(uow: UnitOfWork, centre: Centre, start: datetime, end: datetime,
               config: EvaluationConfig, level: str | None) -> _Rows:
    area_of, info = areas(centre, level or "grid")
    t = area_tally(uow.events, area_of, start, end)
    rows = []
    for code in sorted(set(info) | t.keys()):
        name, cells = info.get(code, (code, 1))
        region = config.area_class(code)
        counts = AreaCounts(
            filed=t.n(code, "filed"), reported_verified=t.n(code, "reported_verified"),
            due_to_close=t.n(code, "due_to_close"), closed=t.n(code, "closed"),
            closed_on_time=t.n(code, "closed_on_time"), cells=cells, region_class=region,
            untimed=t.n(code, "untimed"),
        )
        ident = {"area": code, "area_name": name, "level": level, "region_class": region,
                 "cells": cells}
        rows.append(_row("area", code, ident, t, evaluate_area(counts, config)))
    return rows, None, area_notes(t)


_ROWS: Mapping[str, Callable[[UnitOfWork, Centre, datetime, datetime, EvaluationConfig,
                              str | None], _Rows]] = {
    "unit": _unit_rows,
    "collector": _collector_rows,
    "acceptor": _acceptor_rows,
    "supervisor": _supervisor_rows,
    "dispatcher": _dispatcher_rows,
    "area": _area_rows,
}
