"""One case per report key: ``client_id`` (or ``request_id``) of ``POST /api/v1/reports``.

A phone that lost the reply to a report sends it again with the same ``client_id``; the
second answer is the case the first one made (200 instead of 201).  The key is stored as the
report event's request id, so :func:`reported_before` finds it in the log.  Two copies that
arrive at the same time are taken one after the other (:func:`once`), so the second finds the
first's case: on one server process by a lock in memory, and across the processes behind one
proxy by a PostgreSQL advisory lock on the (user, key) pair, held on a connection of its own
while the copy is checked and taken (SQLite has one process and one writer).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, text

from console.server.auth import Caller, ServerState
from console.server.wire import short_case

_GUARD = threading.Lock()
_HELD: dict[tuple[str, str], tuple[threading.Lock, int]] = {}


def _advisory_key(user: str, key: str) -> int:
    """A signed 64-bit advisory lock key for ``(user, key)``."""
    digest = hashlib.sha256(f"citydesk-report\0{user}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def _across_processes(engine: Engine | None, user: str, key: str) -> Iterator[None]:
    if engine is None or engine.dialect.name != "postgresql":
        yield
        return
    number = _advisory_key(user, key)
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": number})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": number})
            conn.commit()


@contextmanager
def once(user: str, key: str | None, engine: Engine | None = None) -> Iterator[None]:
    """Hold ``(user, key)`` for the block: another request with it waits (no key: no wait) —
    in this process, and with ``engine`` on PostgreSQL in every process on the database."""
    if key is None:
        yield
        return
    slot = (user, key)
    with _GUARD:
        lock, users = _HELD.get(slot, (threading.Lock(), 0))
        _HELD[slot] = (lock, users + 1)
    try:
        with lock, _across_processes(engine, user, key):
            yield
    finally:
        with _GUARD:
            lock, users = _HELD[slot]
            if users == 1:
                del _HELD[slot]
            else:
                _HELD[slot] = (lock, users - 1)


def reported_before(state: ServerState, who: Caller, key: str | None) -> dict[str, Any] | None:
    """The answer to the caller's earlier report with ``key``, or None when there is none."""
    if key is None:
        return None
    with state.app.uow_factory() as uow:
        first = next((e for e in uow.events.by_request(key)
                      if e.actor == who.actor.user and e.from_state is None), None)
        if first is None or first.case_id is None:
            return None
        case = uow.cases.get(first.case_id)
    return {"case": short_case(case),
            "route": {"unit": case.suggested_unit, "rule": case.routing_rule},
            "duplicates": []}
