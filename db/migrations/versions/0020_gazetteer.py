"""The gazetteer: named places (门牌 / POI) the desk's location field searches (issue #16).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

* ``gazetteer_places``: one row per place — name, address, WGS-84 position, the name's pinyin
  initials (computed at import), the duplicate key (name and address as search compares them;
  unique), the datum the file gave, the file's name, who imported it and when.  Places are
  only added; the newest id tells a search index whether it is current.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
_CODE = 64  # db.tables.CODE, as it was when this revision was written
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "gazetteer_places",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("initials", sa.String(100), nullable=False),
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("crs", sa.String(16), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("imported_by", sa.String(_CODE), nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gazetteer_places"),
        sa.UniqueConstraint("key", name="uq_gazetteer_places_key"),
    )


def downgrade() -> None:
    """Drop it (every imported place goes)."""
    op.drop_table("gazetteer_places")
