"""Cases: the collector a 核实 / 核查 visit was sent to (``cases.assignee``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

A collector's desk reads its own cells' cases and the visits sent to it; the visit's collector
was only in the request's event payload, which a queue cannot filter on.  Existing open visits
get the collector their latest request named (NULL when it named nobody); every other case
NULL.  A partial index finds a collector's waiting visits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = 200  # db.tables.NAME, as it was when this revision was written
_VISITS = ("核实中", "核查中")
_REQUESTS = ("request-verify", "request-check")


def upgrade() -> None:
    """Add the column and fill it for the visits waiting now."""
    op.add_column("cases", sa.Column("assignee", sa.String(_NAME), nullable=True))
    bind = op.get_bind()
    waiting = bind.execute(sa.text(
        "SELECT id FROM cases WHERE state IN ('核实中', '核查中')")).scalars().all()
    for case_id in waiting:
        payload = bind.execute(sa.text(
            "SELECT payload FROM case_events WHERE case_id = :id AND type IN "
            "('request-verify', 'request-check') ORDER BY id DESC LIMIT 1"),
            {"id": case_id}).scalar()
        doc = json.loads(payload) if isinstance(payload, str) else (payload or {})
        collector = doc.get("collector")
        if collector:
            # UPDATE of cases, not of the log: the triggers guard case_events only.
            bind.execute(sa.text("UPDATE cases SET assignee = :who WHERE id = :id"),
                         {"who": collector, "id": case_id})
    op.create_index("ix_cases_assignee", "cases", ["assignee"],
                    sqlite_where=sa.text("assignee IS NOT NULL"),
                    postgresql_where=sa.text("assignee IS NOT NULL"))


def downgrade() -> None:
    """Drop the index and the column."""
    op.drop_index("ix_cases_assignee", table_name="cases")
    op.drop_column("cases", "assignee")
