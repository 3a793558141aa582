"""Cases: the duplicate check reads the open cases near a place from three partial indexes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

Before a report is filed the desk looks for open cases of its category near it in space and
time (``db.case_repo.SqlCaseRepository.open_in_box``).  It read them through
``(category, state)``: every open case of the category, and real exports put a fifth of their
rows on one default coordinate, so each report read thousands of cases (a 5 MB Open311 page:
19 minutes).  ``(category, lat, lon, reported_at)`` over the open cases reads a box by latitude,
the cases at one exact point latest first, and passes over that point's rows when the box
around them is asked for; ``(grid, category, reported_at)`` reads a cell's cases latest first
(a report placed by its cell alone; led by the cell, so that no planner takes it for a box),
and ``(category, grid, reported_at)`` over the open cases without coordinates the ones a
located report matches by its cell.  The query repeats each index's WHERE terms on
SQLite, which uses a partial index only then.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The open states as released in 0009 (SQLite matches a partial index's WHERE term by its
#: exact text: a migration must not change with later code).
OPEN = ("待受理", "核实中", "待立案", "待派遣", "待处置", "处置中", "待核查", "核查中", "待结案", "挂账")
OPEN_TERM = "state IN (" + ", ".join(f"'{s}'" for s in OPEN) + ")"
UNPLACED_TERM = "(lon IS NULL OR lat IS NULL)"


def upgrade() -> None:
    """Create the three partial indexes (only open cases are in them)."""
    op.create_index("ix_cases_open_place", "cases", ["category", "lat", "lon", "reported_at"],
                    sqlite_where=sa.text(OPEN_TERM), postgresql_where=sa.text(OPEN_TERM))
    op.create_index("ix_cases_open_cell", "cases", ["grid", "category", "reported_at"],
                    sqlite_where=sa.text(OPEN_TERM), postgresql_where=sa.text(OPEN_TERM))
    unplaced = sa.text(f"{OPEN_TERM} AND {UNPLACED_TERM}")
    op.create_index("ix_cases_open_unplaced", "cases", ["category", "grid", "reported_at"],
                    sqlite_where=unplaced, postgresql_where=unplaced)


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_cases_open_unplaced", table_name="cases")
    op.drop_index("ix_cases_open_cell", table_name="cases")
    op.drop_index("ix_cases_open_place", table_name="cases")
