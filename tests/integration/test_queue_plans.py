"""Every queue page and count reads only open cases, however long the history (issue #12).

The desk's panes — intake, dispatch, board (also filtered by unit, and as a unit's seat
sees it), approvals and check (核查 / 结案) — each ask for a page and a count, in every order
a header click can give (:data:`~console.services.queue_view.SORTS`, both directions).  A planner that walks an index
of the whole history looking for a page's rows (``reported_at`` backwards, ``case_no``, the
primary key, ``grid`` …) reads 1.1 M rows at county size with ten years kept to find 26.  This
test asks each backend for the plan of every such statement and fails on any read of the
history:

* SQLite (``EXPLAIN QUERY PLAN``): every line that reads ``cases`` is a keyed ``SEARCH`` whose
  key reaches ``state`` (or the rowid), or a ``SCAN`` of a partial index (open cases, pending
  requests).  ``SCAN cases``, ``SCAN cases USING INDEX ix_cases_reported_at`` and skip-scans
  (``ANY(category)``) fail.
* PostgreSQL (``EXPLAIN (FORMAT JSON)``): no ``Seq Scan`` on cases; every index read of cases
  is a partial index, or has an index condition on every column of the index up to
  ``state`` (or on the primary key).

How the sizes are made.  Both planners choose from statistics: how many rows the table has,
and how many of them an ``IN`` list of states or a partial index holds.  The test generates a
history of :data:`ROWS` cases in SQL with the shares of the benchmark histories — county: 275
open of 1,096,752 (ten years of 300 reports a day); megacity: 94,199 open of 2,922,333 (a
year of 8,000 a day) — and the same mix of open states, then runs ``ANALYZE`` so the planners
see those shares.  (SQLite plans from ``sqlite_stat1`` alone — this build has no STAT4 — and
PostgreSQL from sampled column statistics; neither depends on the absolute size for these
choices.  The plans asserted here were compared with ``EXPLAIN`` on the generated benchmark
databases themselves: docs/BENCHMARKS.md.)  SQLite is also checked with no statistics at all,
as a desk's own file that was never analysed is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.sql import Select

from console.domain.cases import CaseState
from console.services.queue_reads import OPEN_STATES
from console.services.queue_view import SORTS, QueueQuery, Reader
from console.ui.models.case_table import (
    BOARD_STATES,
    CHECK_STATES,
    DISPATCH_STATES,
    INTAKE_STATES,
)
from db.queue_repo import count_statement, page_statement

#: Cases generated per history: enough for every open state to be sampled at county share.
ROWS = 100_000
OFFICE = "KH-LDXZ"  # the coordination office (代整改)
UNIT = "KH-U3"  # a unit of the generated history (the board's unit filter, a unit's seat)


@dataclass(frozen=True)
class Size:
    """A history's shape: its open share and the mix of open states (from the benchmarks)."""

    name: str
    total: int
    open_by_state: dict[str, int]

    def scaled(self, rows: int) -> dict[CaseState, int]:
        """Open cases per state in a history of ``rows`` cases (at least one each)."""
        return {CaseState(s): max(1, round(n * rows / self.total))
                for s, n in self.open_by_state.items()}


COUNTY = Size("county", 1_096_752, {
    "待受理": 15, "核实中": 7, "待立案": 4, "待派遣": 5, "待处置": 11, "处置中": 127,
    "挂账": 25, "待核查": 14, "核查中": 54, "待结案": 13})
MEGACITY = Size("megacity", 2_922_333, {
    "待受理": 209, "核实中": 2_606, "待立案": 15_625, "待派遣": 11_328, "待处置": 12_545,
    "处置中": 15_330, "挂账": 848, "待核查": 11_897, "核查中": 12_648, "待结案": 11_163})


def _ordered(states: frozenset[CaseState]) -> tuple[CaseState, ...]:
    return tuple(s for s in CaseState if s in states)


def _queues() -> dict[str, QueueQuery]:
    board = _ordered(BOARD_STATES)
    return {
        "intake": QueueQuery(_ordered(INTAKE_STATES)),
        "dispatch": QueueQuery(_ordered(DISPATCH_STATES)),
        "board": QueueQuery(board),
        "board of one unit": QueueQuery(board, unit=UNIT),
        "a unit's seat": QueueQuery(board, reader=Reader(unit=UNIT)),
        "approvals": QueueQuery(tuple(OPEN_STATES), decisions_for=OFFICE),
        "check": QueueQuery(_ordered(CHECK_STATES)),
    }


def statements(sqlite: bool) -> Iterator[tuple[str, Select[Any]]]:
    """Every page (each order, both ways) and count of every queue, with a label."""
    for name, query in _queues().items():
        yield f"{name}: count", count_statement(query, sqlite)
        for sort in SORTS:
            for descending in (False, True):
                page = replace(query, sort=sort, descending=descending)
                way = "desc" if descending else "asc"
                yield f"{name}: page by {sort} {way}", page_statement(page, 0, 100, sqlite)


# -- the history ---------------------------------------------------------------------------

