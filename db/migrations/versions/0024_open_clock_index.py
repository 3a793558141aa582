"""The light counts read from an index: open cases' unit, cell, state and clock.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06

The desk's board and map and the wall count every open case by light each refresh
(``db/queue_repo.py``: ``limits`` and ``light_tally``).  Through the state index each of a
megacity's 93 k open cases was a row fetched from the table (SQLite: 214-430 ms for the
distinct limits, 255-330 ms for the counts; PostgreSQL 190 ms for the limits, 69 k buffers).
This partial index of the open cases holds every column those reads use, so both backends
answer from the index alone (SQLite 36-41 and 73-94 ms).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The open states as in revision 0018 (a migration must not change with later code).
OPEN = ("待受理", "核实中", "待立案", "待派遣", "待处置", "处置中", "待核查", "核查中", "待结案", "挂账",
        "自处置待审核")
COLUMNS = ["unit", "grid", "state", "stage", "stage_limit", "natural_time", "suspended_at",
           "stage_deadline"]


def upgrade() -> None:
    """Create the index."""
    where = sa.text("state IN (" + ", ".join(f"'{s}'" for s in OPEN) + ")")
    op.create_index("ix_cases_open_clock", "cases", COLUMNS, sqlite_where=where,
                    postgresql_where=where)


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_cases_open_clock", table_name="cases")
