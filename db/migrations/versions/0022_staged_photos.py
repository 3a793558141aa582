"""Photos stored before the transaction that appends their events (issue #14).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06

A step's photos are committed in a transaction of their own, marked ``staged`` (no case shows
them), before the transaction that appends the step's events; that one hangs them on their
event and case and unmarks them.  The chain head is then locked only for the append of small
rows and their commit, never while megabytes of photos are written or flushed.

* ``photos.staged`` (false for every photo before this revision).
* ``photos.case_id`` may be NULL: a new report's photos are staged before its case exists.
* ``ix_photos_staged``: a partial index on ``uploaded_at`` of the staged rows, for the worker's
  sweep of photos a process left staged when it died between the two transactions.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the flag, let a staged photo wait without a case, index the staged ones."""
    with op.batch_alter_table("photos") as batch:
        batch.add_column(sa.Column("staged", sa.Boolean(), nullable=False,
                                   server_default=sa.text("false")))
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
    op.create_index("ix_photos_staged", "photos", ["uploaded_at"],
                    postgresql_where=sa.text("staged"), sqlite_where=sa.text("staged"))


def downgrade() -> None:
    """Drop staged photos (never shown) and the flag; every photo has its case again."""
    op.drop_index("ix_photos_staged", table_name="photos")
    op.execute("DELETE FROM photos WHERE staged")
    with op.batch_alter_table("photos") as batch:
        batch.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("staged")
