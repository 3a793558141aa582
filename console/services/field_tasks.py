"""A collector's field tasks (核实 / 核查) and the check that a result answers one of them.

A task is a case in 核实中 or 核查中 whose request named this collector (``Case.assignee``).
:func:`open_tasks` lists the signed-in collector's; :func:`task_for_result` decides whether a
result may be taken: the collector's own open task (else 403 for another collector's, 409 for
a task that is no longer open, and the one "no such case" for anything else).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from console.domain.cases import Actor, Case, CaseState, Event, Role
from console.domain.commands import Command
from console.domain.errors import IllegalTransitionError, NotFoundError, PermissionDeniedError
from console.services.access import can_read, unknown_id
from console.services.centre import Centre
from console.services.uow import CaseFilter, PhotoInfo, UnitOfWork

UowFactory = Callable[[], UnitOfWork]


class TaskKind(enum.StrEnum):
    """What the collector is sent to do."""

    VERIFY = "verify"  # 核实: is the reported problem there?
    CHECK = "check"  # 核查: did the unit fix it?


#: The state a task waits in, by kind.
TASK_STATES = {CaseState.VERIFYING: TaskKind.VERIFY, CaseState.CHECKING: TaskKind.CHECK}
#: The outcomes of each kind, and the command each runs.
OUTCOMES: dict[TaskKind, dict[str, tuple[Command, bool | None]]] = {
    TaskKind.VERIFY: {"found": (Command.VERIFY, True), "not_found": (Command.VERIFY, False)},
    TaskKind.CHECK: {"pass": (Command.CHECK_PASS, None), "fail": (Command.CHECK_FAIL, None)},
}


@dataclass(frozen=True, slots=True)
class Task:
    """One open task of a collector, with what the phone shows of it."""

    case: Case
    kind: TaskKind
    deadline: datetime | None
    photos: tuple[PhotoInfo, ...]
    notes: str


def _require_collector(actor: Actor) -> None:
    if actor.role is not Role.COLLECTOR:
        raise PermissionDeniedError("只有监督员有外勤任务 / only collectors have field tasks")


def _notes(events: Sequence[Event], kind: TaskKind) -> str:
    """What the collector should know: for a 核查 the unit's last 处置说明 (what was done)."""
    if kind is not TaskKind.CHECK:
        return ""
    feedback = [e for e in events if e.type == Command.FEEDBACK.value]
    return str(feedback[-1].payload.get("notes") or "") if feedback else ""


def open_tasks(uow_factory: UowFactory, actor: Actor) -> list[Task]:
    """The collector's open tasks, the most urgent deadline first (403 for another role)."""
    _require_collector(actor)
    # Unscoped, by the assignee index: SQL selects what was sent to them and nothing else
    # (the reader view "own reports or visits" made PostgreSQL walk every open case, 80–135 ms
    # a poll at megacity size; docs/BENCHMARKS.md "Collectors in the field").
    flt = CaseFilter(states=tuple(TASK_STATES), assignee=actor.user, order="id")
    with uow_factory() as uow:
        cases = uow.cases.list(flt)
        tasks = []
        for case in cases:
            assert case.id is not None
            kind = TASK_STATES[case.state]
            tasks.append(Task(case, kind, case.stage_deadline,
                              tuple(uow.photos.for_case(case.id)),
                              _notes(uow.events.for_case(case.id), kind)))
    return sorted(tasks, key=lambda t: (t.deadline is None, t.deadline or t.case.reported_at,
                                        t.case.id or 0))


def task_for_result(uow_factory: UowFactory, actor: Actor, case_id: int) -> Case:
    """The case ``case_id`` if it is the collector's open task.

    Raises
    ------
    PermissionDeniedError
        Not a collector, or the task is another collector's.
    IllegalTransitionError
        The task is no longer open (answered, withdrawn, the case moved on).
    NotFoundError
        No such case, or one the collector neither sees nor was ever sent to.
    """
    _require_collector(actor)
    with uow_factory() as uow:
        try:
            case = uow.cases.get(case_id)
        except NotFoundError:
            raise unknown_id(case_id) from None
        if case.state in TASK_STATES:
            if case.assignee != actor.user:
                raise PermissionDeniedError(f"案件 {case.case_no} 的{_label(case)}任务不是派给您的 / "
                                            "this task was sent to another collector")
            return case
        events = uow.events.for_case(case_id)
    was_mine = any(e.type in (Command.REQUEST_VERIFY.value, Command.REQUEST_CHECK.value,
                              Command.REASSIGN.value)
                   and e.payload.get("collector") == actor.user for e in events)
    if not (was_mine or can_read(actor, case)):
        raise unknown_id(case_id)
    raise IllegalTransitionError(f"案件 {case.case_no} 的外勤任务已结束（现为「{case.state.value}」）"
                                 " / the task is no longer open")


def _label(case: Case) -> str:
    return "核实" if case.state is CaseState.VERIFYING else "核查"


def task_centre_name(centre: Centre, case: Case, english: bool = False) -> str:
    """The case's category name (the code itself when the reference no longer has it);
    ``english``: its English name, ``""`` where the centre gave none."""
    category = centre.ref.categories.get(case.category)
    if category is None:
        return "" if english else case.category
    return category.name_en if english else category.name_zh
