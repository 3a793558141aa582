"""Server sessions: a signed-in user's bearer token, stored only as its SHA-256 digest.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

``citydesk server`` (issue #14) holds the database; desks, unit seats, the wall and the CLI
hold a session.  A session lives only in this table, so two server processes serve the same
centre.  The token itself is never stored: its SHA-256 hex digest is the primary key, so a
reader of the table cannot sign in with what it reads.  ``role`` is the user's role when the
session was issued (a later change of role ends it); ``expires_at`` is the absolute end,
``last_seen_at`` drives the idle timeout, ``revoked_at`` is set by logout.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
_CODE = 64  # db.tables.CODE, as it was when this revision was written
_NAME = 200  # db.tables.NAME
_STATE = 32  # db.tables.STATE


def upgrade() -> None:
    """Create ``sessions`` with its user and expiry indexes."""
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("username", sa.String(_CODE), nullable=False),
        sa.Column("role", sa.String(_STATE), nullable=False),
        sa.Column("kind", sa.String(_STATE), nullable=False),
        sa.Column("client", sa.String(_NAME), nullable=False, server_default=sa.text("''")),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.ForeignKeyConstraint(["username"], ["users.username"],
                                name="fk_sessions_username_users"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_sessions"),
    )
    op.create_index("ix_sessions_username", "sessions", ["username"])
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])


def downgrade() -> None:
    """Drop the table (every session ends)."""
    op.drop_index("ix_sessions_expires_at", table_name="sessions")
    op.drop_index("ix_sessions_username", table_name="sessions")
    op.drop_table("sessions")
