"""Merges lock their target (issue #14): no merge cycle, no merge beside a refusal of its target.

Two desks run at once, each in its own thread and connection; a barrier holds each one just
before its first write until the other has read too (or a second has passed: with the lock,
the other is waiting for it), so the two transactions really overlap.  Before the lock, both
A→B and B→A committed (a cycle), and a merge into B committed beside B's refusal.  Now exactly
one of the two commits and the other changes nothing, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import db.case_repo
from console.domain.cases import CaseState
from console.domain.errors import CityDeskError, ConflictError, IllegalTransitionError
from console.services.cases import Report, act, report_case
from console.services.centre import load_centre
from console.services.uow import CaseFilter

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GRID = "330824001001001"


@pytest.fixture
def desk(kaihua_factory):
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    centre = load_centre(uow_factory())
    acceptor = centre.actor("shouli1", "t")

    def reported(text: str):
        return report_case(uow_factory, centre, acceptor, NOW, Report("06010", text, grid=GRID)).case

    return uow_factory, centre, acceptor, reported


@pytest.fixture
def overlap(monkeypatch: pytest.MonkeyPatch) -> threading.Barrier:
    """Each thread's first case write waits (at most 1 s) until both threads got there."""
    barrier = threading.Barrier(2)
    first = threading.local()
    real = db.case_repo.SqlCaseRepository.update

    def update(self: Any, case: Any, expected_version: int) -> Any:
        if not getattr(first, "done", False):
            first.done = True
            # Broken after a second: the other desk is waiting for this one's lock.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=1.0)
        return real(self, case, expected_version)

    monkeypatch.setattr(db.case_repo.SqlCaseRepository, "update", update)
    return barrier


def _race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at once; each result is its value or the CityDeskError it raised."""

    def run(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except CityDeskError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def _log(uows) -> tuple[int, list[tuple[str, Any]]]:
    with uows() as uow:
        return uow.events.count(), [(c.case_no, c.state, c.version)
                                    for c in uow.cases.list(CaseFilter(order="id"))]


def test_merging_a_into_b_and_b_into_a_at_once_commits_one(desk, overlap) -> None:
    uows, centre, acceptor, reported = desk
    a, b = reported("甲处垃圾"), reported("甲处垃圾（重复）")
    events_before, _ = _log(uows)
    results = _race(
        lambda: act(uows, centre, acceptor, NOW, a.id, "merge", {"into": b.id}),
        lambda: act(uows, centre, acceptor, NOW, b.id, "merge", {"into": a.id}))
    failed = [r for r in results if isinstance(r, CityDeskError)]
    assert len(failed) == 1, results
    assert isinstance(failed[0], ConflictError | IllegalTransitionError)
    assert "\n" not in failed[0].message
    with uows() as uow:
        states = {c.id: c for c in uow.cases.get_many([a.id, b.id])}
        assert sorted(c.state for c in states.values()) == sorted(
            [CaseState.MERGED, CaseState.REPORTED])
        merged = next(c for c in states.values() if c.state is CaseState.MERGED)
        assert states[merged.merged_into].state is CaseState.REPORTED  # no cycle
        assert uow.events.count() == events_before + 1  # the loser logged nothing


def test_a_merge_and_a_refusal_of_its_target_do_not_both_commit(desk, overlap) -> None:
    uows, centre, acceptor, reported = desk
    a, b = reported("乙处垃圾"), reported("乙处垃圾（先报）")
    events_before, _ = _log(uows)
    results = _race(
        lambda: act(uows, centre, acceptor, NOW, b.id, "refuse", {"reason": "不属于城管范围"}),
        lambda: act(uows, centre, acceptor, NOW, a.id, "merge", {"into": b.id}))
    failed = [r for r in results if isinstance(r, CityDeskError)]
    assert len(failed) == 1, results
    with uows() as uow:
        got_a, got_b = uow.cases.get(a.id), uow.cases.get(b.id)
        assert not (got_a.state is CaseState.MERGED and got_b.state is CaseState.REFUSED)
        assert uow.events.count() == events_before + 1


@pytest.mark.parametrize("closing", ["refuse", "merge"])
def test_no_merge_into_a_case_no_longer_open(desk, closing) -> None:
    uows, centre, acceptor, reported = desk
    a, b, c = reported("丙处垃圾"), reported("丙处垃圾（二）"), reported("丙处垃圾（三）")
    fields = {"reason": "不属于城管范围"} if closing == "refuse" else {"into": c.id}
    act(uows, centre, acceptor, NOW, b.id, closing, fields)
    before = _log(uows)
    with pytest.raises(IllegalTransitionError, match="不能合并"):
        act(uows, centre, acceptor, NOW, a.id, "merge", {"into": b.case_no})
    assert _log(uows) == before


def test_a_merge_moves_the_targets_version_on(desk) -> None:
    uows, centre, acceptor, reported = desk
    a, b = reported("丁处垃圾"), reported("丁处垃圾（二）")
    act(uows, centre, acceptor, NOW, a.id, "merge", {"into": b.id})
    # A refusal decided on the target as it was before the merge is stale now.
    with pytest.raises(ConflictError):
        act(uows, centre, acceptor, NOW, b.id, "refuse", {"reason": "不属于城管范围"},
            expected_version=b.version)
