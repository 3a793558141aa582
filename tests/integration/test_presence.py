"""Desk presence: heartbeats show who has which case open, and expire on their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from console.domain.cases import Actor, Role
from console.services.presence import PRUNE_AFTER, TTL, by_case, heartbeat, holders, label, leave
from console.services.uow import UnitOfWork

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
A = Actor("paiqian1", Role.DISPATCHER, None, "desk-1")
B = Actor("paiqian2", Role.DISPATCHER, None, "desk-2")


def test_each_desk_sees_the_others_and_what_they_have_open(
    uow_factory: Callable[[], UnitOfWork]
) -> None:
    assert heartbeat(uow_factory, A, "派遣一", 7, T0, T0) == []
    others = heartbeat(uow_factory, B, "派遣二", 7, T0 + timedelta(seconds=1), T0)
    assert [(p.desk, p.case_id, p.name) for p in others] == [("desk-1", 7, "派遣一")]
    assert label(holders(others, 7)) == "派遣一@desk-1"
    assert holders(others, 8) == []
    # A moves on to another case: B sees the change at A's next beat.
    heartbeat(uow_factory, A, "派遣一", 8, T0 + timedelta(seconds=5), T0)
    others = heartbeat(uow_factory, B, "派遣二", 7, T0 + timedelta(seconds=6), T0)
    assert by_case(others) == {8: others}


def test_a_silent_desk_expires_and_is_pruned(uow_factory: Callable[[], UnitOfWork]) -> None:
    heartbeat(uow_factory, A, "派遣一", 7, T0, T0)
    assert heartbeat(uow_factory, B, "派遣二", None, T0 + TTL - timedelta(seconds=1), T0)
    assert heartbeat(uow_factory, B, "派遣二", None, T0 + TTL + timedelta(seconds=1), T0) == []
    heartbeat(uow_factory, B, "派遣二", None, T0 + PRUNE_AFTER + timedelta(seconds=1), T0)
    with uow_factory() as uow:
        assert [p.desk for p in uow.presence.active(T0 - timedelta(days=1))] == ["desk-2"]


def test_leaving_removes_the_row(uow_factory: Callable[[], UnitOfWork]) -> None:
    heartbeat(uow_factory, A, "派遣一", 7, T0, T0)
    leave(uow_factory, "desk-1")
    assert heartbeat(uow_factory, B, "派遣二", None, T0, T0) == []
