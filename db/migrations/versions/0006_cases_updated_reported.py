"""Evaluation: cases changed since an instant, with their report time, from one index.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26

``EventLog.open_at`` (a period's late 处置 stages) looks at the cases changed since the period
ended that were reported before it.  ``ix_cases_updated_at`` (revision 0004) found the first
but read every such case's row for the second: at megacity size, a month back, ~210 k rows.
``(updated_at, reported_at)`` answers both from the index and serves every query the single
column index served, so it replaces it.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Replace ``ix_cases_updated_at`` by ``(updated_at, reported_at)``."""
    op.create_index("ix_cases_updated_at_reported_at", "cases", ["updated_at", "reported_at"])
    op.drop_index("ix_cases_updated_at", table_name="cases")


def downgrade() -> None:
    """Back to the single column index."""
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"])
    op.drop_index("ix_cases_updated_at_reported_at", table_name="cases")
