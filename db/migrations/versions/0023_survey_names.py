"""A centre's own survey: grid cells' names and components' other attributes (issue #16).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06

* ``grid_cells.name``: the cell's own name from ``citydesk grid import`` ("" for cells without
  one: the map then labels the code).
* ``components.attributes``: the survey's other columns (材质, 设置位置 …) as [heading, text]
  pairs from ``citydesk components import`` (NULL for rows stored before).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = 200  # db.tables.NAME, as it was when this revision was written


def upgrade() -> None:
    """Add the two columns."""
    op.add_column("grid_cells", sa.Column("name", sa.String(_NAME), nullable=False,
                                          server_default=sa.text("''")))
    op.add_column("components", sa.Column("attributes", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop them (SQLite 3.35+ drops a plain column in place; imported names go)."""
    op.drop_column("components", "attributes")
    op.drop_column("grid_cells", "name")
