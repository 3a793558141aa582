"""Keyed audit: key ids on events, the chain heads, the admin log (issue #14).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

* ``case_events.key_id``: the chain key a row was chained with (``console/domain/audit.py``).
  Existing rows keep NULL: the unkeyed ``sha256`` scheme, still verifiable.
* ``chain_heads``: one row per chained log (``events``, ``admin``) holding its last id and
  value.  Appends lock it with ``SELECT … FOR UPDATE`` instead of a global advisory lock any
  role could take; the row is filled here from the log's last row.
* ``admin_log``: the chained log of users, roles and reference-data changes, append-only by
  trigger like ``case_events``.  Every existing user gets a ``user-baseline`` row (unkeyed:
  the migration holds no key), so ``audit verify`` knows each user's last word from the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from console.domain.admin_log import AdminEntry, canonical_entry, password_tag
from console.domain.audit import GENESIS, legacy_seal
from db.engine import UTCDateTime

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
_KEY_ID = 16
_CODE = 64  # db.tables.CODE, as it was when this revision was written
_NAME = 200
_STATE = 32

_PG_TRIGGERS = (
    "CREATE TRIGGER admin_log_append_only BEFORE UPDATE OR DELETE ON admin_log "
    "FOR EACH ROW EXECUTE FUNCTION citydesk_append_only()",
    "CREATE TRIGGER admin_log_no_truncate BEFORE TRUNCATE ON admin_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION citydesk_append_only()",
    "CREATE TRIGGER chain_heads_no_delete BEFORE DELETE ON chain_heads "
    "FOR EACH ROW EXECUTE FUNCTION citydesk_append_only()",
)
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER admin_log_no_update BEFORE UPDATE ON admin_log "
    "BEGIN SELECT RAISE(ABORT, 'admin_log is append-only: UPDATE refused'); END",
    "CREATE TRIGGER admin_log_no_delete BEFORE DELETE ON admin_log "
    "BEGIN SELECT RAISE(ABORT, 'admin_log is append-only: DELETE refused'); END",
    "CREATE TRIGGER chain_heads_no_delete BEFORE DELETE ON chain_heads "
    "BEGIN SELECT RAISE(ABORT, 'chain_heads rows are never deleted'); END",
)

_events = sa.table("case_events", sa.column("id", sa.BigInteger()),
                   sa.column("hash", sa.String()))
_heads = sa.table("chain_heads", sa.column("name", sa.String()),
                  sa.column("last_id", sa.BigInteger()), sa.column("value", sa.String()))
_users = sa.table("users", sa.column("username", sa.String()), sa.column("name", sa.String()),
                  sa.column("role", sa.String()), sa.column("unit", sa.String()),
                  sa.column("grids", sa.JSON()), sa.column("active", sa.Boolean()),
                  sa.column("password_hash", sa.String()))
_admin = sa.table("admin_log", sa.column("id", sa.BigInteger()),
                  sa.column("occurred_at", UTCDateTime()), sa.column("actor", sa.String()),
                  sa.column("role", sa.String()), sa.column("desk", sa.String()),
                  sa.column("action", sa.String()), sa.column("subject", sa.String()),
                  sa.column("target", sa.String()), sa.column("payload", sa.JSON()),
                  sa.column("key_id", sa.String()), sa.column("hash", sa.String()))


def upgrade() -> None:
    """Add the key id column and the two tables, fill the heads, record the users."""
    op.add_column("case_events", sa.Column("key_id", sa.String(_KEY_ID), nullable=True))
    op.create_table(
        "chain_heads",
        sa.Column("name", sa.String(_KEY_ID), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_chain_heads"),
    )
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "admin_log",
        sa.Column("id", big_id, nullable=False, autoincrement=True),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("actor", sa.String(_NAME), nullable=False),
        sa.Column("role", sa.String(_STATE), nullable=False),
        sa.Column("desk", sa.String(_NAME), nullable=False),
        sa.Column("action", sa.String(_CODE), nullable=False),
        sa.Column("subject", sa.String(_CODE), nullable=False),
        sa.Column("target", sa.String(_NAME), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("key_id", sa.String(_KEY_ID), nullable=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_admin_log"),
    )
    op.create_index("ix_admin_log_subject_target_id", "admin_log", ["subject", "target", "id"])
    bind = op.get_bind()
    last = bind.execute(sa.select(_events.c.id, _events.c.hash)
                        .order_by(_events.c.id.desc()).limit(1)).first()
    bind.execute(sa.insert(_heads), [
        {"name": "events", "last_id": 0 if last is None else int(last.id),
         "value": GENESIS if last is None or last.hash is None else str(last.hash)},
        {"name": "admin", "last_id": 0, "value": GENESIS},
    ])
    _baseline(bind)
    if bind.dialect.name == "postgresql":
        for statement in _PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def _baseline(bind: sa.Connection) -> None:
    # The users as they stand, so the admin log has a word on everyone it did not see added.
    now = datetime.now(UTC)
    previous, n = GENESIS, 0
    rows = bind.execute(sa.select(_users).order_by(_users.c.username)).all()
    for row in rows:
        n += 1
        payload = {"name": row.name, "role": row.role, "unit": row.unit,
                   "active": bool(row.active), "grids": list(row.grids or []),
                   "password": password_tag(None, row.password_hash)}
        entry = AdminEntry("user-baseline", "users", row.username, payload, "migration-0016",
                           "管理员", "", now, n, None)
        previous = legacy_seal(previous, canonical_entry(entry))
        bind.execute(sa.insert(_admin).values(
            id=n, occurred_at=now, actor=entry.actor, role=entry.role, desk="",
            action=entry.action, subject="users", target=row.username, payload=payload,
            key_id=None, hash=previous))
    if n:
        bind.execute(sa.update(_heads).where(_heads.c.name == "admin")
                     .values(last_id=n, value=previous))
        if bind.dialect.name == "postgresql":
            bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('admin_log', 'id'), :n)"),
                         {"n": n})


def downgrade() -> None:
    """Back to 0015: the admin log, the heads and the key ids are dropped."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS admin_log_append_only ON admin_log")
        op.execute("DROP TRIGGER IF EXISTS admin_log_no_truncate ON admin_log")
        op.execute("DROP TRIGGER IF EXISTS chain_heads_no_delete ON chain_heads")
    else:
        for name in ("admin_log_no_update", "admin_log_no_delete", "chain_heads_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_admin_log_subject_target_id", table_name="admin_log")
    op.drop_table("admin_log")
    op.drop_table("chain_heads")
    # Plain ALTER (SQLite >= 3.35 has it): a batch copy of case_events would lose 0002's
    # append-only triggers.
    op.execute("ALTER TABLE case_events DROP COLUMN key_id")
