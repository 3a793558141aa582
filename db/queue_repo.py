"""The desk's queues in SQL: pages and counts, tallies by light, deadlines coming up.

Implements :class:`~console.services.uow.QueueReader`.  A 100 k-case queue is never read
whole: a page of it, its count, and counts by light are what the desk asks for.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from console.domain.cases import Case, CaseState
from console.services.queue_view import HANDLE, QueueQuery, Reader
from db.case_repo import OPEN_VALUES, SqlCaseRepository, readable
from db.tables import CaseRow

_ORDER: dict[str, Any] = {
    "id": CaseRow.id, "case_no": CaseRow.case_no, "state": CaseRow.state,
    "source": CaseRow.source, "category": CaseRow.category, "grid": CaseRow.grid,
    "suggested": CaseRow.suggested_unit, "rule": CaseRow.routing_rule, "unit": CaseRow.unit,
    "stage": CaseRow.stage, "reported": CaseRow.reported_at, "updated": CaseRow.updated_at,
    "deadline": CaseRow.stage_deadline,
}


def _inline(values: Sequence[str]) -> Any:
    """An ``IN`` list written into the SQL as constants, not bound as parameters.

    psycopg prepares a statement it has run five times, and PostgreSQL may then settle on one
    plan for any parameters.  Such a plan cannot know that these states are the few open ones
    among millions, nor use a partial index of open cases: for the statements as they were it
    read the whole table or walked the primary key (``EXPLAIN EXECUTE`` with a generic plan,
    tests/integration/test_queue_plans.py).  As constants, every run plans the same.
    """
    return bindparam(None, list(values), expanding=True, literal_execute=True)


def _where(query: QueueQuery, open_term: bool) -> list[ColumnElement[bool]]:
    # The approvals queue is found from its own indexes (_awaiting); ``state || ''`` keeps
    # SQLite from reading every open case through the state index first.
    states = [s.value for s in query.states]
    state = CaseRow.state if query.decisions_for is None else CaseRow.state + ""
    where: list[ColumnElement[bool]] = [state.in_(_inline(states))]
    if open_term and query.decisions_for is None:
        # SQLite uses a partial index only if the query repeats the index's WHERE term word
        # for word (it proves no implication); the open-case indexes say state IN (open).
        # (The approvals queue is read by id from the two reads of _awaiting.)
        where.append(CaseRow.state.in_(_inline(OPEN_VALUES)))
    if query.unit is not None:
        where.append(CaseRow.unit == query.unit)
    if query.reader is not None:
        where.append(readable(query.reader))
    if query.decisions_for is not None:
        where.append(CaseRow.id.in_(_awaiting(query.decisions_for)))
    return where


def page_statement(query: QueueQuery, offset: int, limit: int,
                   sqlite: bool) -> Select[Any]:
    """The SELECT of a queue's page: ``limit`` rows from ``offset`` in the queue's order.

    Every order is served from the open cases alone (revision 0009): the partial indexes of
    open cases by each sortable column, or the state-led ones.  ``sqlite`` says which backend
    the statement is for (see :func:`_where`); offset and limit are constants too (a generic
    plan guesses a limit).
    """
    column = _ORDER[query.sort]
    key = column.desc() if query.descending else column.asc()
    if column.nullable:
        # Cases without the key last either way.  A column that is never NULL is ordered
        # without it (the same order), so either backend may read its index both ways:
        # PostgreSQL reads a plain index backwards as DESC NULLS FIRST only.
        key = key.nulls_last()
    order = [key, CaseRow.id.desc() if query.descending else CaseRow.id.asc()]
    return (select(CaseRow.__table__).where(*_where(query, open_term=sqlite)).order_by(*order)
            .offset(literal(offset, literal_execute=True))
            .limit(literal(limit, literal_execute=True)))


def count_statement(query: QueueQuery, sqlite: bool) -> Select[Any]:
    """The SELECT counting a queue's cases.

    A count reads the queue's states from a state-led index on either backend and needs no
    partial index: on SQLite the repeated open-state term would only cost a check per case
    (a megacity board's count 1.9 -> 7.4 ms), so it is left out.
    """
    return select(func.count()).select_from(CaseRow).where(*_where(query, open_term=False))


def _awaiting(office: str) -> Any:
    """Ids of open cases waiting for a supervisor: a pending request, or 代整改 to decide.

    Two disjoint indexed reads (the partial index on pending requests, and (suggested unit,
    state)) instead of one OR, which both backends would answer by reading every open case.
    ``state || ''`` keeps SQLite off the state index for the first read.
    """
    return union_all(
        select(CaseRow.id).where(CaseRow.pending.is_not(None),
                                 (CaseRow.state + "").in_(OPEN_VALUES)),
        select(CaseRow.id).where(CaseRow.suggested_unit == office,
                                 CaseRow.state == CaseState.FILED.value,
                                 CaseRow.pending.is_(None)),
    )


def _clock_runs() -> ColumnElement[bool]:
    """A stage clock is running: a timed stage, not suspended."""
    return and_(CaseRow.stage_deadline.is_not(None), CaseRow.stage_limit.is_not(None),
                CaseRow.stage.is_not(None), CaseRow.suspended_at.is_(None))


def _in_states(states: Sequence[CaseState],
               reader: Reader | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [CaseRow.state.in_([s.value for s in states])]
    if reader is not None:
        where.append(readable(reader))
    return where


def _running(states: Sequence[CaseState], reader: Reader | None) -> list[ColumnElement[bool]]:
    return [*_in_states(states, reader), _clock_runs()]


def _open_clocks() -> ColumnElement[bool]:
    """The open-state term of the index of open cases' clocks (revision 0024), as constants.

    The light counts read every open case: from that index alone (it holds each column they
    read) instead of the table's rows, a megacity's 93 k open cases are counted in ~80 ms
    rather than ~300 ms on SQLite.  SQLite uses the partial index only if the query repeats
    its term word for word; PostgreSQL proves it from constants, not from parameters of a
    generic plan (see :func:`_inline`).
    """
    return CaseRow.state.in_(_inline(OPEN_VALUES))


def _counted(states: Sequence[CaseState], reader: Reader | None) -> list[ColumnElement[bool]]:
    """WHERE of the light counts: the index's open term, and the states asked for as a plain
    filter (``state || ''``: not a key into the state index, which SQLite would otherwise
    search for each state and then read the table for every case)."""
    where: list[ColumnElement[bool]] = [(CaseRow.state + "").in_([s.value for s in states]),
                                        _open_clocks()]
    if reader is not None:
        where.append(readable(reader))
    return where


def _natural() -> ColumnElement[bool]:
    return and_(CaseRow.natural_time.is_(True), CaseRow.stage == HANDLE)


class SqlQueueReader:
    """Queue reads for one session.

    Parameters
    ----------
    session : Session
        The unit of work's session.
    """

    def __init__(self, session: Session, cases: SqlCaseRepository) -> None:
        self._session = session
        self._cases = cases
        self._sqlite = session.get_bind().dialect.name == "sqlite"

    def page(self, query: QueueQuery, offset: int, limit: int) -> builtins.list[Case]:
        """``limit`` cases of the queue from row ``offset``, in the queue's order."""
        return self._cases.load(page_statement(query, offset, limit, self._sqlite))

    def count(self, query: QueueQuery) -> int:
        """How many cases the queue holds."""
        return int(self._session.scalar(count_statement(query, self._sqlite)) or 0)

    def limits(self, states: Sequence[CaseState],
               reader: Reader | None = None) -> list[tuple[int, bool]]:
        """The distinct (limit, natural clock) of running stages of open cases in ``states``."""
        natural, runs = _natural(), _clock_runs()
        # Whether a clock runs is grouped on, not filtered: PostgreSQL multiplies the four
        # terms' selectivities (each column is NULL in most closed cases), expects 2 % of the
        # open cases and walks the deadline index and the table instead of the clocks' index.
        stmt = (select(CaseRow.stage_limit, natural, runs)
                .where(*_counted(states, reader))
                .group_by(CaseRow.stage_limit, natural, runs))
        return [(int(limit or 0), bool(nat))
                for limit, nat, running in self._session.execute(stmt) if running]

    def light_tally(
        self, states: Sequence[CaseState], now: datetime, settled: datetime,
        cutoffs: Mapping[tuple[int, bool], datetime], reader: Reader | None = None,
    ) -> dict[tuple[str | None, str | None, str], dict[str, int]]:
        """Open cases counted per (unit, grid cell, state) and light.

        Lights: ``red`` (deadline passed: before ``now`` on a natural clock, before
        ``settled`` — the same working time as now — on the working one), ``yellow`` (before
        the cutoff of its limit), ``green``, and ``none`` (no clock runs, or suspended: the
        caller times those few itself).
        """
        natural = _natural()
        yellow = [and_(CaseRow.stage_limit == limit, natural if nat else ~natural,
                       CaseRow.stage_deadline < at)
                  for (limit, nat), at in cutoffs.items()]
        light = case(
            (~_clock_runs(), "none"),
            (or_(and_(natural, CaseRow.stage_deadline < now),
                 and_(~natural, CaseRow.stage_deadline < settled)), "red"),
            (or_(*yellow) if yellow else false(), "yellow"),
            else_="green",
        )
        stmt = (select(CaseRow.unit, CaseRow.grid, CaseRow.state, light, func.count())
                .where(*_counted(states, reader))
                .group_by(CaseRow.unit, CaseRow.grid, CaseRow.state, light))
        out: dict[tuple[str | None, str | None, str], dict[str, int]] = {}
        for unit, grid, state, colour, n in self._session.execute(stmt):
            out.setdefault((unit, grid, state), {})[str(colour)] = int(n)
        return out

    def overdue_page(self, natural: bool, before: datetime, offset: int, limit: int,
                     reader: Reader | None = None) -> builtins.list[Case]:
        """Open cases whose running clock of one kind (``natural`` or working) ran out before
        ``before``, earliest deadline first (then id): the most overdue first.

        On one kind of clock an earlier deadline is never less overdue, so the wall's red list
        is a page of this order from each kind (see :mod:`console.services.wall_reds`).  Read
        from the partial index of open cases by deadline; offset and limit are constants, as
        in :func:`page_statement`.
        """
        nat = _natural()
        where = [CaseRow.state.in_(_inline(OPEN_VALUES)), _clock_runs(),
                 nat if natural else ~nat, CaseRow.stage_deadline < before]
        if reader is not None:
            where.append(readable(reader))
        stmt = (select(CaseRow.__table__).where(*where)
                .order_by(CaseRow.stage_deadline, CaseRow.id)
                .offset(literal(offset, literal_execute=True))
                .limit(literal(limit, literal_execute=True)))
        return self._cases.load(stmt)

    def due_by_unit(self, states: Sequence[CaseState], start: datetime, end: datetime,
                    reader: Reader | None = None) -> dict[str, int]:
        """Open cases in ``states`` with a unit, counted per unit, whose stage deadline falls
        in ``[start, end)`` (running or not)."""
        stmt = (select(CaseRow.unit, func.count())
                .where(*_in_states(states, reader), CaseRow.unit.is_not(None),
                       CaseRow.stage_deadline >= start, CaseRow.stage_deadline < end)
                .group_by(CaseRow.unit))
        return {str(unit): int(n) for unit, n in self._session.execute(stmt)}

    def deadline_span(self, reader: Reader | None = None,
                      ) -> tuple[datetime | None, datetime | None]:
        """The earliest and the latest stage deadline of the open cases (None: none has one).

        Two reads of one end each of the partial index of open cases by deadline, rather
        than ``min()`` and ``max()`` over every open case.
        """
        where: list[ColumnElement[bool]] = [CaseRow.state.in_(_inline(OPEN_VALUES)),
                                            CaseRow.stage_deadline.is_not(None)]
        if reader is not None:
            where.append(readable(reader))
        ends = []
        for key in (CaseRow.stage_deadline.asc(), CaseRow.stage_deadline.desc()):
            stmt = select(CaseRow.stage_deadline).where(*where).order_by(key).limit(1)
            ends.append(self._session.scalar(stmt))
        return ends[0], ends[1]

    def due_between(self, states: Sequence[CaseState], start: datetime, end: datetime,
                    reader: Reader | None = None) -> list[tuple[int, int, datetime, bool]]:
        """(id, version, deadline, natural clock) of running stages due in ``[start, end)``."""
        stmt = (select(CaseRow.id, CaseRow.version, CaseRow.stage_deadline, _natural())
                .where(*_running(states, reader), CaseRow.stage_deadline >= start,
                       CaseRow.stage_deadline < end)
                .order_by(CaseRow.stage_deadline))
        return [(int(i), int(v), d, bool(n)) for i, v, d, n in self._session.execute(stmt)
                if d is not None]

