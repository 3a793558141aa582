"""A case row as its events say it must be: the fold ``audit verify`` compares with ``cases``.

The event log is the truth; the ``cases`` table is a copy kept for fast queues.  Whoever can
write that table directly (``UPDATE cases SET state = '已结案'``) changes what desks, reports
and evaluation show without a line in the chained log.  :func:`fold` replays a case's events
and returns the fields they determine; :func:`differences` names each field of a stored case
that disagrees.

Fields the fold determines (:data:`FOLD_FIELDS`): state and stage; unit, parent unit and
substitute (代整改); category, filing condition and limit class; verified; pending request
(kind, requester, reason, minutes); assignee; suspended_at; close type, closed_at and
merged_into; the rework, return, extension (count and minutes), suspension and urge counters;
and the stage deadline where the log records it (terminal states have none; after a report or
a step that kept the stage and did not move the clock, the deadline the step found).  Not
folded: the version (one write may log several events, as an import does, or none), the
deadline a stage-changing step set (working-time arithmetic on a calendar that may have changed
since; the next event records it), and the report's own fields (description, place, contact:
the report event does not carry them).

Pure: the events in, the differences out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from console.domain.cases import STAGE_OF, Case, CaseState, Event, RequestKind
from console.domain.commands import Command
from console.domain.workflow import CREATIONS, REQUESTS

#: The case fields :func:`differences` compares, in the order it reports them.
FOLD_FIELDS = (
    "state", "stage", "stage_deadline", "unit", "parent_unit", "substitute", "category",
    "condition", "limit_class", "verified", "pending", "assignee", "suspended_at",
    "close_type", "closed_at", "merged_into", "rework_count", "return_count",
    "extension_count", "extension_minutes", "suspend_count", "urge_count",
)
_VISITS = frozenset({CaseState.VERIFYING, CaseState.CHECKING})
_DECISIONS = frozenset({Command.APPROVE_RETURN, Command.APPROVE_EXTENSION,
                        Command.APPROVE_SUSPEND, Command.APPROVE_VOID, Command.DENY_REQUEST})
_COMMANDS = {c.value: c for c in Command}
#: Steps after which the deadline is the one the step found only if the stage stayed.
_CLOCK_MOVERS = frozenset({Command.APPROVE_EXTENSION, Command.RESUME})
#: Steps that start a new clock although the stage keeps its name (rework; a rejected 自处置
#: becomes an ordinary report with a fresh 受理 clock).
_RESTARTS = frozenset({Command.CHECK_FAIL, Command.REJECT_SELF_HANDLED})
_UNKNOWN: Any = object()
"""A deadline the log does not record (set by the last step; its next event will)."""


@dataclass(frozen=True, slots=True)
class Folded:
    """The fields of a case its events determine (see the module docstring)."""

    state: CaseState | None = None
    stage: str | None = None
    stage_deadline: Any = _UNKNOWN
    unit: str | None = None
    parent_unit: str | None = None
    substitute: bool = False
    category: str | None = None
    condition: str | None = None
    limit_class: str = "一般性"
    verified: bool | None = None
    pending: tuple[str, str, str, int] | None = None
    assignee: str | None = None
    suspended_at: datetime | None = None
    close_type: str | None = None
    closed_at: datetime | None = None
    merged_into: int | None = None
    rework_count: int = 0
    return_count: int = 0
    extension_count: int = 0
    extension_minutes: int = 0
    suspend_count: int = 0
    urge_count: int = 0
    order_problem: str | None = None
    """Why the events themselves do not line up (a step from a state the case was not in)."""

    @property
    def deadline_known(self) -> bool:
        """True when the log records the current stage deadline."""
        return self.stage_deadline is not _UNKNOWN


def _stage(state: CaseState | None) -> str | None:
    stage = STAGE_OF.get(state) if state is not None else None
    return None if stage is None else stage.value


def _step(f: Folded, e: Event) -> Folded:
    p: Mapping[str, Any] = e.payload
    cmd = _COMMANDS.get(e.type)
    changes: dict[str, Any] = {}
    if cmd in CREATIONS:
        changes.update(category=p.get("category"))
    elif cmd is Command.FILE:
        changes.update(category=p.get("category"), condition=p.get("condition"),
                       limit_class=p.get("limit_class", f.limit_class))
    elif cmd is Command.VERIFY:
        changes["verified"] = p.get("found")
    elif cmd in (Command.DISPATCH, Command.DESIGNATE):
        changes.update(unit=p.get("unit"), parent_unit=None,
                       substitute=cmd is Command.DESIGNATE)
    elif cmd is Command.SUBDISPATCH:
        changes.update(unit=p.get("unit"), parent_unit=p.get("parent_unit"))
    elif cmd is Command.APPROVE_RETURN:
        changes.update(unit=None, parent_unit=None, return_count=f.return_count + 1)
    elif cmd is Command.CHECK_FAIL:
        changes["rework_count"] = int(p.get("rework", f.rework_count + 1))
    elif cmd in (Command.CLOSE, Command.APPROVE_SELF_HANDLED):
        changes["close_type"] = p.get("close_type")
    elif cmd is Command.APPROVE_EXTENSION:
        changes.update(extension_count=f.extension_count + 1,
                       extension_minutes=f.extension_minutes + int(p.get("minutes", 0)))
    elif cmd is Command.APPROVE_SUSPEND:
        changes.update(suspend_count=f.suspend_count + 1, suspended_at=e.occurred_at)
    elif cmd is Command.RESUME:
        changes["suspended_at"] = None
    elif cmd is Command.URGE:
        changes["urge_count"] = f.urge_count + 1
    elif cmd is Command.MERGE:
        changes["merged_into"] = p.get("into")
    if cmd is not None and cmd in REQUESTS:
        kind: RequestKind = REQUESTS[cmd]
        changes["pending"] = (kind.value, e.actor, str(p.get("reason", "")),
                              int(p.get("minutes", 0)))
    elif cmd in _DECISIONS:
        changes["pending"] = None
    if cmd in (Command.REQUEST_VERIFY, Command.REQUEST_CHECK, Command.REASSIGN):
        changes["assignee"] = p.get("collector")
    state = e.to_state
    if state not in _VISITS:
        changes["assignee"] = None
    stage = _stage(state)
    restarted = cmd in _RESTARTS or stage != _stage(e.from_state)
    if cmd in CREATIONS or (not restarted and cmd not in _CLOCK_MOVERS):
        changes["stage_deadline"] = e.stage_deadline
    else:
        changes["stage_deadline"] = _UNKNOWN
    if restarted and cmd not in CREATIONS:
        changes["suspended_at"] = None  # a new stage's clock is never suspended
    if state.is_terminal:
        changes.update(stage_deadline=None, suspended_at=None,
                       closed_at=e.occurred_at if state is CaseState.CLOSED else None)
    changes.update(state=state, stage=stage)
    return replace(f, **changes)


def fold(events: Sequence[Event]) -> Folded:
    """Replay a case's events (oldest first) into the fields they determine."""
    f = Folded()
    for n, e in enumerate(events):
        expected = None if n == 0 else f.state
        if f.order_problem is None and e.from_state != expected:
            where = "新案件" if expected is None else expected.value
            f = replace(f, order_problem=(
                f"事件 id={e.id} 从「{e.from_state.value if e.from_state else '新案件'}」出发，"
                f"而案件此时为「{where}」/ event {e.id} starts from a state the case was not in"))
        f = _step(f, e)
    return f


def _pending(case: Case) -> tuple[str, str, str, int] | None:
    p = case.pending
    return None if p is None else (p.kind.value, p.requested_by, p.reason, p.minutes)


def differences(case: Case, events: Sequence[Event]) -> list[tuple[str, Any, Any]]:
    """``(field, stored, folded)`` for each field of ``case`` its events contradict.

    A case without events is reported as one difference of ``events``.
    """
    if not events:
        return [("events", "none", "a report event")]
    f = fold(events)
    out: list[tuple[str, Any, Any]] = []
    for name in FOLD_FIELDS:
        want = getattr(f, name)
        if name == "stage_deadline" and not f.deadline_known:
            continue
        have: Any = _pending(case) if name == "pending" else getattr(case, name)
        if name == "state" and have is not None:
            have = CaseState(str(have))
        if have != want:
            out.append((name, have, want))
    if f.order_problem is not None:
        out.append(("events", "out of order", f.order_problem))
    return out
