"""Photos stored as they are: no compression attempt on JPEG and PNG bytes (PostgreSQL).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06

PostgreSQL tries to compress (pglz) every ``bytea`` value over 2 kB before storing it out of
line.  A photo is JPEG or PNG, already compressed: the attempt never pays, and on a phone's
2.8 MB JPEG — whose first kilobyte, the headers, does compress, so pglz does not give up
early — it took ~30 ms of a ~47 ms INSERT (16 ms without it), twice for a task result with
two photos.  ``STORAGE EXTERNAL`` keeps the values out of line and uncompressed.  Rows stored
before keep their form; SQLite has no such setting.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _storage(kind: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE photos ALTER COLUMN data SET STORAGE {kind}, "
                   f"ALTER COLUMN thumbnail SET STORAGE {kind}")


def upgrade() -> None:
    """Photos' bytes out of line, uncompressed."""
    _storage("EXTERNAL")


def downgrade() -> None:
    """Back to PostgreSQL's default for ``bytea`` (compressed when it pays, out of line)."""
    _storage("EXTENDED")
