"""The duplicate check: a cell's placed and unplaced open cases in two indexes apart.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

0012's ``ix_cases_open_cell`` held all of a cell's open cases, so a planner with statistics
could read a cell's few cases without coordinates through it — past a cluster of thousands of
placed ones (SQLite did, on an analysed ten-year county history).  ``ix_cases_open_placed_cell``
holds the placed ones only; with 0012's ``ix_cases_open_unplaced`` the two exclude each other,
so no statistics can send one read through the other's rows, and a report placed by its cell
alone reads both.  On PostgreSQL ``citydesk_open_nearby_side`` (0013) is replaced by the same
function reading the cell that way.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The open states as released in 0009 (a migration must not change with later code).
OPEN = ("待受理", "核实中", "待立案", "待派遣", "待处置", "处置中", "待核查", "核查中", "待结案", "挂账")
OPEN_TERM = "state IN (" + ", ".join(f"'{s}'" for s in OPEN) + ")"
PG_OPEN_TERM = f"({OPEN_TERM}) IS TRUE"
PLACED_TERM = "lat IS NOT NULL AND lon IS NOT NULL"
CELL = ["grid", "category", "reported_at"]

# One side of the window: the reads of db.case_repo._nearby_statement, in PL/pgSQL.  Cases at
# the point by time (the p_limit-th time first, then the rows up to it), four ranges of the
# box around the point that pass over its rows, the cell's cases without coordinates; or,
# without a point, the cell's cases by time.  A seat's view: p_unit (its unit's cases), or
# p_user with p_grids (a collector's cells, reports and visits).
_OPEN = "(c.state IN (" + ", ".join(f"'{s}'" for s in OPEN) + ")) IS TRUE"
_BASE = f"""c.category = p_category AND {_OPEN}
          AND (p_exclude IS NULL OR c.id <> p_exclude)
          AND (p_unit IS NULL OR c.unit = p_unit OR c.parent_unit = p_unit)
          AND (p_user IS NULL OR c.grid = ANY (p_grids) OR c.reporter = p_user
               OR c.assignee = p_user)"""
_DIST = ("((c.lon - p_lon0) * (p_cos0 - p_half_sin0 * (c.lat - p_lat0)))"
         " * ((c.lon - p_lon0) * (p_cos0 - p_half_sin0 * (c.lat - p_lat0)))"
         " + (c.lat - p_lat0) * (c.lat - p_lat0)")
_COLS = ("c.id, c.case_no::varchar, c.lon::float8, c.lat::float8, c.grid::varchar, "
         "c.reported_at")
_RANGES = ("c.lat >= p_lat_min AND c.lat < p_lat0 AND c.lon BETWEEN p_lon_min AND p_lon_max",
           "c.lat = p_lat0 AND c.lon >= p_lon_min AND c.lon < p_lon0",
           "c.lat = p_lat0 AND c.lon > p_lon0 AND c.lon <= p_lon_max",
           "c.lat > p_lat0 AND c.lat <= p_lat_max AND c.lon BETWEEN p_lon_min AND p_lon_max")


def _by_time(where: str, latest: bool) -> str:
    """The rows of ``where`` closest in time first, read up to the p_limit-th time only."""
    order = "DESC" if latest else "ASC"
    edge = (f"(SELECT c.reported_at FROM cases c WHERE {_BASE} AND {where} "
            f"AND c.reported_at >= p_since AND c.reported_at <= p_until "
            f"ORDER BY c.reported_at {order} OFFSET p_limit - 1 LIMIT 1)")
    window = (f"c.reported_at >= coalesce({edge}, p_since) AND c.reported_at <= p_until"
              if latest else
              f"c.reported_at >= p_since AND c.reported_at <= coalesce({edge}, p_until)")
    return (f"SELECT {_COLS} FROM cases c WHERE {_BASE} AND {where} AND {window} "
            f"ORDER BY c.reported_at {order}, c.case_no LIMIT p_limit")


_UNPLACED_C = "(c.lon IS NULL OR c.lat IS NULL) AND c.grid = p_grid"


def _cell(latest: bool) -> str:
    """A cell's cases by time: the placed ones and the unplaced ones, from their own indexes."""
    order = "DESC" if latest else "ASC"
    placed = _by_time("c.lat IS NOT NULL AND c.lon IS NOT NULL AND c.grid = p_grid", latest)
    unplaced = _by_time(_UNPLACED_C, latest)
    return (f"SELECT u.id, u.case_no, u.lon, u.lat, u.grid, u.reported_at FROM ("
            f"SELECT * FROM ({placed}) a UNION ALL SELECT * FROM ({unplaced}) b) u "
            f"ORDER BY u.reported_at {order}, u.case_no LIMIT p_limit")


