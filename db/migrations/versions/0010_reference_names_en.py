"""Units and grid cells: English names (``units.name_en``, ``grid_cells.street_en`` and
``community_en``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

An English desk shows a unit, a street and a community by its English name; the centre's
files give them (``name_en`` in units.yaml, ``street_en`` / ``community_en`` in grid.geojson).
Existing rows get ``""`` (the desk shows the Chinese name); ``citydesk init`` then writes the
files' names, also into rows an administrator edited while their English name is still empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = 200  # db.tables.NAME, as it was when this revision was written


def upgrade() -> None:
    """Add the three columns, ``""`` in every existing row."""
    op.add_column("units", sa.Column("name_en", sa.String(_NAME), nullable=False,
                                     server_default=sa.text("''")))
    for column in ("street_en", "community_en"):
        op.add_column("grid_cells", sa.Column(column, sa.String(_NAME), nullable=False,
                                              server_default=sa.text("''")))


def downgrade() -> None:
    """Drop them (SQLite 3.35+ drops a plain column in place)."""
    for column in ("community_en", "street_en"):
        op.drop_column("grid_cells", column)
    op.drop_column("units", "name_en")
