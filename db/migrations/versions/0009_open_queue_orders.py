"""Queues: every order of a queue page read from the open cases, not through the history.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

A queue page is ``state IN (…) ORDER BY <column> LIMIT 100``.  Where the column has an index
of the whole history (the primary key, ``case_no``, ``reported_at``, ``updated_at``, ``grid``,
``(category, state)``, ``(unit, state)``, ``(suggested_unit, state)``), a planner may walk it
in order and filter by state: the intake pane newest first walked 1.1 M rows of
``reported_at`` to find 26 cases at county size with ten years kept (SQLite, whose statistics
know only the average state), and PostgreSQL walked the primary key, ``case_no``, ``grid``,
``reported_at`` and ``updated_at`` forward for the board at megacity shares.  A partial index
of the open cases on each of those columns (ties by id) offers the same order over a few
hundred rows, so neither planner has a reason to walk the history; the state-led indexes
serve the orders with no index (source, routing rule, stage).  ``db/queue_repo.py`` repeats
the indexes' WHERE term on SQLite, which uses a partial index only then.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The open states as released in 0009, in the order of 0007's index: SQLite matches a
#: partial index's WHERE term by its exact text (a migration must not change with later code).
OPEN = ("待受理", "核实中", "待立案", "待派遣", "待处置", "处置中", "待核查", "核查中", "待结案", "挂账")
WHERE = sa.text("state IN (" + ", ".join(f"'{s}'" for s in OPEN) + ")")

INDEXES: dict[str, list[str]] = {
    "ix_cases_open_id": ["id"],
    "ix_cases_open_case_no": ["case_no"],
    "ix_cases_open_reported_at": ["reported_at", "id"],
    "ix_cases_open_updated_at": ["updated_at", "id"],
    "ix_cases_open_grid": ["grid", "id"],
    "ix_cases_open_category": ["category", "id"],
    "ix_cases_open_unit": ["unit", "id"],
    "ix_cases_open_suggested_unit": ["suggested_unit", "id"],
}


def upgrade() -> None:
    """Create the partial indexes (small: only the open cases are read)."""
    for name, columns in INDEXES.items():
        op.create_index(name, "cases", columns, sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade() -> None:
    """Drop them."""
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="cases")
