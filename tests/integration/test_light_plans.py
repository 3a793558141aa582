"""The light counts (desk board and map, wall) read the index of open cases' clocks alone.

``limits`` and ``light_tally`` read a column or six of every open case each refresh; through
the state index each case was a row fetched from the table (a megacity's 93 k open cases:
200-400 ms each on SQLite).  Revision 0024's partial index holds every column they read: the
plan must read cases from it alone (``SCAN cases USING COVERING INDEX``), at megacity shares
of open cases (the history of ``test_queue_plans``), for the statements as run.

SQLite only: in that generated history the open cases are the newest rows, side by side in
the table, so PostgreSQL rightly prefers walking the narrow open-id index and the few table
pages; in a real history they are scattered.  On the megacity benchmark database PostgreSQL
reads both statements with an ``Index Only Scan`` of the index (0 heap fetches; limits
61-64 ms instead of 190-300, counts 68-93 instead of 202): docs/BENCHMARKS.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from console.services.queue_reads import OPEN_STATES
from tests.integration.test_queue_plans import MEGACITY, fill_history

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def _statements(engine, uow_factory) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if "GROUP BY" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with uow_factory() as uow:
            limits = uow.queues.limits(OPEN_STATES)
            uow.queues.light_tally(OPEN_STATES, NOW, NOW, {
                key: NOW + timedelta(hours=1) for key in limits})
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def _reads_of_cases(engine, statement: str, parameters: Any) -> list[str]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return [r[3] for r in rows if " cases" in r[3]]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_light_counts_read_only_the_index_of_open_clocks(uow_factory, engine) -> None:
    fill_history(engine, MEGACITY)
    want = "SCAN cases USING COVERING INDEX ix_cases_open_clock"
    statements = _statements(engine, uow_factory)
    assert len(statements) == 2  # the distinct limits, then the counts
    for statement, parameters in statements:
        assert _reads_of_cases(engine, statement, parameters) == [want], statement
