"""The chained logs' heads: the one row per log that orders appends (revision 0016).

An append locks its log's row of ``chain_heads`` until COMMIT, reads where the chain ends,
inserts its rows chained to that and moves the row.  On PostgreSQL the lock is ``SELECT …
FOR UPDATE``, which needs the UPDATE privilege on the table: ``citydesk db grant`` gives it to
the server's (app) role only, so the read-only wall role cannot block writers, as it could
with the global advisory lock this replaces.  On SQLite the same row is written first, which
takes the database's write lock before the head is read (pysqlite begins a transaction only at
the first write: a head read before it could be stale by the time the rows are inserted).

Nothing slow happens while the row is held: photos are committed in a transaction of their own
before the step's (``console/services/photo_staging.py``), so the lock covers the insert of the
rows and a commit of small rows.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import ScalarSelect

from console.domain.audit import GENESIS
from db.tables import ChainHeadRow

EVENTS = "events"
ADMIN = "admin"
#: The table of each chained log.
LOG_TABLES = {EVENTS: "case_events", ADMIN: "admin_log"}


class HeadRow(NamedTuple):
    """Where a log's chain ends: the last appended id and its stored value."""

    last_id: int
    value: str


def lock_head(session: Session, name: str) -> HeadRow:
    """Lock the log's head row until the transaction ends and return it."""
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(
            select(ChainHeadRow.last_id, ChainHeadRow.value)
            .where(ChainHeadRow.name == name).with_for_update()).first()
    else:
        session.execute(update(ChainHeadRow).where(ChainHeadRow.name == name)
                        .values(last_id=ChainHeadRow.last_id))
        row = session.execute(select(ChainHeadRow.last_id, ChainHeadRow.value)
                              .where(ChainHeadRow.name == name)).first()
    if row is None:
        # The row was deleted behind the triggers' back: start it again at the log's last row
        # (audit verify still reports whatever was done to the log itself).
        table = LOG_TABLES[name]
        last = session.execute(text(
            f"SELECT id, hash FROM {table} ORDER BY id DESC LIMIT 1")).first()
        head = HeadRow(0, GENESIS) if last is None or last[1] is None else \
            HeadRow(int(last[0]), str(last[1]))
        session.add(ChainHeadRow(name=name, last_id=head.last_id, value=head.value))
        session.flush()
        return head
    return HeadRow(int(row[0]), str(row[1]))


def move_head(session: Session, name: str, last_id: int, value: str) -> None:
    """Record the log's new end (inside the transaction holding the lock)."""
    session.execute(update(ChainHeadRow).where(ChainHeadRow.name == name)
                    .values(last_id=last_id, value=value))


def read_head(session: Session, name: str) -> HeadRow:
    """The log's head as committed (no lock); ``(0, GENESIS)`` when it has none."""
    row = session.execute(select(ChainHeadRow.last_id, ChainHeadRow.value)
                          .where(ChainHeadRow.name == name)).first()
    return HeadRow(0, GENESIS) if row is None else HeadRow(int(row[0]), str(row[1]))


def head_id_subquery(name: str = EVENTS) -> ScalarSelect[Any]:
    """``(SELECT last_id FROM chain_heads WHERE name = …)`` for bounding reads of a log."""
    return select(ChainHeadRow.last_id).where(ChainHeadRow.name == name).scalar_subquery()


def free_ids(session: Session, table: str, after: int, count: int) -> list[int]:
    """``count`` ids above ``after`` that no row of ``table`` holds (SQLite's numbering).

    A row squatting on the next id (inserted behind the chain's back) is stepped over instead
    of making every later append fail on the primary key.  Usually one indexed range read
    that finds nothing.
    """
    ids: list[int] = []
    low = after
    while len(ids) < count:
        high = low + (count - len(ids))
        taken = {int(i) for i in session.scalars(
            text(f"SELECT id FROM {table} WHERE id > :low AND id <= :high"),
            {"low": low, "high": high})}
        ids += [i for i in range(low + 1, high + 1) if i not in taken]
        low = high
    return ids


def sequence_ids(session: Session, table: str, count: int) -> list[int]:
    """``count`` ids from the table's id sequence that no row holds yet (PostgreSQL).

    A row inserted behind the chain's back on an id the sequence will reach (its next value,
    say) is stepped over: without this, every append would fail on the primary key there.
    """
    ids: list[int] = []
    while len(ids) < count:
        ids += [int(i) for i in session.scalars(text(
            f"SELECT n FROM (SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS n "
            "FROM generate_series(1, :k)) s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} e WHERE e.id = s.n)"),
            {"k": count - len(ids)})]
    return sorted(ids)
