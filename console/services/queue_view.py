"""The desk's queues at any size: a page at a time, ordered and counted in SQL.

A megacity desk has ~100 k open cases.  Reading them all into Python to show 40 rows costs
seconds and a gigabyte, so a queue is a :class:`QueueQuery`: the database counts its cases and
returns them a page at a time in the queue's order (the view asks for the next page as the
operator scrolls, as Qt's ``fetchMore`` intends).  A live change is placed among the loaded rows
by :func:`sort_key` and :func:`position`, which order exactly as the SQL does.  Tallies by light
(the board's unit list, the map's cells) are counted in SQL: red is a deadline before the
working time of now (``WorkCalendar.settled``), yellow a deadline before the instant the
stage's limit would cross ``yellow_at`` — one instant per distinct (limit, clock kind),
computed here with the working calendar (:func:`yellow_cutoffs`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.domain.calendar import WorkCalendar
from console.domain.cases import Case, CaseState, Stage

#: The orders a queue can have (SQL ``ORDER BY`` key, then id).
SORTS = ("id", "case_no", "state", "source", "category", "grid", "reported", "suggested",
         "rule", "unit", "stage", "updated", "deadline")

#: The stage whose clock may run in natural time (natural-time categories' 处置).
HANDLE = Stage.HANDLE.value


@dataclass(frozen=True, slots=True)
class Reader:
    """Whose view a read is limited to: a unit seat's, or a collector's.

    A unit seat (``unit``) sees the cases whose unit or parent unit is its own.  A collector
    (``user`` with ``grids``) sees the cases in the cells they patrol, the ones they reported,
    and the site visits sent to them wherever those are.
    """

    unit: str | None = None
    user: str | None = None
    grids: tuple[str, ...] = ()

    def sees(self, case: Case) -> bool:
        """Whether ``case`` is in this view (the SQL filter, for live changes)."""
        if self.unit is not None:
            return self.unit in (case.unit, case.parent_unit)
        if self.user is not None:
            return (case.grid in self.grids or case.reporter == self.user
                    or case.assignee == self.user)
        return True


@dataclass(frozen=True, slots=True)
class QueueQuery:
    """Which open cases a queue holds and in which order.

    Parameters
    ----------
    states : tuple of CaseState
        The states the queue shows.
    sort : str
        One of :data:`SORTS`; ties are broken by id in the same direction.
    descending : bool
        Newest / latest / largest first; cases without a key (no deadline) always come last.
    unit : str, optional
        Only cases with this responsible unit (the board's unit filter).
    reader : Reader, optional
        A unit seat's or a collector's view: only the cases it sees.
    decisions_for : str, optional
        The approvals queue: cases with a pending request, or filed cases the routing matrix
        left to this coordination office (代整改).  ``states`` still applies.
    """

    states: tuple[CaseState, ...]
    sort: str = "id"
    descending: bool = False
    unit: str | None = None
    reader: Reader | None = None
    decisions_for: str | None = None

    def accepts(self, case: Case) -> bool:
        """Whether ``case`` belongs in this queue (the SQL filter, for live changes)."""
        if case.state not in self.states:
            return False
        if self.unit is not None and case.unit != self.unit:
            return False
        if self.reader is not None and not self.reader.sees(case):
            return False
        if self.decisions_for is not None:
            return case.pending is not None or (
                case.state is CaseState.FILED and case.suggested_unit == self.decisions_for)
        return True


def sort_key(case: Case, sort: str) -> Any:
    """The key SQL orders ``case`` by under ``sort`` (see :data:`SORTS`)."""
    match sort:
        case "id":
            return case.id
        case "case_no":
            return case.case_no
        case "state":
            return case.state.value
        case "source":
            return case.source.value
        case "category":
            return case.category
        case "grid":
            return case.grid
        case "reported":
            return case.reported_at
        case "suggested":
            return case.suggested_unit
        case "rule":
            return case.routing_rule
        case "unit":
            return case.unit
        case "stage":
            return case.stage
        case "updated":
            return case.updated_at
        case "deadline":
            return case.stage_deadline
    raise ValueError(f"unknown queue order {sort!r}")


def position(keys: Sequence[Any], ids: Sequence[int], key: Any, case_id: int,
             descending: bool) -> int:
    """Where a case with ``key`` goes among rows ordered as SQL orders them (nulls last)."""
    def before(i: int) -> bool:  # does row i come before the new case?
        other = keys[i]
        if other is None or key is None:
            if other is None and key is None:
                return (ids[i] > case_id) if descending else (ids[i] < case_id)
            return key is None  # nulls last in either direction
        if other == key:
            return (ids[i] > case_id) if descending else (ids[i] < case_id)
        return bool(other > key) if descending else bool(other < key)

    lo, hi = 0, len(ids)
    while lo < hi:
        mid = (lo + hi) // 2
        if before(mid):
            lo = mid + 1
        else:
            hi = mid
    return lo


def yellow_minutes(limit: int, yellow_at: float) -> int:
    """The most whole minutes left at which a stage of ``limit`` minutes already shows yellow.

    :func:`~console.domain.deadlines.light_for` says yellow when ``(limit - remaining) / limit
    >= yellow_at``; the same float expression is checked here, so rounding agrees.
    """
    limit = max(limit, 1)
    m = math.floor(limit * (1 - yellow_at))
    while m >= 0 and (limit - m) / limit < yellow_at:
        m -= 1
    while (limit - (m + 1)) / limit >= yellow_at:
        m += 1
    return m


def yellow_cutoffs(calendar: WorkCalendar, now: datetime, yellow_at: float,
                   limits: Iterable[tuple[int, bool]]) -> dict[tuple[int, bool], datetime]:
    """Per (limit minutes, natural clock): a running stage is yellow or red when its deadline
    lies before the returned instant (remaining = floor(seconds / 60) <= yellow minutes).
    """
    return {(limit, natural): calendar.add_for(now, yellow_minutes(limit, yellow_at) + 1, natural)
            for limit, natural in set(limits)}
