"""Every (state, command) pair of the transition table, legal and illegal, and every role."""

from __future__ import annotations

from datetime import timedelta

import pytest

from console.domain.cases import CaseState, Role
from console.domain.commands import Action, Command
from console.domain.errors import IllegalTransitionError, PermissionDeniedError
from console.domain.permissions import PERMISSIONS, may
from console.domain.transitions import apply
from console.domain.workflow import TABLE, commands_for
from tests.unit.workflow_fixtures import CTX, FIELDS, T0, actor, case_in

NOW = T0 + timedelta(minutes=10)
STATES: list[CaseState | None] = [None, *CaseState]
PAIRS = [(s, c) for s in STATES for c in Command]


def _case_for(state: CaseState | None, command: Command):
    if state is None:
        return None
    row = TABLE.get((state, command))
    if row is not None and row.needs_pending is not None:
        return case_in(state, pending=row.needs_pending)
    if row is not None and row.any_pending:
        from console.domain.cases import RequestKind

        return case_in(state, pending=RequestKind.VOID)
    return case_in(state)


def _id(pair: tuple[CaseState | None, Command]) -> str:
    state, command = pair
    return f"{state.name if state else 'NEW'}-{command.name}"


@pytest.mark.parametrize(("state", "command"), PAIRS, ids=[_id(p) for p in PAIRS])
def test_every_state_command_pair(state: CaseState | None, command: Command) -> None:
    case = _case_for(state, command)
    row = TABLE.get((state, command))
    action = Action(command, FIELDS.get(command, {}))
    if row is None:
        who = actor(Role.ADMIN)
        with pytest.raises(IllegalTransitionError):
            apply(case, action, who, NOW, CTX)
        return
    role = sorted(row.roles, key=list(Role).index)[0]
    outcome = apply(case, action, actor(role), NOW, CTX)
    expected = row.next_state(state) if state is not None else row.target
    assert expected is not None
    assert outcome.case.state is expected
    assert len(outcome.events) == 1
    event = outcome.events[0]
    assert event.type == command.value
    assert event.from_state == state
    assert event.to_state is expected
    assert event.actor == actor(role).user
    assert event.role is role
    if expected.is_terminal:
        assert outcome.case.stage_deadline is None
    else:
        assert outcome.case.stage_deadline is not None


ROW_ROLES = [
    (state, command, role)
    for (state, command), row in TABLE.items()
    for role in Role
    if role not in row.roles
]


@pytest.mark.parametrize(
    ("state", "command", "role"), ROW_ROLES,
    ids=[f"{_id((s, c))}-{r.name}" for s, c, r in ROW_ROLES],
)
def test_roles_outside_the_row_are_refused(
    state: CaseState | None, command: Command, role: Role
) -> None:
    case = _case_for(state, command)
    with pytest.raises(PermissionDeniedError):
        apply(case, Action(command, FIELDS.get(command, {})), actor(role), NOW, CTX)


def test_terminal_states_allow_nothing() -> None:
    for state in CaseState:
        if state.is_terminal:
            assert commands_for(state) == []
        else:
            assert commands_for(state), state


def test_permissions_are_derived_from_the_table() -> None:
    assert may(Role.SUPERVISOR, Command.APPROVE_VOID)
    assert not may(Role.UNIT, Command.DISPATCH)
    assert not may(Role.COLLECTOR, Command.CLOSE)
    assert Command.FEEDBACK in PERMISSIONS[Role.UNIT]
    every = set().union(*PERMISSIONS.values())
    assert every == set(Command)
