"""Queues: open cases by deadline, for the in-progress board on PostgreSQL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

The board lists six states by deadline.  ``(state, stage_deadline)`` gives each state in
order, but PostgreSQL does not merge six ordered scans: it sorted all ~63 k board cases of a
megacity for a page of 100 (73 ms).  A partial index of the open cases by deadline (closed
cases, the millions, are not in it) lets it read the page in order and stop (1 ms).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The open states as released in 0007 (a migration must not change with later code).
OPEN = ("待受理", "核实中", "待立案", "待派遣", "待处置", "处置中", "待核查", "核查中", "待结案", "挂账")
WHERE = sa.text("state IN (" + ", ".join(f"'{s}'" for s in OPEN) + ")")


def upgrade() -> None:
    """Create the index."""
    op.create_index("ix_cases_open_deadline", "cases", ["stage_deadline"],
                    sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_cases_open_deadline", table_name="cases")