_CLOSED = "CASE i % 20 WHEN 0 THEN '已作废' WHEN 1 THEN '不予受理' WHEN 2 THEN '不予立案' " \
          "ELSE '已结案' END"
_SOURCES = ("监督员上报", "公众举报", "12345热线", "网络/微信", "视频智能发现")


def _state_sql(open_from: int, open_by_state: dict[CaseState, int]) -> str:
    """The state of case ``i``: closed before ``open_from``, then blocks of each open state."""
    whens, edge = [], open_from
    for state, n in open_by_state.items():
        edge += n
        whens.append(f"WHEN i < {edge} THEN '{state.value}'")
    return f"CASE WHEN i < {open_from} THEN {_CLOSED} {' '.join(whens)} END"


def fill_history(engine: Engine, size: Size, rows: int = ROWS) -> None:
    """Insert ``rows`` cases over ten years, the newest open in ``size``'s mix; ANALYZE.

    Written as one ``INSERT … SELECT`` over a recursive counter, so both backends make the
    rows themselves (a few seconds for 100 k).  Open cases have a deadline and the board's a
    unit; one in 40 open cases has a pending request, and some filed ones are the
    coordination office's (代整改), so the approvals queue is not empty.
    """
    sqlite = engine.dialect.name == "sqlite"
    mix = size.scaled(rows)
    open_from = rows + 1 - sum(mix.values())
    step = 10 * 365 * 86400 // rows  # seconds between reports over ten years

    def at(seconds: str) -> str:
        if sqlite:
            return f"datetime('2016-11-25 00:00:00', '+' || ({seconds}) || ' seconds')"
        return f"(TIMESTAMPTZ '2016-11-25 00:00:00+00' + ({seconds}) * INTERVAL '1 second')"

    pending = "'{\"kind\": \"延期\"}'" if sqlite else "CAST('{\"kind\": \"延期\"}' AS JSON)"
    board = ", ".join(f"'{s.value}'" for s in BOARD_STATES)
    is_open = f"i >= {open_from}"
    source = "CASE i % 5 " + " ".join(f"WHEN {k} THEN '{s}'" for k, s in enumerate(_SOURCES)) \
        + " END"
    sql = f"""
        INSERT INTO cases (id, case_no, state, source, category, description, reported_at,
            reporter, grid, street, address, contact, limit_class, unit, suggested_unit,
            routing_rule, substitute, natural_time, stage, stage_limit, stage_deadline,
            pending, rework_count, return_count, extension_count, extension_minutes,
            suspend_count, urge_count, handle_overdue, version, updated_at)
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}),
        c(i, state) AS (SELECT i, {_state_sql(open_from, mix)} FROM n)
        SELECT i, CAST(2016000000000 + i AS VARCHAR(32)), state, {source},
            CAST(6000 + (i * 7) % 24 AS VARCHAR(64)), '', {at(f'i * {step}')}, '',
            CAST(330824000000000 + (i * 13) % 194 AS VARCHAR(64)), '330824001', '', '',
            '一般性',
            CASE WHEN NOT {is_open} OR state IN ({board}) THEN 'KH-U' || CAST(i % 8 AS VARCHAR(8))
            END,
            CASE WHEN state = '待派遣' AND i % 3 = 0 THEN '{OFFICE}'
                 ELSE 'KH-U' || CAST(i % 5 AS VARCHAR(8)) END,
            'rule ' || CAST(i % 25 AS VARCHAR(8)), 1 = 0, 1 = 0,
            CASE WHEN {is_open} THEN '处置' END, CASE WHEN {is_open} THEN 960 END,
            CASE WHEN {is_open} THEN {at(f'i * {step} + 172800')} END,
            CASE WHEN {is_open} AND i % 40 = 0 THEN {pending} END,
            0, 0, 0, 0, 0, 0, 1 = 0, 0, {at(f'i * {step} + 86400')}
        FROM c"""
    with engine.begin() as conn:
        conn.execute(text(sql))
        conn.execute(text("ANALYZE"))


# -- reading plans ---------------------------------------------------------------------------

def _compiled(engine: Engine, stmt: Select[Any]) -> str:
    # Constants inline: PostgreSQL then plans for these values (as it does for the desk's
    # first executions), SQLite the same as with bound parameters.
    return str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


_SQLITE_LINE = re.compile(
    r"(?P<op>SCAN|SEARCH) cases(?: USING (?:COVERING )?INDEX (?P<index>\w+)"
    r"| USING INTEGER PRIMARY KEY)?(?: \((?P<key>.*)\))?$")


def _partial_indexes(engine: Engine) -> set[str]:
    found = set()
    for ix in inspect(engine).get_indexes("cases"):
        options = ix.get("dialect_options", {})
        if options.get("sqlite_where") is not None or options.get("postgresql_where") is not None:
            found.add(str(ix["name"]))
    return found


