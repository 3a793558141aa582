"""Queues: the approvals queue found from two indexes instead of every open case.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

The approvals pane shows open cases with a pending request, or filed cases the routing matrix
left to the coordination office (代整改).  Asked as one ``OR`` both backends read every open
case (~100 k at megacity size, ~0.5 s on SQLite); ``db/queue_repo.py`` asks it as two reads:
``ix_cases_awaiting`` (partial: only rows with a pending request, ordered by last change) and
``ix_cases_suggested_unit_state``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AWAITING = sa.text("pending IS NOT NULL")


def upgrade() -> None:
    """Create the two indexes."""
    op.create_index("ix_cases_awaiting", "cases", ["updated_at"],
                    sqlite_where=AWAITING, postgresql_where=AWAITING)
    op.create_index("ix_cases_suggested_unit_state", "cases", ["suggested_unit", "state"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_cases_suggested_unit_state", table_name="cases")
    op.drop_index("ix_cases_awaiting", table_name="cases")
