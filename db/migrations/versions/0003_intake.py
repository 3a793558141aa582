"""Intake channels: links to the cases they created, quarantine, code mappings, status outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

``intake_links`` and ``intake_problems`` are unique on (channel, external id): a record a
channel sends twice becomes one case or one quarantine row, however often it is polled or
re-imported, and a crashed run repeated finds what the first one committed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
# SQLite only autoincrements an INTEGER PRIMARY KEY (a rowid alias), not a BIGINT one.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the five intake tables."""
    op.create_table(
        "intake_links",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("remote_status", sa.String(64), nullable=True),
        sa.Column("remote_updated_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intake_links"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_intake_links_case_id_cases"),
        sa.UniqueConstraint("channel", "external_id", name="uq_intake_links_channel"),
    )
    op.create_index("ix_intake_links_case_id", "intake_links", ["case_id"])
    op.create_table(
        "intake_problems",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("parser", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("external_code", sa.String(128), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_intake_problems"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name="fk_intake_problems_case_id_cases"
        ),
        sa.UniqueConstraint("channel", "external_id", name="uq_intake_problems_channel"),
    )
    op.create_index("ix_intake_problems_status_id", "intake_problems", ["status", "id"])
    op.create_table(
        "intake_mappings",
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("external_code", sa.String(128), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("channel", "external_code", name="pk_intake_mappings"),
        sa.ForeignKeyConstraint(
            ["category"], ["categories.code"], name="fk_intake_mappings_category_categories"
        ),
    )
    op.create_table(
        "intake_outbox",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("event_id", BIG_ID, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("extended_status", sa.String(32), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", TS, nullable=True),
        sa.Column("sent_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_intake_outbox"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_intake_outbox_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["case_events.id"], name="fk_intake_outbox_event_id_case_events"
        ),
        sa.UniqueConstraint("event_id", name="uq_intake_outbox_event_id"),
    )
    op.create_index(
        "ix_intake_outbox_channel_state_id", "intake_outbox", ["channel", "state", "id"]
    )
    op.create_table(
        "intake_cursors",
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("channel", "key", name="pk_intake_cursors"),
    )


def downgrade() -> None:
    """Drop the intake tables (the cases they created stay)."""
    op.drop_table("intake_cursors")
    op.drop_index("ix_intake_outbox_channel_state_id", table_name="intake_outbox")
    op.drop_table("intake_outbox")
    op.drop_table("intake_mappings")
    op.drop_index("ix_intake_problems_status_id", table_name="intake_problems")
    op.drop_table("intake_problems")
    op.drop_index("ix_intake_links_case_id", table_name="intake_links")
    op.drop_table("intake_links")
