"""Counting for 绩效评价: read the event log of a period and tally, per object, the cases behind
every count.  ``console/services/evaluation.py`` turns the tallies into scores; the definitions
are documented there and in ``docs/evaluation.md``.  专业部门 (units) are counted by the
database instead (``EventLog.unit_counts`` / ``unit_cases``); the Python tally they replaced is
kept, for the equality tests, in ``tests/integration/evaluation_legacy.py``.

Every function reads only narrow rows (:meth:`~console.services.uow.EventLog.facts`) of the
event types it needs in ``[start, end)``, plus targeted look-ups of the same cases' earlier or
later events **before ``end``**, so a period's evaluation depends on nothing that happened after
it and never changes once the period is over.

Imported history (events with ``payload.imported``, written by a file import) counts for units
and areas, never against staff who never saw it: the cell-based 监督员 counts (立案数 in the
cells, 漏报数) leave it out, and staff are counted only on events done in their own role (an
import's steps are the administrator's unless the mapping names the people).  An imported case
placed in the mapping's default cell (``payload.unplaced``) is left out of area counts, and one
whose dispatch time is unknown (``payload.untimed``) out of the timeliness counts that need it.
What was left out is tallied under the key :data:`LEFT_OUT` for the evaluation's notes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

from console.domain.cases import CaseState, CloseType, Role, Source
from console.domain.commands import Command
from console.domain.evaluation import EvaluationConfig
from console.services.centre import Centre
from console.services.uow import EventFact, EventLog

C = Command
DISPATCHES = (C.DISPATCH.value, C.DESIGNATE.value, C.SUBDISPATCH.value)
ADMIN = Role.ADMIN.value
COLLECTOR = Role.COLLECTOR.value
#: The tally key of what was left out (no object has an empty key): count name -> cases.
LEFT_OUT = ""
IMPORTED, UNPLACED, UNTIMED = "imported", "unplaced", "untimed"


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
        """Every object key that has at least one count (not :data:`LEFT_OUT`)."""
        return set(self._items) - {LEFT_OUT}


def _in(instant: datetime | None, start: datetime, end: datetime) -> bool:
    return instant is not None and start <= instant < end


def _by_case(facts: Iterable[EventFact]) -> dict[int, list[EventFact]]:
    out: dict[int, list[EventFact]] = defaultdict(list)
    for f in facts:  # facts come oldest first, so each list is in log order
        out[f.case_id].append(f)
    return out


def collectors_by_grid(centre: Centre) -> dict[str, list[str]]:
    """The active collectors patrolling each grid cell (users.yaml ``grids``)."""
    out: dict[str, list[str]] = defaultdict(list)
    for user in centre.ref.users.values():
        if user.active and user.role == COLLECTOR:
            for grid in user.grids:
                out[grid].append(user.username)
    return out


def collector_tally(log: EventLog, centre: Centre, start: datetime, end: datetime) -> Tally:
    """监督员 counts; keys are user names.  Only events done in the 监督员 role count."""
    t = Tally()
    grids = collectors_by_grid(centre)
    reported: dict[int, str] = {}
    for f in log.facts([C.FILE.value], start, end, with_payload=True):
        if f.payload.get(IMPORTED):
            # Today's patrol cells say nothing of who walked them when an old case happened.
            t.add(LEFT_OUT, "imported_cells", f.case_id)
        else:
            t.add_all(grids.get(f.grid or "", ()), "filed", f.case_id)
    types = [C.REPORT.value, C.CHECK_PASS.value, C.CHECK_FAIL.value]
    for f in log.facts(types, start, end):
        if f.role != COLLECTOR:
            continue
        if f.type == C.REPORT.value:
            t.add(f.actor, "reports", f.case_id)
            reported[f.case_id] = f.actor
        elif f.on_time is not None:
            t.add(f.actor, "check_due", f.case_id)
            if f.on_time:
                t.add(f.actor, "check_on_time", f.case_id)
    for f in log.facts([C.VERIFY.value], start, end, with_payload=True):
        if f.payload.get("found") is True and f.source != Source.COLLECTOR.value \
                and not f.payload.get(IMPORTED):
            # A public report the verification confirmed: the cell's collector missed it (漏报).
            t.add_all(grids.get(f.grid or "", ()), "missed", f.case_id)
        if f.role == COLLECTOR and f.on_time is not None:
            t.add(f.actor, "verify_due", f.case_id)
            if f.on_time:
                t.add(f.actor, "verify_on_time", f.case_id)

    outcome = _by_case(log.facts(
        [C.FILE.value, C.REFUSE.value, C.REFUSE_FILE.value, C.MERGE.value, C.APPROVE_VOID.value],
        None, end, case_ids=reported,
    ))
    for case_id, actor in reported.items():
        types_seen = {f.type for f in outcome.get(case_id, ())}
        if not types_seen:
            t.add(actor, "pending", case_id)  # undecided at the period's end: neither valid nor not
        elif C.FILE.value in types_seen and C.APPROVE_VOID.value not in types_seen:
            t.add(actor, "valid", case_id)

    _self_handled(log, t, start, end)

    # 核实/核查 tasks still open at the end whose deadline fell inside the period: due, late.
    open_tasks = [s for s in log.open_at(end, [CaseState.VERIFYING.value, CaseState.CHECKING.value])
                  if _in(s.deadline, start, end)]
    requests = _by_case(log.facts([C.REQUEST_VERIFY.value, C.REQUEST_CHECK.value,
                                   C.REASSIGN.value], None, end,
                                  case_ids={s.case_id for s in open_tasks}, with_payload=True))
    for s in open_tasks:
        verifying = s.state == CaseState.VERIFYING.value
        wanted = C.REQUEST_VERIFY.value if verifying else C.REQUEST_CHECK.value
        # The holder at the period's end: the request's collector, or the last 改派 after it.
        named = []
        for f in requests.get(s.case_id, ()):
            if f.type == wanted:
                named = [f.payload.get("collector")]
            elif f.type == C.REASSIGN.value and named:
                named.append(f.payload.get("collector"))
        who = [str(named[-1])] if named and named[-1] else grids.get(s.grid or "", [])
        t.add_all(who, "verify_due" if verifying else "check_due", s.case_id)
        t.add_all(who, "verify_overdue_open" if verifying else "check_overdue_open", s.case_id)
    return t


#: 自处置 (counted apart from 上报数 and every index, as eGova does): a collector's reports of
#: problems fixed on the spot, and their reviews.
SELF_REVIEWS = (C.APPROVE_SELF_HANDLED.value, C.REJECT_SELF_HANDLED.value)


def _self_handled(log: EventLog, t: Tally, start: datetime, end: datetime) -> None:
    """监督员's 自处置 of the period: reported, and by the period's end approved, rejected or
    still waiting (``self_pending``)."""
    reported = {f.case_id: f.actor for f in log.facts([C.SELF_HANDLE.value], start, end)
                if f.role == COLLECTOR}
    decided = {f.case_id: f.type for f in log.facts(list(SELF_REVIEWS), None, end,
                                                    case_ids=reported)}
    for case_id, actor in reported.items():
        t.add(actor, "self_handled", case_id)
        outcome = decided.get(case_id)
        t.add(actor, "self_pending" if outcome is None else
              "self_approved" if outcome == C.APPROVE_SELF_HANDLED.value else "self_rejected",
              case_id)


def acceptor_tally(
    log: EventLog, centre: Centre, start: datetime, end: datetime, config: EvaluationConfig
) -> Tally:
    """受理员 counts; keys are user names (whoever did the work, except the 管理员 account)."""
    t = Tally()
    checks: list[EventFact] = []
    types = [C.ACCEPT.value, C.REFUSE.value, C.REQUEST_VERIFY.value, C.REQUEST_CHECK.value,
             *SELF_REVIEWS]
    for f in log.facts(types, start, end):
        if f.role == ADMIN:
            continue
        if f.type in SELF_REVIEWS:  # 自处置审核: shown apart, in no index
            t.add(f.actor, "self_approved" if f.type == C.APPROVE_SELF_HANDLED.value
                  else "self_rejected", f.case_id)
        elif f.type in (C.ACCEPT.value, C.REFUSE.value):
            t.add(f.actor, "accepted", f.case_id)
            t.add(f.actor, "accepts" if f.type == C.ACCEPT.value else "refusals", f.case_id)
        elif f.type == C.REQUEST_VERIFY.value and f.on_time is not None:
            # 发核实 ends the 立案 stage begun at 受理: its on_time says it was sent in time.
            t.add(f.actor, "verify_sent", f.case_id)
            if f.on_time:
                t.add(f.actor, "verify_sent_on_time", f.case_id)
        elif f.type == C.REQUEST_CHECK.value:
            checks.append(f)
    feedbacks = _by_case(log.facts([C.FEEDBACK.value], None, end,
                                   case_ids={f.case_id for f in checks}))
    limit = config.send_check_minutes * 60
    for f in checks:
        # 发核查 ends no stage (the 核查 clock runs from the feedback), so time it here: working
        # minutes from the unit's feedback to the request, against send_check_minutes.
        before = [fb for fb in feedbacks.get(f.case_id, ()) if fb.id < f.id]
        t.add(f.actor, "check_sent", f.case_id)
        if before:
            used = centre.calendar.between_seconds_for(before[-1].occurred_at, f.occurred_at, False)
            on_time = used <= limit
        else:  # no feedback in the log (imported case): the 核查 deadline is all we know
            on_time = f.stage_deadline is not None and f.occurred_at <= f.stage_deadline
        if on_time:
            t.add(f.actor, "check_sent_on_time", f.case_id)
    return t


def supervisor_tally(log: EventLog, start: datetime, end: datetime) -> Tally:
    """值班长 counts; keys are user names (whoever filed or closed, except the 管理员 account)."""
    t = Tally()
    filed_by: dict[int, tuple[str, int]] = {}
    for f in log.facts([C.FILE.value, C.REFUSE_FILE.value, C.CLOSE.value], start, end):
        if f.role == ADMIN:
            continue
        if f.type == C.FILE.value:
            t.add(f.actor, "filed", f.case_id)
            if f.on_time:
                t.add(f.actor, "filed_on_time", f.case_id)
            filed_by[f.case_id] = (f.actor, f.id)
        elif f.type == C.REFUSE_FILE.value:
            t.add(f.actor, "refused_file", f.case_id)
        else:
            t.add(f.actor, "closed", f.case_id)
            if f.on_time:
                t.add(f.actor, "closed_on_time", f.case_id)
    for f in log.facts([C.APPROVE_VOID.value], None, end, case_ids=filed_by):
        actor, file_id = filed_by[f.case_id]
        if f.id > file_id:  # voided after it was filed: the filing was wrong (准确立案 = 立案 − 作废)
            t.add(actor, "voided", f.case_id)
    return t


def dispatcher_tally(log: EventLog, start: datetime, end: datetime) -> Tally:
    """派遣员 counts; keys are user names (whoever dispatched, except the 管理员 account)."""
    t = Tally()
    dispatches: dict[int, EventFact] = {}
    for f in log.facts([C.DISPATCH.value, C.DESIGNATE.value], start, end, with_payload=True):
        if f.role == ADMIN:
            continue
        if f.payload.get(UNTIMED):
            # A named dispatcher's imported dispatch without a time: neither on time nor late.
            t.add(LEFT_OUT, "untimed", f.case_id)
            continue
        t.add(f.actor, "dispatched", f.case_id)
        if f.on_time:
            t.add(f.actor, "dispatched_on_time", f.case_id)
        dispatches[f.id] = f
    history = _by_case(log.facts([C.DISPATCH.value, C.DESIGNATE.value, C.APPROVE_RETURN.value],
                                 None, end, case_ids={f.case_id for f in dispatches.values()}))
    for events in history.values():
        last: int | None = None
        for f in events:
            if f.type == C.APPROVE_RETURN.value:
                if last is not None and last in dispatches:
                    d = dispatches[last]
                    t.add(d.actor, "returned", d.case_id)  # 回退: the dispatch went to the wrong unit
                last = None
            else:
                last = f.id
    return t


def area_tally(
    log: EventLog, area_of: Mapping[str, str], start: datetime, end: datetime
) -> Tally:
    """区域 counts; keys are area codes (``area_of`` maps a grid cell to its area)."""
    t = Tally()
    cohort: dict[int, str] = {}
    for f in log.facts([C.FILE.value], start, end, with_payload=True):
        area = area_of.get(f.grid or "")
        if f.payload.get(UNPLACED):
            # Put in the mapping's default cell for want of a place: it happened somewhere else.
            t.add(LEFT_OUT, "unplaced", f.case_id)
        elif area is not None:
            t.add(area, "filed", f.case_id)
            cohort[f.case_id] = area
    for f in log.facts([C.VERIFY.value], start, end, with_payload=True):
        area = area_of.get(f.grid or "")
        if area is not None and f.payload.get("found") is True \
                and f.source != Source.COLLECTOR.value and not f.payload.get(UNPLACED):
            t.add(area, "reported_verified", f.case_id)
    for f in log.facts([C.SELF_HANDLE.value], start, end):
        # 自处置 in the area: counted apart, never 立案 (no department handled it).
        area = area_of.get(f.grid or "")
        if area is not None:
            t.add(area, "self_handled", f.case_id)
    outcome = _by_case(log.facts([C.CLOSE.value, C.APPROVE_VOID.value], None, end,
                                 case_ids=cohort, with_payload=True))
    for case_id, area in cohort.items():
        events = outcome.get(case_id, [])
        if any(f.type == C.APPROVE_VOID.value for f in events):
            continue
        t.add(area, "due_to_close", case_id)
        closes = [f for f in events if f.type == C.CLOSE.value]
        if closes:
            t.add(area, "closed", case_id)
            if closes[-1].payload.get(UNTIMED):
                # Its handling had no clock: neither on time nor late (out of 按期结案率).
                t.add(area, "untimed", case_id)
                t.add(LEFT_OUT, "untimed", case_id)
            elif closes[-1].payload.get("close_type") == CloseType.NORMAL.value:
                t.add(area, "closed_on_time", case_id)
    return t
