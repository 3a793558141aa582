"""Permissions enforced by the services on a real database: every role × every command.

The workflow table says which roles may run each (state, command); here every pair goes
through :func:`console.services.cases.act` against stored cases, so a refusal is the
services' (not a hidden button's) and leaves the database as it was.  Reads are scoped too: a
unit seat cannot open, list or follow another unit's case.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import pytest

from console.domain.cases import Actor, Case, CaseState, RequestKind, Role
from console.domain.commands import Command
from console.domain.errors import NotFoundError, PermissionDeniedError
from console.domain.reference import CentreConfig, GridCell, ReferenceSet, User
from console.domain.workflow import TABLE
from console.services.access import can_read, scoped_factory
from console.services.cases import Report, act, report_case
from console.services.centre import Centre, build_centre
from console.services.feed import poll
from console.services.queries import case_detail, list_cases
from console.services.uow import UnitOfWork
from tests.unit.workflow_fixtures import CATEGORIES, FIELDS, T0, UNITS, case_in

NOW = T0 + timedelta(minutes=10)
CELL = GridCell("330824001001001", "330824001", "芹阳办事处", "330824001001", "北门社区",
                ((118.40, 29.13), (118.42, 29.13), (118.42, 29.15), (118.40, 29.15)))


@pytest.fixture
def centre() -> Centre:
    ref = ReferenceSet(
        config=CentreConfig(), categories=CATEGORIES, units=UNITS, rules=(), components={},
        grids={CELL.code: CELL},
        # The collector a 改派 (reassign) hands the visit to (workflow_fixtures.FIELDS).
        users={"caiji02": User("caiji02", "监督员二", Role.COLLECTOR.value, None,
                               (CELL.code,), True)},
    )
    return build_centre(ref)


def _actor(role: Role, unit: str | None = "U1") -> Actor:
    grids = (CELL.code,) if role is Role.COLLECTOR else ()  # a collector patrolling the cell
    return Actor(f"user-{role.name.lower()}", role, unit if role is Role.UNIT else None, "desk-t",
                 grids=grids)


def _store(uow_factory: Callable[[], UnitOfWork], case: Case) -> Case:
    with uow_factory() as uow:
        saved = uow.cases.add(dataclasses.replace(case, id=None, version=0))
        uow.commit()
    return saved


def _case_for(state: CaseState, command: Command) -> Case:
    row = TABLE[(state, command)]
    if row.needs_pending is not None:
        return case_in(state, pending=row.needs_pending)
    if row.any_pending:
        return case_in(state, pending=RequestKind.VOID)
    return case_in(state)


ROWS = sorted(((s, c) for (s, c) in TABLE if s is not None), key=lambda p: (p[0].name, p[1].name))


def test_every_role_and_command_through_the_services(
    uow_factory: Callable[[], UnitOfWork], centre: Centre
) -> None:
    target = _store(uow_factory, dataclasses.replace(case_in(CaseState.FILED), case_no="2026030299999"))
    refused = allowed = 0
    for number, (state, command) in enumerate(ROWS):
        row = TABLE[(state, command)]
        for role in Role:
            case = _store(uow_factory, dataclasses.replace(
                _case_for(state, command), case_no=f"20260302{number:02d}{list(Role).index(role):03d}"))
            fields = dict(FIELDS.get(command, {}))
            if command is Command.MERGE:
                fields["into"] = target.id
            with uow_factory() as uow:
                before = (uow.events.count(), uow.cases.get(case.id).version)
            assert case.id is not None
            if role in row.roles:
                act(uow_factory, centre, _actor(role), NOW, case.id, command, fields)
                allowed += 1
            else:
                # A case the seat cannot see answers as one that does not exist.
                refusal = (PermissionDeniedError if can_read(_actor(role), case)
                           else NotFoundError)
                with pytest.raises(refusal):
                    act(uow_factory, centre, _actor(role), NOW, case.id, command, fields)
                with uow_factory() as uow:
                    assert (uow.events.count(), uow.cases.get(case.id).version) == before
                refused += 1
    # Every row has at least one role and the wall screen's role is in none of them.
    assert allowed >= len(ROWS) and refused >= len(ROWS)
    assert not any(Role.WALL in row.roles for row in TABLE.values())


def test_a_unit_user_acts_only_on_its_own_units_cases(
    uow_factory: Callable[[], UnitOfWork], centre: Centre
) -> None:
    case = _store(uow_factory, case_in(CaseState.DISPATCHED))  # unit U1
    with pytest.raises(NotFoundError):  # U2 does not see it: as if there were no such case
        act(uow_factory, centre, _actor(Role.UNIT, "U2"), NOW, case.id, Command.START, {})
    act(uow_factory, centre, _actor(Role.UNIT, "U1"), NOW, case.id, Command.START, {})


def test_the_wall_role_cannot_report(uow_factory: Callable[[], UnitOfWork], centre: Centre) -> None:
    report = Report(category="06010", description="路口暴露垃圾", grid=CELL.code)
    with pytest.raises(PermissionDeniedError):
        report_case(uow_factory, centre, _actor(Role.WALL), NOW, report)
    with uow_factory() as uow:
        assert uow.events.count() == 0


def test_a_unit_user_cannot_read_another_units_case(
    uow_factory: Callable[[], UnitOfWork], centre: Centre
) -> None:
    mine = _store(uow_factory, case_in(CaseState.DISPATCHED))
    theirs = _store(uow_factory, dataclasses.replace(
        case_in(CaseState.DISPATCHED, unit="U2"), case_no="2026030200008"))
    unseen = _store(uow_factory, dataclasses.replace(case_in(CaseState.FILED), case_no="2026030200009"))
    seat = _actor(Role.UNIT, "U1")
    scoped = scoped_factory(uow_factory, seat)
    for ref in (theirs.id, theirs.case_no, str(theirs.id), unseen.id):
        with pytest.raises(NotFoundError):  # as if it did not exist (test_scope_leaks.py)
            case_detail(scoped(), centre, ref, NOW)
    assert case_detail(scoped(), centre, mine.id, NOW).row.case.id == mine.id
    listed = {r.case.id for r in list_cases(scoped(), centre, NOW, limit=None)}
    assert listed == {mine.id}
    assert list_cases(scoped(), centre, NOW, unit="U2", limit=None) == []
    # The log's feed: another unit's change moves the cursor but shows nothing.
    other = Actor("user-disp", Role.DISPATCHER, None, "desk-2")
    with uow_factory() as uow:
        start = uow.events.last_id()
    act(uow_factory, centre, other, NOW, unseen.id, Command.DISPATCH,
        {"unit": "U2", "reason": "属地调整"})
    batch = poll(scoped(), start)
    assert batch.events == () and batch.cases == () and batch.last_id > start
    boss = Actor("user-sup", Role.SUPERVISOR, None, "desk-3")
    act(uow_factory, centre, boss, NOW, theirs.id, Command.URGE, {"note": "请尽快"})
    act(uow_factory, centre, boss, NOW, mine.id, Command.URGE, {"note": "请尽快"})
    batch = poll(scoped(), batch.last_id)
    assert [c.id for c in batch.cases] == [mine.id]
    assert {e.case_id for e in batch.events} == {mine.id}
    # Acting on another unit's case, through the scoped factory or not, is refused before
    # anything, as for a case that does not exist.
    for uows in (scoped, uow_factory):
        with pytest.raises(NotFoundError):
            act(uows, centre, seat, NOW, theirs.id, Command.START, {})


def test_other_roles_read_everything(uow_factory: Callable[[], UnitOfWork], centre: Centre) -> None:
    a = _store(uow_factory, case_in(CaseState.DISPATCHED))
    b = _store(uow_factory, dataclasses.replace(case_in(CaseState.DISPATCHED, unit="U2"),
                                                case_no="2026030200008"))
    for role in (Role.DISPATCHER, Role.SUPERVISOR, Role.WALL, Role.ADMIN):
        scoped = scoped_factory(uow_factory, _actor(role))
        assert {r.case.id for r in list_cases(scoped(), centre, NOW, limit=None)} == {a.id, b.id}
