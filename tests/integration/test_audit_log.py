"""The stored log is append-only and tamper-evident, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from console.services.audit import verify_chain
from console.services.uow import UnitOfWork
from db.schema import upgrade


def _fill(uow_factory: Callable[[], UnitOfWork], make_case, make_event, n: int = 12,
          case_no: str = "2026030200001") -> None:
    with uow_factory() as uow:
        case = uow.cases.add(make_case(case_no))
        assert case.id is not None
        for i in range(n):
            uow.events.append([make_event(case.id, payload={"i": i, "note": "第几次"})])
        uow.commit()


@contextmanager
def _triggers_off(engine: Engine) -> Iterator[None]:
    """What an attacker with the owner's or superuser's rights can do (not the app role)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE case_events DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER case_events_no_update"))
            conn.execute(text("DROP TRIGGER case_events_no_delete"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE case_events ENABLE TRIGGER USER"))


def test_an_untouched_log_verifies(uow_factory, make_case, make_event) -> None:
    _fill(uow_factory, make_case, make_event)
    report = verify_chain(uow_factory, page=5, full=False)  # several pages
    assert report.ok and report.checked == 12 and report.last_id > 0


def test_update_and_delete_are_refused_even_for_the_owner(engine, uow_factory, make_case,
                                                          make_event) -> None:
    _fill(uow_factory, make_case, make_event, 3)
    for statement in ("UPDATE case_events SET actor = 'x' WHERE id = 2",
                      "DELETE FROM case_events WHERE id = 2"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert verify_chain(uow_factory, full=False).ok


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("UPDATE case_events SET actor = 'paiqian2' WHERE id = 7", "contents"),
        ("UPDATE case_events SET desk = desk || 'x' WHERE id = 7", "contents"),
        ("DELETE FROM case_events WHERE id = 7", "contents"),
        ("UPDATE case_events SET hash = NULL WHERE id = 7", "hash missing"),
    ],
    ids=["actor", "one-byte", "deleted", "hash-cleared"],
)
def test_tampering_is_found_at_the_first_changed_row(engine, uow_factory, make_case, make_event,
                                                     statement, reason) -> None:
    _fill(uow_factory, make_case, make_event)
    with _triggers_off(engine), engine.begin() as conn:
        conn.execute(text(statement))
    report = verify_chain(uow_factory, page=4, full=False)
    assert not report.ok and report.broken is not None
    expected = 8 if statement.startswith("DELETE") else 7
    assert report.broken.event_id == expected and reason in report.broken.reason
    assert report.checked == 6


def test_appends_after_a_restart_continue_the_chain(engine, uow_factory, make_case,
                                                    make_event) -> None:
    _fill(uow_factory, make_case, make_event, 3)
    engine.dispose()
    upgrade(engine)  # a second upgrade is a no-op and the chain carries on
    _fill(uow_factory, make_case, make_event, 3, "2026030200002")
    assert verify_chain(uow_factory, full=False).checked == 6
