"""The Python tally of 专业部门 counts as it stood before the SQL aggregation (commit d7a8ce5).

Kept verbatim (``Tally``, ``unit_tally``, ``_unit_fate``) so the equality tests can check that
:func:`console.services.evaluation.evaluate` still gives the same counts and the same case ids.
It reads the log only through :meth:`EventLog.facts` and :meth:`EventLog.open_at`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from console.domain.cases import CaseState, Stage
from console.domain.commands import Command
from console.services.uow import EventFact, EventLog

C = Command
DISPATCHES = (C.DISPATCH.value, C.DESIGNATE.value, C.SUBDISPATCH.value)


class Tally:
    """Per object key and count name, the case id behind each counted event or stage.

    A count is the number of entries (two reworks of one case count 2); :meth:`ids` lists
    each case once.
    """

    def __init__(self) -> None:
        self._items: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))

    def add(self, key: str, name: str, case_id: int) -> None:
        """Count one more ``name`` for ``key`` because of ``case_id``."""
        self._items[key][name].append(case_id)

    def add_all(self, keys: Iterable[str], name: str, case_id: int) -> None:
        """Count ``name`` once for each of ``keys``."""
        for key in keys:
            self.add(key, name, case_id)

    def n(self, key: str, name: str) -> int:
        """How many ``name`` ``key`` has."""
        return len(self._items.get(key, {}).get(name, ()))

    def ids(self, key: str, name: str) -> tuple[int, ...]:
        """The cases behind ``key``'s ``name``, ascending, each once."""
        return tuple(sorted(set(self._items.get(key, {}).get(name, ()))))

    def keys(self) -> set[str]:
        """Every key that has at least one count."""
        return set(self._items)


def _in(instant: datetime | None, start: datetime, end: datetime) -> bool:
    return instant is not None and start <= instant < end


def _by_case(facts: Iterable[EventFact]) -> dict[int, list[EventFact]]:
    out: dict[int, list[EventFact]] = defaultdict(list)
    for f in facts:  # facts come oldest first, so each list is in log order
        out[f.case_id].append(f)
    return out


def unit_tally(log: EventLog, start: datetime, end: datetime) -> Tally:
    """专业部门 counts; keys are unit codes."""
    t = Tally()
    pairs: set[tuple[int, str]] = set()
    types = [*DISPATCHES, C.FEEDBACK.value, C.CHECK_FAIL.value, C.APPROVE_EXTENSION.value]
    for f in log.facts(types, start, end):
        if f.unit is None:
            continue
        if f.type in DISPATCHES:
            pairs.add((f.case_id, f.unit))
        elif f.type == C.FEEDBACK.value and f.stage == Stage.HANDLE.value and f.on_time is not None:
            t.add(f.unit, "due_to_handle", f.case_id)
            if f.on_time:
                t.add(f.unit, "handled_on_time", f.case_id)
        elif f.type == C.CHECK_FAIL.value:
            t.add(f.unit, "reworked", f.case_id)
        elif f.type == C.APPROVE_EXTENSION.value:
            t.add(f.unit, "extended", f.case_id)
    for f in log.facts([C.APPROVE_RETURN.value], start, end, with_payload=True):
        unit = f.payload.get("returned_from") or f.unit
        if unit:
            t.add(str(unit), "returned", f.case_id)

    # 立案数 counts a case once per unit: not when it already stood with the unit (dispatched
    # there and not sent back) before the period began.
    types = [*DISPATCHES, C.APPROVE_RETURN.value, C.APPROVE_VOID.value, C.CLOSE.value]
    history = _by_case(log.facts(types, None, end, case_ids={c for c, _ in pairs}))
    new_pairs = sorted(
        (case_id, unit) for case_id, unit in pairs
        if unit not in _unit_fate([f for f in history[case_id] if f.occurred_at < start]).kept
    )
    fates = {c: _unit_fate(events) for c, events in history.items()}
    for case_id, unit in new_pairs:
        fate = fates[case_id]
        t.add(unit, "dispatched", case_id)
        if unit in fate.returned:
            continue  # sent back as not the unit's: the dispatcher's error, not the unit's case
        t.add(unit, "filed", case_id)
        if fate.voided:
            continue  # 作废 after dispatch: nothing left for the unit to close
        t.add(unit, "due_to_close", case_id)
        if fate.closed:
            t.add(unit, "closed", case_id)

    # A 处置 stage still open at the period's end whose deadline fell inside it was due and late.
    for s in log.open_at(end, [CaseState.DISPATCHED.value, CaseState.HANDLING.value]):
        if s.unit and _in(s.deadline, start, end):
            t.add(s.unit, "due_to_handle", s.case_id)
            t.add(s.unit, "overdue_open", s.case_id)
    return t


@dataclass(frozen=True, slots=True)
class _Fate:
    """What a case's dispatch, return, void and close events say about it."""

    kept: frozenset[str]  # units it reached and was not sent back from
    returned: frozenset[str]  # units it was sent back from (and not dispatched to again)
    voided: bool
    closed: bool


def _unit_fate(events: list[EventFact]) -> _Fate:
    """Walk a case's events (oldest first): where it went, where it came back from, its end."""
    reached: set[str] = set()
    current: set[str] = set()
    returned: set[str] = set()
    voided = closed = False
    for f in events:
        if f.type in (C.DISPATCH.value, C.DESIGNATE.value) and f.unit:
            current = {f.unit}
            reached.add(f.unit)
            returned.discard(f.unit)
        elif f.type == C.SUBDISPATCH.value and f.unit:
            current.add(f.unit)
            reached.add(f.unit)
            returned.discard(f.unit)
        elif f.type == C.APPROVE_RETURN.value:
            # A return undoes the whole chain: the street office and the community it passed to.
            returned |= current
            current = set()
        elif f.type == C.APPROVE_VOID.value:
            voided = True
        elif f.type == C.CLOSE.value:
            closed = True
    return _Fate(frozenset(reached - returned), frozenset(returned), voided, closed)
