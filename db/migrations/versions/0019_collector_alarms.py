"""Collectors' 在岗 alarms: 离线, 越界 and 停留, raised by the worker (issue #15).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-20

* ``collector_alarms``: one row per alarm — the collector, its kind, when the condition began
  (``started_at``) and ended (``ended_at``, NULL while it holds), when the worker raised it,
  who acknowledged it at a desk and when, and a JSON detail (the last fix, where, how far
  outside).  Unique on (username, kind, started_at): two workers never raise one alarm twice.
  A partial index on the open alarms (``ended_at IS NULL``) serves the worker's minute round.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
_CODE = 64  # db.tables.CODE, as it was when this revision was written
_STATE = 32  # db.tables.STATE
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OPEN = sa.text("ended_at IS NULL")


def upgrade() -> None:
    """Create the table and its indexes."""
    op.create_table(
        "collector_alarms",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(_CODE), nullable=False),
        sa.Column("kind", sa.String(_STATE), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("acknowledged_by", sa.String(_CODE), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["username"], ["users.username"],
                                name="fk_collector_alarms_username_users"),
        sa.PrimaryKeyConstraint("id", name="pk_collector_alarms"),
        sa.UniqueConstraint("username", "kind", "started_at",
                            name="uq_collector_alarms_username_kind_started_at"),
    )
    op.create_index("ix_collector_alarms_raised_at", "collector_alarms", ["raised_at"])
    op.create_index("ix_collector_alarms_open", "collector_alarms", ["username"],
                    sqlite_where=_OPEN, postgresql_where=_OPEN)


def downgrade() -> None:
    """Drop it (every alarm and acknowledgement goes)."""
    op.drop_index("ix_collector_alarms_open", table_name="collector_alarms")
    op.drop_index("ix_collector_alarms_raised_at", table_name="collector_alarms")
    op.drop_table("collector_alarms")
