"""Central deployment: sign-in columns, desk presence, request ids, the audit hash chain.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Existing events get their chain hashes here, in id order, so a database brought over from
0001 verifies from its first row.  After that the log is append-only: a trigger refuses
UPDATE and DELETE (and TRUNCATE on PostgreSQL) for every role, the owner included.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from console.domain.audit import GENESIS, chain_hash
from console.domain.cases import CaseState, Event, Role
from db.engine import UTCDateTime

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
BATCH = 5000

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION citydesk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
_PG_TRIGGERS = (
    "CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events "
    "FOR EACH ROW EXECUTE FUNCTION citydesk_append_only()",
    "CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION citydesk_append_only()",
)
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events "
    "BEGIN SELECT RAISE(ABORT, 'case_events is append-only: UPDATE refused'); END",
    "CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events "
    "BEGIN SELECT RAISE(ABORT, 'case_events is append-only: DELETE refused'); END",
)

# The log as this revision knows it (not db.tables: that follows later revisions).
_events = sa.table(
    "case_events",
    sa.column("id", sa.BigInteger()),
    sa.column("case_id", sa.Integer()),
    sa.column("type", sa.String()),
    sa.column("from_state", sa.String()),
    sa.column("to_state", sa.String()),
    sa.column("actor", sa.String()),
    sa.column("role", sa.String()),
    sa.column("desk", sa.String()),
    sa.column("unit", sa.String()),
    sa.column("stage", sa.String()),
    sa.column("stage_deadline", UTCDateTime()),
    sa.column("on_time", sa.Boolean()),
    sa.column("payload", sa.JSON()),
    sa.column("occurred_at", UTCDateTime()),
    sa.column("request_id", sa.String()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    """Add the columns and the presence table, hash the existing log, then lock it."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(200), nullable=True))
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("locked_until", TS, nullable=True))
        batch.add_column(sa.Column("password_changed_at", TS, nullable=True))
    op.add_column("case_events", sa.Column("request_id", sa.String(64), nullable=True))
    op.add_column("case_events", sa.Column("hash", sa.String(64), nullable=True))
    op.create_index("ix_case_events_request_id", "case_events", ["request_id"])
    op.create_table(
        "desk_presence",
        sa.Column("desk", sa.String(200), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("since", TS, nullable=False),
        sa.Column("seen_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("desk", name="pk_desk_presence"),
    )
    op.create_index("ix_desk_presence_case_id", "desk_presence", ["case_id"])
    op.create_index("ix_desk_presence_seen_at", "desk_presence", ["seen_at"])
    _hash_existing_events()
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for statement in _PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def _hash_existing_events() -> None:
    bind = op.get_bind()
    previous, last = GENESIS, 0
    while True:
        rows = bind.execute(
            sa.select(_events).where(_events.c.id > last).order_by(_events.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        for row in rows:
            event = Event(
                id=row.id, case_id=row.case_id, type=row.type,
                from_state=None if row.from_state is None else CaseState(row.from_state),
                to_state=CaseState(row.to_state), actor=row.actor, role=Role(row.role),
                desk=row.desk, unit=row.unit, stage=row.stage,
                stage_deadline=row.stage_deadline, on_time=row.on_time, payload=row.payload,
                occurred_at=row.occurred_at, request_id=row.request_id,
            )
            previous = chain_hash(previous, event)
            bind.execute(
                sa.update(_events).where(_events.c.id == row.id).values(hash=previous)
            )
        last = rows[-1].id


def downgrade() -> None:
    """Back to 0001 (the hashes and sign-in data are dropped)."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_events_append_only ON case_events")
        op.execute("DROP TRIGGER IF EXISTS case_events_no_truncate ON case_events")
        op.execute("DROP FUNCTION IF EXISTS citydesk_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS case_events_no_delete")
    op.drop_index("ix_desk_presence_seen_at", table_name="desk_presence")
    op.drop_index("ix_desk_presence_case_id", table_name="desk_presence")
    op.drop_table("desk_presence")
    op.drop_index("ix_case_events_request_id", table_name="case_events")
    with op.batch_alter_table("case_events") as batch:
        batch.drop_column("hash")
        batch.drop_column("request_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_changed_at")
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
        batch.drop_column("password_hash")
