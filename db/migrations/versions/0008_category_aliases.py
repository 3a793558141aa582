"""Categories: other words people use for them (``aliases``, a JSON list).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06

The command line, the import path and the desk's picker resolve a category by its aliases
too (the seed's 交通信号灯 for 交通信号灯异常).  Existing rows get an empty list; ``citydesk
init`` then writes the centre file's aliases.  The column is nullable because PostgreSQL
cannot compare a JSON server default (Alembic's check runs ``json = json``, which has no
operator); the code writes lists only and reads NULL as no aliases.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column and give every existing category an empty list."""
    op.add_column("categories", sa.Column("aliases", sa.JSON(), nullable=True))
    categories = sa.table("categories", sa.column("aliases", sa.JSON()))
    op.execute(categories.update().values(aliases=[]))


def downgrade() -> None:
    """Drop it (SQLite 3.35+ drops a plain column in place)."""
    op.drop_column("categories", "aliases")
