"""自处置待审核 is an open state: the queues' partial indexes of the open cases name it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-20

Issue #15 adds the state 自处置待审核 (a collector's on-the-spot fix waiting for a 受理员's
review).  It is open, so the queues read it with the other open states; SQLite uses a partial
index only when the query repeats its WHERE term word for word, so 0007's deadline index and
0009's order indexes are rebuilt with the new list (``db/queue_repo.py`` writes ``state IN``
every open state).  The duplicate check's indexes (0012, 0014) and PostgreSQL's
``citydesk_open_nearby_side`` keep the loop's ten open states: a problem already fixed on the
spot is no case to merge a new report into (``db/case_repo.py: NEARBY_VALUES``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The open states as released in 0007/0009, and as from this revision (a migration must not
#: change with later code): the new state goes where ``CaseState`` lists it, after 挂账.
BEFORE = ("待受理", "核实中", "待立案", "待派遣", "待处置", "处置中", "待核查", "核查中", "待结案", "挂账")
AFTER = (*BEFORE, "自处置待审核")

INDEXES: dict[str, list[str]] = {
    "ix_cases_open_deadline": ["stage_deadline"],
    "ix_cases_open_id": ["id"],
    "ix_cases_open_case_no": ["case_no"],
    "ix_cases_open_reported_at": ["reported_at", "id"],
    "ix_cases_open_updated_at": ["updated_at", "id"],
    "ix_cases_open_grid": ["grid", "id"],
    "ix_cases_open_category": ["category", "id"],
    "ix_cases_open_unit": ["unit", "id"],
    "ix_cases_open_suggested_unit": ["suggested_unit", "id"],
}


def _rebuild(states: Sequence[str]) -> None:
    where = sa.text("state IN (" + ", ".join(f"'{s}'" for s in states) + ")")
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="cases")
        op.create_index(name, "cases", columns, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    """The open-case indexes of the queues with 自处置待审核."""
    _rebuild(AFTER)


def downgrade() -> None:
    """Back to the ten open states of 0007/0009."""
    _rebuild(BEFORE)