def _placed(latest: bool) -> str:
    order = "DESC" if latest else "ASC"
    parts = [f"SELECT q.*, 0 AS far, 0.0::float8 AS d FROM ("
             f"{_by_time('c.lat = p_lat0 AND c.lon = p_lon0', latest)}) q"]
    for side in _RANGES:
        parts.append(
            "SELECT q.id, q.case_no, q.lon, q.lat, q.grid, q.reported_at, 0 AS far, q.dist AS d "
            f"FROM (SELECT {_COLS}, {_DIST} AS dist FROM cases c "
            f"WHERE {_BASE} AND c.reported_at >= p_since AND c.reported_at <= p_until "
            f"AND {side} AND {_DIST} <= p_reach2 "
            f"ORDER BY {_DIST}, c.reported_at {order}, c.case_no LIMIT p_limit) q")
    unplaced = _by_time(_UNPLACED_C, latest)
    parts.append(f"SELECT q.*, 1 AS far, NULL::float8 AS d FROM ({unplaced}) q")
    union = " UNION ALL ".join(f"SELECT id, case_no, lon, lat, grid, reported_at, far, d FROM ({p}) p{i}"
                               for i, p in enumerate(parts))
    return (f"SELECT u.id, u.case_no, u.lon, u.lat, u.grid, u.reported_at FROM ({union}) u "
            f"ORDER BY u.far, u.d, u.reported_at {order}, u.case_no LIMIT p_limit")


_SIDE_ARGS = """p_category text, p_since timestamptz, p_until timestamptz, p_latest boolean,
    p_lon0 float8, p_lat0 float8, p_cos0 float8, p_half_sin0 float8, p_reach2 float8,
    p_lon_min float8, p_lon_max float8, p_lat_min float8, p_lat_max float8,
    p_grid text, p_exclude integer, p_limit integer, p_unit text, p_user text, p_grids text[]"""
_RESULT = ("TABLE (id integer, case_no varchar, lon float8, lat float8, grid varchar, "
           "reported_at timestamptz)")

_PG_SIDE = f"""
CREATE OR REPLACE FUNCTION citydesk_open_nearby_side({_SIDE_ARGS})
RETURNS {_RESULT} LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    IF p_lon0 IS NULL THEN
        IF p_latest THEN
            RETURN QUERY {_cell(True)};
        ELSE
            RETURN QUERY {_cell(False)};
        END IF;
    ELSIF p_latest THEN
        RETURN QUERY {_placed(True)};
    ELSE
        RETURN QUERY {_placed(False)};
    END IF;
END
$$
"""


def upgrade() -> None:
    """The cell's placed cases in an index of their own; PostgreSQL: the function reads it."""
    op.drop_index("ix_cases_open_cell", table_name="cases")
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_index("ix_cases_open_placed_cell", "cases", CELL,
                    sqlite_where=sa.text(f"{OPEN_TERM} AND {PLACED_TERM}"),
                    postgresql_where=sa.text(f"{PG_OPEN_TERM} AND {PLACED_TERM}"))
    if postgres:
        op.execute(_PG_SIDE)


def downgrade() -> None:
    """0013's cell index (and on PostgreSQL its function reading it)."""
    op.drop_index("ix_cases_open_placed_cell", table_name="cases")
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_index("ix_cases_open_cell", "cases", CELL, sqlite_where=sa.text(OPEN_TERM),
                    postgresql_where=sa.text(PG_OPEN_TERM if postgres else OPEN_TERM))
    if postgres:
        op.execute(_PG_SIDE.replace(f"RETURN QUERY {_cell(True)}",
                                    f"RETURN QUERY {_by_time('c.grid = p_grid', True)}")
                   .replace(f"RETURN QUERY {_cell(False)}",
                            f"RETURN QUERY {_by_time('c.grid = p_grid', False)}"))
