"""改派 (issue #15): a waiting 核实 / 核查 visit goes to another collector — logged, the state and
the stage's clock unchanged, the audit's fold and the task holder following the new holder."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from types import SimpleNamespace
from typing import cast

import pytest

from console.domain.case_fold import differences
from console.domain.cases import Case, CaseState, Event, Role
from console.domain.commands import Action, Command
from console.domain.errors import IllegalTransitionError, PermissionDeniedError, ValidationError
from console.domain.event_facts import Fact, Named, event_facts, task_holder
from console.domain.reference import ReferenceSet, User
from console.domain.transitions import apply
from console.domain.workflow import TABLE
from tests.unit.workflow_fixtures import CTX, FIELDS, T0, actor

ACCEPTOR = actor(Role.ACCEPTOR)
#: Only the users matter here (the names a timeline shows).
REF = cast(ReferenceSet, SimpleNamespace(users={
    "caiji01": User("caiji01", "张一", Role.COLLECTOR.value),
    "caiji02": User("caiji02", "余二", Role.COLLECTOR.value),
}))


def _step(case: Case | None, events: list[Event], command: Command, minutes: int,
          **fields: object) -> tuple[Case, list[Event]]:
    out = apply(case, Action(command, dict(fields)), ACCEPTOR, T0 + timedelta(minutes=minutes),
                CTX)
    new = dataclasses.replace(out.case, id=7, version=(case.version + 1) if case else 1)
    return new, events + [dataclasses.replace(e, case_id=7, id=len(events) + 1)
                          for e in out.events]


def _verifying() -> tuple[Case, list[Event]]:
    case, events = _step(None, [], Command.REPORT, 0, **{**FIELDS[Command.REPORT],
                                                          "source": "公众举报"})
    case, events = _step(case, events, Command.ACCEPT, 5)
    return _step(case, events, Command.REQUEST_VERIFY, 10, collector="caiji01")


def test_reassigning_a_waiting_visit_moves_the_holder_and_keeps_the_clock() -> None:
    case, events = _verifying()
    deadline = case.stage_deadline
    case, events = _step(case, events, Command.REASSIGN, 40, collector="caiji02")
    assert case.state is CaseState.VERIFYING and case.assignee == "caiji02"
    assert case.stage_deadline == deadline  # the request's deadline, whoever holds it
    last = events[-1]
    assert (last.type, last.from_state, last.to_state) == ("reassign", CaseState.VERIFYING,
                                                           CaseState.VERIFYING)
    assert last.payload == {"collector": "caiji02", "previous": "caiji01"}
    assert last.on_time is None  # no stage ended
    assert differences(case, events) == []
    holder = task_holder(case, events, REF)
    assert holder is not None
    assert (holder.collector, holder.name, holder.since) == ("caiji02", "余二 caiji02",
                                                             T0 + timedelta(minutes=40))
    facts = {f.fact: f.value for f in event_facts(last, REF)}
    assert facts[Fact.COLLECTOR] == Named("余二 caiji02")
    assert facts[Fact.PREVIOUS_COLLECTOR] == Named("张一 caiji01")


def test_the_result_after_a_reassignment_ends_the_visit_and_the_fold_agrees() -> None:
    case, events = _verifying()
    case, events = _step(case, events, Command.REASSIGN, 40, collector="caiji02")
    case, events = _step(case, events, Command.VERIFY, 60, found=True)
    assert case.state is CaseState.ACCEPTED and case.assignee is None
    assert events[-1].on_time is True  # the 核实 stage ran from the request, 50 of 120 min
    assert differences(case, events) == []


def test_a_reassignment_is_for_waiting_visits_only_by_the_desk_and_to_someone_else() -> None:
    case, events = _verifying()
    with pytest.raises(ValidationError, match="无须改派"):
        _step(case, events, Command.REASSIGN, 20, collector="caiji01")
    with pytest.raises(ValidationError, match="collector"):
        _step(case, events, Command.REASSIGN, 20)
    with pytest.raises(PermissionDeniedError):
        apply(case, Action(Command.REASSIGN, {"collector": "caiji02"}),
              actor(Role.COLLECTOR), T0, CTX)
    accepted = dataclasses.replace(case, state=CaseState.ACCEPTED, assignee=None)
    with pytest.raises(IllegalTransitionError):
        apply(accepted, Action(Command.REASSIGN, {"collector": "caiji02"}), ACCEPTOR, T0, CTX)
    assert {s for (s, c) in TABLE if c is Command.REASSIGN} == {CaseState.VERIFYING,
                                                                 CaseState.CHECKING}


def test_a_fold_that_missed_the_reassignment_names_the_wrong_holder() -> None:
    """The audit notices a stored holder the log does not explain."""
    case, events = _verifying()
    case, events = _step(case, events, Command.REASSIGN, 40, collector="caiji02")
    tampered = dataclasses.replace(case, assignee="caiji01")
    assert ("assignee", "caiji01", "caiji02") in differences(tampered, events)
