"""自处置 (issue #15): a collector's report of a minor problem fixed on the spot, with photos
before and after, reviewed by whoever may accept — approved (closed, close type 自处置) or
rejected (an ordinary new report, the reason logged).  The audit's fold agrees at every step."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from console.domain.case_fold import differences
from console.domain.cases import Actor, Case, CaseState, CloseType, Event, Role
from console.domain.commands import Action, Command
from console.domain.errors import IllegalTransitionError, PermissionDeniedError, ValidationError
from console.domain.permissions import may
from console.domain.transitions import apply
from console.domain.workflow import CREATIONS, commands_for
from tests.unit.workflow_fixtures import CTX, FIELDS, T0, actor

COLLECTOR = Actor("caiji01", Role.COLLECTOR, desk="phone")
ACCEPTOR = actor(Role.ACCEPTOR)
SELF = FIELDS[Command.SELF_HANDLE]


def _self_handled(by: Actor = COLLECTOR, **fields: object) -> tuple[Case, list[Event]]:
    out = apply(None, Action(Command.SELF_HANDLE, {**SELF, **fields}), by, T0, CTX)
    case = dataclasses.replace(out.case, id=7)
    return case, [dataclasses.replace(e, case_id=7, id=1) for e in out.events]


def _then(case: Case, events: list[Event], command: Command, who: Actor, minutes: int,
          **fields: object) -> tuple[Case, list[Event]]:
    out = apply(case, Action(command, dict(fields)), who, T0 + timedelta(minutes=minutes), CTX)
    new = dataclasses.replace(out.case, version=case.version + 1)
    return new, events + [dataclasses.replace(e, id=len(events) + 1) for e in out.events]


def test_a_self_handled_report_waits_for_review_on_the_intake_clock() -> None:
    case, events = _self_handled()
    assert case.state is CaseState.SELF_HANDLED and case.reporter == "caiji01"
    assert case.stage == "受理" and case.stage_deadline == T0 + timedelta(minutes=30)
    assert [e.type for e in events] == ["self-handle"] and events[0].from_state is None
    assert events[0].to_state is CaseState.SELF_HANDLED
    assert Command.SELF_HANDLE in CREATIONS and Command.REPORT in CREATIONS
    assert commands_for(CaseState.SELF_HANDLED, Role.ACCEPTOR)[:2] == [
        Command.APPROVE_SELF_HANDLED, Command.REJECT_SELF_HANDLED]
    assert differences(case, events) == []


def test_approval_closes_it_as_self_handled_and_the_fold_agrees() -> None:
    case, events = _self_handled()
    case, events = _then(case, events, Command.APPROVE_SELF_HANDLED, ACCEPTOR, 20)
    assert case.state is CaseState.CLOSED and case.close_type == CloseType.SELF_HANDLED.value
    assert case.closed_at == T0 + timedelta(minutes=20) and case.stage_deadline is None
    last = events[-1]
    assert (last.stage, last.on_time, last.payload["close_type"]) == ("受理", True, "自处置")
    assert differences(case, events) == []


def test_rejection_makes_an_ordinary_report_with_a_fresh_intake_clock() -> None:
    case, events = _self_handled()
    case, events = _then(case, events, Command.REJECT_SELF_HANDLED, ACCEPTOR, 45,
                         reason="照片看不出已处置")
    assert case.state is CaseState.REPORTED and case.close_type is None
    assert case.stage_deadline == T0 + timedelta(minutes=45 + 30)  # from the rejection
    last = events[-1]
    assert last.payload == {"reason": "照片看不出已处置"}
    assert (last.stage, last.on_time) == ("受理", False)  # the review itself was late
    assert differences(case, events) == []
    case, events = _then(case, events, Command.ACCEPT, ACCEPTOR, 50)
    assert case.state is CaseState.ACCEPTED and differences(case, events) == []


def test_a_rejection_needs_a_reason() -> None:
    case, _ = _self_handled()
    with pytest.raises(ValidationError, match="reason"):
        apply(case, Action(Command.REJECT_SELF_HANDLED, {"reason": "  "}), ACCEPTOR, T0, CTX)


@pytest.mark.parametrize("missing", ["photos_before", "photos_after"])
@pytest.mark.parametrize("value", [None, 0, True, "1"])
def test_both_photos_are_required(missing: str, value: object) -> None:
    fields = {**SELF, missing: value}
    with pytest.raises(ValidationError):
        apply(None, Action(Command.SELF_HANDLE, fields), COLLECTOR, T0, CTX)


def test_only_a_collectors_report_can_be_self_handled() -> None:
    with pytest.raises(ValidationError, match="collector"):
        apply(None, Action(Command.SELF_HANDLE, {**SELF, "source": "公众举报"}),
              actor(Role.ADMIN), T0, CTX)
    for role in (Role.ACCEPTOR, Role.SUPERVISOR, Role.DISPATCHER, Role.UNIT, Role.WALL):
        with pytest.raises(PermissionDeniedError):
            apply(None, Action(Command.SELF_HANDLE, SELF), actor(role), T0, CTX)


def test_a_collector_cannot_approve_or_reject_and_nobody_reviews_their_own() -> None:
    case, _ = _self_handled()
    assert not may(Role.COLLECTOR, Command.APPROVE_SELF_HANDLED)
    for command, fields in ((Command.APPROVE_SELF_HANDLED, {}),
                            (Command.REJECT_SELF_HANDLED, {"reason": "x"})):
        with pytest.raises(PermissionDeniedError):
            apply(case, Action(command, fields), COLLECTOR, T0, CTX)
    # An administrator may key a collector's report in, and may review others' — not its own.
    admin = actor(Role.ADMIN)
    own, _ = _self_handled(admin)
    with pytest.raises(PermissionDeniedError, match="own"):
        apply(own, Action(Command.APPROVE_SELF_HANDLED), admin, T0, CTX)
    assert apply(case, Action(Command.APPROVE_SELF_HANDLED), admin, T0, CTX).case.is_open is False


def test_the_close_type_self_handled_comes_only_from_the_review() -> None:
    from tests.unit.workflow_fixtures import case_in

    with pytest.raises(ValidationError, match="自处置"):
        apply(case_in(CaseState.TO_CLOSE), Action(Command.CLOSE, {"close_type": "自处置"}),
              actor(Role.SUPERVISOR), T0, CTX)


def test_the_loop_commands_do_not_apply_while_it_waits_for_review() -> None:
    case, _ = _self_handled()
    for command in (Command.ACCEPT, Command.FILE, Command.DISPATCH, Command.MERGE):
        with pytest.raises(IllegalTransitionError):
            apply(case, Action(command, FIELDS.get(command, {})), actor(Role.ADMIN), T0, CTX)
