"""专业部门 (unit) evaluation counted in SQL: per unit sums, or the cases behind them.

The rules are those of ``docs/evaluation.md`` (and of the Python tally they replace, kept in
``tests/integration/evaluation_legacy.py``, which the equality tests compare against).  Every
count is a row-level selectable whose columns are 0/1 flags per count name; the league table
sums the flags per unit (``GROUP BY unit``), the drill-down reads the rows of one unit.  Both
come from the same expressions, so a number and its list of cases cannot disagree.

Dispatched / filed / due to close / closed need each (case, unit) pair's history before the
period's end.  Nearly every pair is *simple*: the case was reported in the period (so none of
its events lies before the period, ``REPORTED_AT_SLACK`` as in ``open_at``) and was never sent
back in it, so the pair is new and filed, and voided / closed are whether the period holds the
case's ``approve-void`` / ``close``.  The few others (reported before the period, or returned in
it) are walked with window functions over their own events, exactly as ``_unit_fate`` did.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.selectable import CTE, Subquery

from console.domain.cases import CaseState, Stage
from console.domain.commands import Command
from db.tables import CaseRow, EventRow

C = Command

DISPATCHES = (C.DISPATCH.value, C.DESIGNATE.value, C.SUBDISPATCH.value)
#: Events that replace the units a case stands with (a second-level dispatch only adds one).
MOVES = (C.DISPATCH.value, C.DESIGNATE.value)
RETURN, VOID, CLOSE = C.APPROVE_RETURN.value, C.APPROVE_VOID.value, C.CLOSE.value
HANDLING = (CaseState.DISPATCHED.value, CaseState.HANDLING.value)
#: ``handled_untimed``: 处置 stages that ended without a deadline (imported history without a
#: dispatch or due time), not a count of the league table but of its notes.
EVENT_COUNTS = ("due_to_handle", "handled_on_time", "reworked", "extended", "handled_untimed")
PAIR_COUNTS = ("dispatched", "filed", "due_to_close", "closed")
#: Every unit count, in the order ``console.services.evaluation.COUNTS`` shows them.
UNIT_COUNTS = ("dispatched", "filed", "due_to_close", "closed", "due_to_handle",
               "handled_on_time", "overdue_open", "reworked", "returned", "extended",
               "handled_untimed")


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _in_period(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(EventRow.occurred_at >= start, EventRow.occurred_at < end)


def _unit_key() -> ColumnElement[str | None]:
    """The event's unit as a grouping key: ``unit || ''``, the same text, no index key.

    Grouped by the bare column, SQLite (with statistics) walks ``(unit, occurred_at)`` in unit
    order to skip the sort and reads every event of the month from the table, three times
    slower than sorting the period's rows of the covering ``ix_case_events_evaluation``.
    """
    return EventRow.unit + ""


def event_rows(start: datetime, end: datetime, unit: str | None) -> Subquery:
    """One row per feedback / check-fail / extension of the period: unit, case and flags.

    Every column it reads is in ``ix_case_events_evaluation``, so the month is read from the
    index alone.
    """
    handle = and_(EventRow.type == C.FEEDBACK.value, EventRow.stage == Stage.HANDLE.value,
                  EventRow.on_time.is_not(None))
    stmt = select(
        _unit_key().label("unit"), EventRow.case_id.label("case_id"),
        _flag(handle).label("due_to_handle"),
        _flag(and_(handle, EventRow.on_time.is_(True))).label("handled_on_time"),
        _flag(EventRow.type == C.CHECK_FAIL.value).label("reworked"),
        _flag(EventRow.type == C.APPROVE_EXTENSION.value).label("extended"),
        _flag(and_(EventRow.type == C.FEEDBACK.value, EventRow.stage == Stage.HANDLE.value,
                   EventRow.on_time.is_(None))).label("handled_untimed"),
    ).where(
        EventRow.type.in_([C.FEEDBACK.value, C.CHECK_FAIL.value, C.APPROVE_EXTENSION.value]),
        _in_period(start, end), EventRow.unit.is_not(None),
    )
    if unit is not None:
        stmt = stmt.where(EventRow.unit == unit)
    return stmt.subquery("unit_events")


def return_rows(start: datetime, end: datetime, unit: str | None) -> Subquery:
    """The period's approved returns, charged to ``payload.returned_from`` (else the event's unit)."""
    returned_from = func.nullif(EventRow.payload["returned_from"].as_string(), "")
    who = func.coalesce(returned_from, func.nullif(EventRow.unit, ""))
    inner = (select(who.label("unit"), EventRow.case_id.label("case_id"))
             .where(EventRow.type == RETURN, _in_period(start, end)).subquery("returns"))
    stmt = (select(inner.c.unit, inner.c.case_id, literal(1).label("returned"))
            .where(inner.c.unit.is_not(None)))
    if unit is not None:
        stmt = stmt.where(inner.c.unit == unit)
    return stmt.subquery("unit_returns")


def pair_rows(start: datetime, end: datetime, slack: Any, unit: str | None) -> Subquery:
    """One row per (case, unit) dispatched in the period, with dispatched/filed/due/closed flags.

    The pairs and the cases that must be walked are common table expressions, each worked out
    once (both backends materialise a CTE that is read more than once).
    """
    of_period = _in_period(start, end)
    pairs_stmt = (select(_unit_key().label("unit"), EventRow.case_id.label("case_id"))
                  .where(EventRow.type.in_(DISPATCHES), of_period, EventRow.unit.is_not(None))
                  .group_by(EventRow.unit, EventRow.case_id))
    if unit is not None:
        pairs_stmt = pairs_stmt.where(EventRow.unit == unit)
    pairs = pairs_stmt.cte("pairs")
    returned = select(EventRow.case_id).where(EventRow.type == RETURN, of_period)
    # Holding events before the period, or sent back in it.  Only a case reported before
    # ``start + slack`` can hold earlier events; whether it does is one look at its oldest
    # entries (a case reported on the period's first day usually holds none, and is not
    # walked for nothing).
    # Two selects, not one OR (PostgreSQL hashed every event before the period for it); the
    # look only for a case reported early enough, which SQLite does only when it is a CASE.
    prior = aliased(EventRow)
    earlier = exists().where(prior.case_id == pairs.c.case_id, prior.occurred_at < start)
    involved = union(
        select(pairs.c.case_id).join(CaseRow, CaseRow.id == pairs.c.case_id)
        .where(case((CaseRow.reported_at < start + slack, earlier), else_=False)),
        select(pairs.c.case_id).where(pairs.c.case_id.in_(returned)),
    ).cte("involved")
    closed = select(EventRow.case_id).where(EventRow.type == CLOSE, of_period)
    voided = select(EventRow.case_id).where(EventRow.type == VOID, of_period)
    is_voided = pairs.c.case_id.in_(voided)
    simple = (
        select(pairs.c.unit, pairs.c.case_id, literal(1).label("dispatched"),
               literal(1).label("filed"), _flag(not_(is_voided)).label("due_to_close"),
               _flag(and_(not_(is_voided), pairs.c.case_id.in_(closed))).label("closed"))
        .where(pairs.c.case_id.not_in(select(involved.c.case_id)))
    )
    return union_all(simple, _walked(start, end, involved, unit)).subquery("unit_pairs")


def _walked(start: datetime, end: datetime, involved: CTE, unit: str | None) -> Select[Any]:
    """The pairs of the cases in ``involved``, from their events before ``end`` (``_unit_fate``).

    A unit stands returned when, after the case's last dispatch to it, the next event that
    changes who holds the case (a dispatch or designation to a unit, or an approved return) is
    a return: a return sends back every unit the case stood with.  "Next" is a window over the
    following events; the same at the period's start decides whether the pair is new.
    """
    kinds = (*DISPATCHES, RETURN, VOID, CLOSE)
    # ``type || ''``: for given cases SQLite must use (case_id, id), not scan (type, ...).
    history = (select(EventRow.id, EventRow.case_id, EventRow.type, EventRow.unit,
                      EventRow.occurred_at)
               .where(EventRow.case_id.in_(select(involved.c.case_id)),
                      (EventRow.type + "").in_(kinds), EventRow.occurred_at < end)
               .subquery("history"))
    h = history.c
    moves = or_(h.type == RETURN, and_(h.type.in_(MOVES), h.unit != ""))
    before = h.occurred_at < start

    def first_later(condition: ColumnElement[bool]) -> Any:
        """The id of the case's first following event meeting ``condition``."""
        return func.min(case((condition, h.id))).over(
            partition_by=h.case_id, order_by=h.id, rows=(1, None))

    def anywhere(condition: ColumnElement[bool]) -> Any:
        return func.max(_flag(condition)).over(partition_by=h.case_id)

    walked = select(
        h.id, h.case_id, h.type, h.unit, h.occurred_at,
        first_later(moves).label("next_move"),
        first_later(h.type == RETURN).label("next_return"),
        first_later(and_(moves, before)).label("next_move_before"),
        first_later(and_(h.type == RETURN, before)).label("next_return_before"),
        anywhere(h.type == VOID).label("voided"),
        anywhere(h.type == CLOSE).label("closed"),
    ).subquery("walked")
    w = walked.c
    sent_back = and_(w.next_return.is_not(None), w.next_return == w.next_move)
    sent_back_before = and_(w.next_return_before.is_not(None),
                            w.next_return_before == w.next_move_before)
    per_pair_stmt = (
        select(
            w.unit, w.case_id,
            func.max(w.id).label("last"),
            func.max(case((sent_back, w.id))).label("last_sent_back"),
            func.max(case((w.occurred_at < start, w.id))).label("last_before"),
            func.max(case((and_(w.occurred_at < start, sent_back_before), w.id)))
            .label("last_sent_back_before"),
            func.max(w.voided).label("voided"), func.max(w.closed).label("closed"),
        )
        .where(w.type.in_(DISPATCHES), w.unit.is_not(None))
        .group_by(w.unit, w.case_id)
        .having(func.max(_flag(w.occurred_at >= start)) == 1)
    )
    if unit is not None:
        per_pair_stmt = per_pair_stmt.where(w.unit == unit)
    p = per_pair_stmt.subquery("walked_pairs")
    fate_unit = p.c.unit != ""  # a dispatch naming no unit moves nothing (as ``f.unit`` falsy)
    stood = and_(fate_unit, p.c.last_before.is_not(None),
                 or_(p.c.last_sent_back_before.is_(None),
                     p.c.last_sent_back_before != p.c.last_before))
    back = and_(fate_unit, p.c.last_sent_back.is_not(None), p.c.last_sent_back == p.c.last)
    filed = and_(not_(back))
    due = and_(filed, p.c.voided == 0)
    return (select(p.c.unit, p.c.case_id, literal(1).label("dispatched"),
                   _flag(filed).label("filed"), _flag(due).label("due_to_close"),
                   _flag(and_(due, p.c.closed == 1)).label("closed"))
            .where(not_(stood)))


def count_rows(session: Session, rows: Subquery, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Per unit, the sum of each flag column of ``rows``."""
    stmt = select(rows.c.unit, *(func.sum(rows.c[n]) for n in names)).group_by(rows.c.unit)
    return {str(r[0]): {n: int(v or 0) for n, v in zip(names, r[1:], strict=True)}
            for r in session.execute(stmt)}


def case_rows(session: Session, rows: Subquery, names: tuple[str, ...]
              ) -> list[tuple[str, str, int]]:
    """(unit, count name, case id) for every flag set in ``rows``, each once."""
    out: set[tuple[str, str, int]] = set()
    for r in session.execute(select(rows.c.unit, rows.c.case_id, *(rows.c[n] for n in names))):
        for n, v in zip(names, r[2:], strict=True):
            if v:
                out.add((str(r[0]), n, int(r[1])))
    return sorted(out)
