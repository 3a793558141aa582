"""PostgreSQL: the duplicate check's read planned once per connection, not once per report.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

The duplicate check (``db.case_repo.SqlCaseRepository.open_in_box``) is a union of eight
reads of ``cases`` over the indexes of revision 0012.  psycopg drops every prepared statement
at each rollback, and every unit of work ends with one, so PostgreSQL planned the union anew
for every report: 2–5 ms, against 0.3 ms to run it — most of it proving each read's
``state IN (…)`` against every partial index of the table.  Two changes, PostgreSQL only:

* revision 0012's three indexes say ``(state IN (…)) IS TRUE``, as the reads do: one
  comparison proves it, and the other partial indexes fail fast;
* ``citydesk_open_nearby`` runs the reads in PL/pgSQL, whose plans PostgreSQL keeps for the
  connection (a generic plan after five calls).  It returns what ``open_in_box`` returns: on
  each side of the report's time the first ``p_limit`` open cases in the duplicate check's
  order; the later side only when some case was reported after that time at all.

SQLite keeps 0012 as it is (its statements are prepared once per connection already).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The open states as released in 0009 (a migration must not change with later code).
OPEN = ("待受理", "核实中", "待立案", "待派遣", "待处置", "处置中", "待核查", "核查中", "待结案", "挂账")
OPEN_TERM = "state IN (" + ", ".join(f"'{s}'" for s in OPEN) + ")"
PG_OPEN_TERM = f"({OPEN_TERM}) IS TRUE"
UNPLACED_TERM = "(lon IS NULL OR lat IS NULL)"
INDEXES = (("ix_cases_open_place", ["category", "lat", "lon", "reported_at"], False),
           ("ix_cases_open_cell", ["grid", "category", "reported_at"], False),
           ("ix_cases_open_unplaced", ["category", "grid", "reported_at"], True))

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
    unplaced = _by_time(f"{UNPLACED_TERM.replace('lon', 'c.lon').replace('lat', 'c.lat')} "
                        "AND c.grid = p_grid", latest)
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
            RETURN QUERY {_by_time('c.grid = p_grid', True)};
        ELSE
            RETURN QUERY {_by_time('c.grid = p_grid', False)};
        END IF;
    ELSIF p_latest THEN
        RETURN QUERY {_placed(True)};
    ELSE
        RETURN QUERY {_placed(False)};
    END IF;
END
$$
"""

_PG_BOTH = f"""
CREATE OR REPLACE FUNCTION citydesk_open_nearby(
    p_category text, p_at timestamptz, p_window interval,
    p_lon0 float8, p_lat0 float8, p_cos0 float8, p_half_sin0 float8, p_reach2 float8,
    p_lon_min float8, p_lon_max float8, p_lat_min float8, p_lat_max float8,
    p_grid text, p_exclude integer, p_limit integer, p_unit text, p_user text, p_grids text[])
RETURNS {_RESULT} LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY SELECT * FROM citydesk_open_nearby_side(
        p_category, p_at - p_window, p_at, true, p_lon0, p_lat0, p_cos0, p_half_sin0,
        p_reach2, p_lon_min, p_lon_max, p_lat_min, p_lat_max, p_grid, p_exclude, p_limit,
        p_unit, p_user, p_grids);
    -- The later side only when some case was reported after the report's time at all: a
    -- report made now, or a channel's records in time order, have none.
    IF EXISTS (SELECT 1 FROM cases c WHERE c.reported_at > p_at
               AND c.reported_at <= p_at + p_window) THEN
        RETURN QUERY SELECT * FROM citydesk_open_nearby_side(
            p_category, p_at + interval '1 microsecond', p_at + p_window, false, p_lon0,
            p_lat0, p_cos0, p_half_sin0, p_reach2, p_lon_min, p_lon_max, p_lat_min,
            p_lat_max, p_grid, p_exclude, p_limit, p_unit, p_user, p_grids);
    END IF;
END
$$
"""


def _recreate(term: str) -> None:
    for name, columns, unplaced in INDEXES:
        op.drop_index(name, table_name="cases")
        where = f"{term} AND {UNPLACED_TERM}" if unplaced else term
        op.create_index(name, "cases", columns, postgresql_where=sa.text(where))


def upgrade() -> None:
    """PostgreSQL: the indexes' open term as the reads say it, and the two functions."""
    if op.get_bind().dialect.name != "postgresql":
        return
    _recreate(PG_OPEN_TERM)
    op.execute(_PG_SIDE)
    op.execute(_PG_BOTH)


def downgrade() -> None:
    """PostgreSQL: drop the functions, give the indexes 0012's term again."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS citydesk_open_nearby(text, timestamptz, interval, "
               "float8, float8, float8, float8, float8, float8, float8, float8, float8, text, "
               "integer, integer, text, text, text[])")
    op.execute("DROP FUNCTION IF EXISTS citydesk_open_nearby_side(text, timestamptz, "
               "timestamptz, boolean, float8, float8, float8, float8, float8, float8, float8, "
               "float8, float8, text, integer, integer, text, text, text[])")
    _recreate(OPEN_TERM)
