"""Collectors in the field: their phones' positions and their tracking-device keys (issue #15).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

* ``collector_positions``: one row per fix a collector's phone sent (``POST /api/v1/positions``
  or the OsmAnd/Traccar protocol at ``/osmand``), converted to WGS-84 on entry; ``t`` is the
  fix's instant (stored in UTC), ``received_at`` the server's.  Indexed by ``(username, t)``
  (a collector's track, their last fix); on PostgreSQL also a BRIN index on ``t`` — the rows
  arrive roughly in time order, so the retention's delete of old days and a day's tracks read
  ranges of blocks through an index of a few pages (elsewhere a plain index on ``t``).
* ``device_keys``: a collector's device key for ``/osmand`` as its SHA-256 digest (the key
  itself is printed once by ``citydesk user device-key``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
_CODE = 64  # db.tables.CODE, as it was when this revision was written
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create both tables and the positions' indexes."""
    op.create_table(
        "collector_positions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(_CODE), nullable=False),
        sa.Column("t", TS, nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("speed", sa.Float(), nullable=True),
        sa.Column("battery", sa.Float(), nullable=True),
        sa.Column("received_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["username"], ["users.username"],
                                name="fk_collector_positions_username_users"),
        sa.PrimaryKeyConstraint("id", name="pk_collector_positions"),
    )
    op.create_index("ix_collector_positions_username_t", "collector_positions",
                    ["username", "t"])
    op.create_index("ix_collector_positions_t", "collector_positions", ["t"],
                    postgresql_using="brin")
    op.create_table(
        "device_keys",
        sa.Column("username", sa.String(_CODE), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["username"], ["users.username"],
                                name="fk_device_keys_username_users"),
        sa.PrimaryKeyConstraint("username", name="pk_device_keys"),
    )


def downgrade() -> None:
    """Drop them (every stored position and device key goes)."""
    op.drop_table("device_keys")
    op.drop_index("ix_collector_positions_t", table_name="collector_positions")
    op.drop_index("ix_collector_positions_username_t", table_name="collector_positions")
    op.drop_table("collector_positions")
