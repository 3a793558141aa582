"""Evaluation: a covering index for a period's events, and cases by last change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

``ix_case_events_evaluation`` holds every column the 专业部门 counts read from a period's
events (type, time, unit, case, on-time flag, stage), so a month of a megacity's log is summed
from the index alone instead of one table row per event.  ``ix_cases_updated_at`` finds the
cases changed since a period ended, the only ones whose state at the end needs the log
(``EventLog.open_at`` with ``due_from``).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENT_COLUMNS = ["type", "occurred_at", "unit", "case_id", "on_time", "stage"]


def upgrade() -> None:
    """Create the two indexes."""
    op.create_index("ix_case_events_evaluation", "case_events", EVENT_COLUMNS)
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_cases_updated_at", table_name="cases")
    op.drop_index("ix_case_events_evaluation", table_name="case_events")
