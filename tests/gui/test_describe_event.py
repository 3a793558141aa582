"""The "changed elsewhere" banner names who did what, and from which desk when there was one."""

from __future__ import annotations

from datetime import UTC, datetime

from console.domain.cases import CaseState, Event, Role
from console.ui.controller import describe_event


def _event(desk: str) -> Event:
    return Event(case_id=1, type="accept", from_state=CaseState.REPORTED,
                 to_state=CaseState.ACCEPTED, actor="shouli1", role=Role.ACCEPTOR,
                 occurred_at=datetime(2026, 11, 25, tzinfo=UTC), desk=desk)


def test_the_desk_is_named_only_when_there_was_one() -> None:
    assert describe_event(_event("desk-2")) == "shouli1@desk-2 · 受理"
    assert describe_event(_event("")) == "shouli1 · 受理"  # an API or CLI action: no "@?"