def sqlite_history_reads(engine: Engine, stmt: Select[Any], partial: set[str]) -> list[str]:
    """The plan lines of ``stmt`` that read cases other than by state, rowid or partial index."""
    with engine.connect() as conn:
        lines = [r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN "
                                                    + _compiled(engine, stmt))]
    bad = []
    for line in lines:
        m = _SQLITE_LINE.match(line)
        if m is None:
            continue  # not a read of cases (a sort, a subquery's header, another table)
        key = m["key"] or ""
        keyed = m["op"] == "SEARCH" and "ANY(" not in key and (
            "state=" in key or "rowid=" in key)
        if not keyed and m["index"] not in partial:
            bad.append(line)
    return bad


def _index_columns(engine: Engine) -> dict[str, list[str]]:
    columns = {str(ix["name"]): [str(c) for c in ix["column_names"]]
               for ix in inspect(engine).get_indexes("cases")}
    pk = inspect(engine).get_pk_constraint("cases")
    columns[str(pk["name"])] = list(pk["constrained_columns"])
    return columns


def _pg_generic(engine: Engine, stmt: Select[Any]) -> tuple[str, str]:
    """``stmt`` with its bound parameters as ``$n`` (for PREPARE), and their values."""
    compiled = stmt.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
    names: list[str] = []

    def slot(m: re.Match[str]) -> str:
        names.append(m[1])
        return f"${len(names)}"

    sql = re.sub(r"%\((\w+)\)s", slot, str(compiled))
    values = [compiled.params[n] for n in names]
    args = ", ".join(str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"
                     for v in values)
    return sql, args


def _pg_plan(engine: Engine, stmt: Select[Any], generic: bool) -> dict[str, Any]:
    with engine.connect() as conn:
        if generic:
            # What PostgreSQL runs for a statement psycopg has prepared (after five runs) once
            # it settles on a plan for any parameters (after five more).
            sql, args = _pg_generic(engine, stmt)
            conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            conn.exec_driver_sql(f"PREPARE queue_page AS {sql}")
            explain = f"EXPLAIN (FORMAT JSON) EXECUTE queue_page({args})" if args else \
                "EXPLAIN (FORMAT JSON) EXECUTE queue_page"
            doc = conn.exec_driver_sql(explain).scalar()
            conn.exec_driver_sql("DEALLOCATE queue_page")
            conn.exec_driver_sql("RESET plan_cache_mode")
        else:
            doc = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + _compiled(engine, stmt)).scalar()
    return dict((json.loads(doc) if isinstance(doc, str) else doc)[0]["Plan"])


def pg_history_reads(plan: dict[str, Any], partial: set[str],
                     columns: dict[str, list[str]]) -> list[str]:
    """The plan nodes that read cases other than by state, id or a partial index."""
    bad: list[str] = []

    def walk(node: dict[str, Any], table: str | None) -> None:
        kind, index = node["Node Type"], node.get("Index Name")
        table = node.get("Relation Name", table)
        if table == "cases" and kind == "Seq Scan":
            bad.append(f"Seq Scan on cases (filter {node.get('Filter')})")
        elif table == "cases" and index is not None and index not in partial:
            cond = node.get("Index Cond") or ""
            cols = columns[index]
            key = cols[:cols.index("state") + 1] if "state" in cols else cols[:1]
            if not all(re.search(rf"\b{c}\b", cond) for c in key):
                bad.append(f"{kind} using {index} (index condition: {cond or 'none'})")
        inherit = kind in ("Bitmap Heap Scan", "BitmapAnd", "BitmapOr")
        for child in node.get("Plans", []):
            walk(child, table if inherit else None)

    walk(plan, None)
    return bad


def history_reads(engine: Engine) -> dict[str, list[str]]:
    """Each queue statement whose plan reads the history, with the offending reads.

    On PostgreSQL each statement is planned twice: for its values, as the first runs are,
    and once for any parameters, as a prepared statement comes to be.
    """
    partial, columns = _partial_indexes(engine), _index_columns(engine)
    sqlite = engine.dialect.name == "sqlite"
    found = {}
    for label, stmt in statements(sqlite):
        if sqlite:
            bad = {label: sqlite_history_reads(engine, stmt, partial)}
        else:
            bad = {label: pg_history_reads(_pg_plan(engine, stmt, False), partial, columns),
                   f"{label} (generic plan)":
                       pg_history_reads(_pg_plan(engine, stmt, True), partial, columns)}
        found.update({k: v for k, v in bad.items() if v})
    return found


# -- the tests --------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [COUNTY, MEGACITY], ids=lambda s: s.name)
def test_no_queue_page_or_count_reads_the_history(uow_factory, engine, size) -> None:
    fill_history(engine, size)
    found = history_reads(engine)
    assert not found, "\n".join(f"{label}: {bad}" for label, bad in found.items())


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_no_queue_reads_the_history_of_an_unanalysed_sqlite_file(uow_factory, engine) -> None:
    # Without statistics SQLite assumes a million rows whatever the table holds, so a small
    # history plans as a large one; it then prefers the state index, as it did before the
    # partial indexes, and must keep doing so.  (PostgreSQL's autovacuum always analyses.)
    fill_history(engine, COUNTY, rows=5_000)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sqlite_stat1"))
    engine.dispose()  # statistics are read when a connection opens
    found = history_reads(engine)
    assert not found, "\n".join(f"{label}: {bad}" for label, bad in found.items())
