"""The fold of a case's events equals the case the workflow built, field by field, and any
field changed behind the log's back is named (issue #14: ``audit verify`` and direct UPDATEs)."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import pytest

from console.domain.case_fold import FOLD_FIELDS, differences, fold
from console.domain.cases import Case, CaseState, Event, Role
from console.domain.commands import Action, Command
from console.domain.errors import CityDeskError
from console.domain.transitions import apply
from console.domain.workflow import TABLE
from tests.unit.workflow_fixtures import CTX, FIELDS, T0, actor

ADMIN = actor(Role.ADMIN)
UNIT = actor(Role.UNIT)


def _walk(seed: int, steps: int = 60) -> list[tuple[Case, list[Event]]]:
    """A random life of one case: each snapshot with the events that led to it."""
    rng = random.Random(seed)
    out = apply(None, Action(Command.REPORT, FIELDS[Command.REPORT]), ADMIN, T0, CTX)
    case = dataclasses.replace(out.case, id=7)
    events = [dataclasses.replace(e, case_id=7, id=1) for e in out.events]
    lives = [(case, list(events))]
    now = T0
    for _ in range(steps):
        commands = [c for (s, c) in TABLE if s is case.state and c is not Command.MERGE]
        if not commands:
            break
        # Mostly steps that keep the case open, so lives get far (extensions, suspensions).
        going = [c for c in commands
                 if not TABLE[(case.state, c)].next_state(case.state).is_terminal]
        command = rng.choice(going if going and rng.random() < 0.93 else commands)
        if Command.CLOSE in commands and rng.random() < 0.5:
            command = Command.CLOSE  # or the loop seldom ends where the workflow ends
        now += timedelta(minutes=rng.randint(1, 400))
        fields = dict(FIELDS.get(command, {}))
        if command is Command.REQUEST_VERIFY and rng.random() < 0.5:
            fields["collector"] = "jiandu1"
        who = UNIT if Role.UNIT in TABLE[(case.state, command)].roles and case.unit == "U1" \
            and rng.random() < 0.5 else ADMIN
        try:
            out = apply(case, Action(command, fields), who, now, CTX)
        except CityDeskError:
            continue
        case = dataclasses.replace(out.case, version=case.version + 1)
        events += [dataclasses.replace(e, id=len(events) + 1) for e in out.events]
        lives.append((case, list(events)))
    return lives


@pytest.mark.parametrize("seed", range(40))
def test_the_fold_of_a_random_life_is_the_case_at_every_step(seed: int) -> None:
    for case, events in _walk(seed):
        assert differences(case, events) == [], (case.state, [e.type for e in events])


def test_the_walks_reach_every_fold_field_changing() -> None:
    # The random lives are worth something only if they change what the fold checks.
    seen: set[str] = set()
    for seed in range(40):
        lives = _walk(seed)
        first = lives[0][0]
        for case, _events in lives:
            seen |= {f for f in FOLD_FIELDS if getattr(case, f) != getattr(first, f)}
    assert seen >= {"state", "unit", "parent_unit", "substitute", "condition", "verified",
                    "pending", "assignee", "suspended_at", "close_type", "closed_at",
                    "rework_count", "return_count", "extension_count", "extension_minutes",
                    "suspend_count", "urge_count", "stage_deadline"}


TAMPERED = {
    "state": CaseState.CLOSED,
    "unit": "U2",
    "category": "01001",
    "close_type": "正常",
    "rework_count": 5,
    "urge_count": 9,
    "verified": False,
    "merged_into": 3,
    "assignee": "someone",
}


@pytest.mark.parametrize("field", sorted(TAMPERED))
def test_a_field_changed_behind_the_log_is_named(field: str) -> None:
    lives = _walk(3)
    case, events = lives[-1]
    if getattr(case, field) == TAMPERED[field]:
        case, events = lives[len(lives) // 2]
    forged = dataclasses.replace(case, **{field: TAMPERED[field]})
    named = [d[0] for d in differences(forged, events)]
    assert field in named


def test_a_deadline_moved_while_the_stage_runs_is_named() -> None:
    out = apply(None, Action(Command.REPORT, FIELDS[Command.REPORT]), ADMIN, T0, CTX)
    case = dataclasses.replace(out.case, id=7)
    events = [dataclasses.replace(out.events[0], case_id=7, id=1)]
    assert differences(case, events) == []
    later = dataclasses.replace(case, stage_deadline=case.stage_deadline + timedelta(days=3))
    assert [d[0] for d in differences(later, events)] == ["stage_deadline"]


def test_events_out_of_order_and_a_case_without_events_are_named() -> None:
    case, events = _walk(5)[-1]
    assert differences(case, []) == [("events", "none", "a report event")]
    if len(events) > 2:
        shuffled = [events[0], events[2], events[1], *events[3:]]
        assert fold(shuffled).order_problem is not None
