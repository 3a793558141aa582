"""The optimistic lock holds across connections, threads and processes, on both backends."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine

from console.domain.cases import Case, CaseState
from console.domain.errors import ConflictError
from db.engine import make_engine
from db.uow import SqlUnitOfWork, make_uow_factory

Factory = Callable[[], SqlUnitOfWork]
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stored(uow_factory: Factory, make_case: Callable[..., Case]) -> Case:
    """A committed case at version 1."""
    with uow_factory() as uow:
        case = uow.cases.add(make_case())
        uow.commit()
    return case


@pytest.fixture
def second_factory(db_url: str, uow_factory: Factory) -> Iterator[Factory]:
    """Units of work on a second engine: its own pool, its own connections."""
    other: Engine = make_engine(db_url)
    try:
        yield make_uow_factory(other)
    finally:
        other.dispose()


def test_two_sessions_same_version_exactly_one_wins(
    uow_factory: Factory, second_factory: Factory, stored: Case
) -> None:
    case_id = stored.id or 0
    with uow_factory() as desk_a, second_factory() as desk_b:
        seen_a = desk_a.cases.get(case_id)
        seen_b = desk_b.cases.get(case_id)
        assert seen_a.version == seen_b.version == 1

        desk_a.cases.update(replace(seen_a, state=CaseState.HANDLING, urge_count=1), 1)
        desk_a.commit()
        with pytest.raises(ConflictError) as lost:
            desk_b.cases.update(replace(seen_b, state=CaseState.VOIDED), seen_b.version)
    assert stored.case_no in lost.value.message
    assert "版本 1 已过期" in lost.value.message
    assert lost.value.code == "conflict"
    with uow_factory() as uow:
        final = uow.cases.get(case_id)
    assert (final.state, final.urge_count, final.version) == (CaseState.HANDLING, 1, 2)


def test_the_loser_waits_for_the_winner_then_conflicts(
    uow_factory: Factory, second_factory: Factory, stored: Case
) -> None:
    # Desk A holds its uncommitted update while desk B's update runs in another thread: B must
    # block on A's row/write lock and, once A commits, see version 2 and lose.
    case_id = stored.id or 0
    b_result: list[object] = []
    b_started = threading.Event()

    def desk_b() -> None:
        with second_factory() as uow:
            seen = uow.cases.get(case_id)
            b_started.set()
            try:
                uow.cases.update(replace(seen, state=CaseState.VOIDED), seen.version)
                uow.commit()
                b_result.append("won")
            except ConflictError as exc:
                b_result.append(exc)

    with uow_factory() as desk_a:
        seen = desk_a.cases.get(case_id)
        desk_a.cases.update(replace(seen, state=CaseState.HANDLING), seen.version)
        thread = threading.Thread(target=desk_b)
        thread.start()
        assert b_started.wait(10)
        time.sleep(0.3)  # let B reach its UPDATE and block
        assert b_result == []
        desk_a.commit()
    thread.join(timeout=30)
    assert len(b_result) == 1
    assert isinstance(b_result[0], ConflictError)
    with uow_factory() as uow:
        assert uow.cases.get(case_id).state == CaseState.HANDLING


def test_many_threads_racing_one_version_one_winner(uow_factory: Factory, stored: Case) -> None:
    desks = 6
    start = threading.Barrier(desks)
    outcomes: list[str] = []
    lock = threading.Lock()

    def desk(n: int) -> None:
        with uow_factory() as uow:
            seen = uow.cases.get(stored.id or 0)
            start.wait(timeout=10)
            try:
                uow.cases.update(replace(seen, urge_count=n), seen.version)
                uow.commit()
                outcome = f"won {n}"
            except ConflictError:
                outcome = "conflict"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(desks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    winners = [o for o in outcomes if o.startswith("won")]
    assert len(outcomes) == desks
    assert len(winners) == 1
    with uow_factory() as uow:
        final = uow.cases.get(stored.id or 0)
    assert final.version == 2
    assert winners == [f"won {final.urge_count}"]


_OTHER_PROCESS = """
import sys
from dataclasses import replace
from console.domain.cases import CaseState
from db.engine import make_engine
from db.uow import make_uow_factory

engine = make_engine(sys.argv[1])
with make_uow_factory(engine)() as uow:
    case = uow.cases.get(int(sys.argv[2]))
    uow.cases.update(replace(case, state=CaseState.HANDLING), case.version)
    uow.commit()
engine.dispose()
"""


def test_a_change_from_another_process_makes_a_stale_update_conflict(
    uow_factory: Factory, db_url: str, stored: Case
) -> None:
    case_id = stored.id or 0
    with uow_factory() as uow:
        seen = uow.cases.get(case_id)
        subprocess.run(
            [sys.executable, "-c", _OTHER_PROCESS, db_url, str(case_id)],
            cwd=REPO_ROOT,
            check=True,
            timeout=60,
        )
        with pytest.raises(ConflictError):
            uow.cases.update(replace(seen, state=CaseState.VOIDED), seen.version)
    with uow_factory() as uow:
        assert uow.cases.get(case_id).version == 2
