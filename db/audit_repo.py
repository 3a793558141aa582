"""The :class:`~console.services.audit_ports.AuditStore` port in SQL: the admin log's append
and the reads of ``audit verify``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from console.domain.admin_log import AdminEntry, StoredUser, canonical_entry, password_tag
from console.domain.anchors import Head
from console.domain.audit import Link, canonical, legacy_seal
from console.domain.cases import Case, Event
from db.case_repo import case_from_row
from db.chain_head import (
    ADMIN,
    EVENTS,
    free_ids,
    lock_head,
    move_head,
    read_head,
    sequence_ids,
)
from db.event_repo import KeySource, event_from_row
from db.tables import AdminLogRow, CaseRow, EventRow, UserRow

#: Case ids per ``IN (…)`` list.
CHUNK = 500


def _entry(row: AdminLogRow) -> AdminEntry:
    return AdminEntry(row.action, row.subject, row.target, row.payload or {}, row.actor,
                      row.role, row.desk, row.occurred_at, row.id, row.key_id)


class SqlAuditStore:
    """Admin log appends and the auditor's reads.

    Parameters
    ----------
    session : Session
        The unit of work's session.
    keys : callable, optional
        The chain keys (see :data:`db.event_repo.KeySource`); None chains unkeyed.
    """

    def __init__(self, session: Session, keys: KeySource | None = None) -> None:
        self._session = session
        self._keys = keys

    def log_admin(self, entry: AdminEntry, *, password_hash: str | None = None,
                  sets_password: bool = False) -> AdminEntry:
        """Append ``entry`` chained to the admin log's head (locked until commit)."""
        session = self._session
        ring = self._keys() if self._keys is not None else None
        key = None if ring is None else ring.current
        payload = dict(entry.payload)
        if sets_password:
            payload["password"] = password_tag(key, password_hash)
        head = lock_head(session, ADMIN)
        if session.get_bind().dialect.name == "postgresql":
            new_id = sequence_ids(session, "admin_log", 1)[0]
        else:
            new_id = free_ids(session, "admin_log", head.last_id, 1)[0]
        at = entry.occurred_at or datetime.now(UTC)
        stored = replace(entry, payload=payload, occurred_at=at, id=new_id,
                         key_id=None if key is None else key.key_id)
        body = canonical_entry(stored)
        value = legacy_seal(head.value, body) if key is None else key.seal(head.value, body)
        session.execute(insert(AdminLogRow).values(
            id=new_id, occurred_at=at, actor=stored.actor, role=stored.role, desk=stored.desk,
            action=stored.action, subject=stored.table, target=stored.target, payload=payload,
            key_id=stored.key_id, hash=value))
        move_head(session, ADMIN, new_id, value)
        return stored

    def heads(self) -> dict[str, Head]:
        """Both logs' heads."""
        return {name: Head(name, *read_head(self._session, name)) for name in (EVENTS, ADMIN)}

    def event_links(self, after_id: int, limit: int) -> list[Link]:
        """Event rows after ``after_id`` as links (canonical bytes, key id, stored value)."""
        stmt = select(EventRow).where(EventRow.id > after_id).order_by(EventRow.id).limit(limit)
        return [Link(row.id, canonical(event_from_row(row)), row.key_id, row.hash)
                for row in self._session.scalars(stmt)]

    def admin_rows(self, after_id: int, limit: int) -> list[tuple[AdminEntry, Link]]:
        """Admin log rows after ``after_id``, decoded and as links."""
        stmt = (select(AdminLogRow).where(AdminLogRow.id > after_id)
                .order_by(AdminLogRow.id).limit(limit))
        out = []
        for row in self._session.scalars(stmt):
            entry = _entry(row)
            out.append((entry, Link(row.id, canonical_entry(entry), row.key_id, row.hash)))
        return out

    def cases_after(self, after_id: int, limit: int) -> list[Case]:
        """Cases after ``after_id`` in id order."""
        stmt = select(CaseRow).where(CaseRow.id > after_id).order_by(CaseRow.id).limit(limit)
        return [case_from_row(row) for row in self._session.scalars(stmt)]

    def events_of(self, case_ids: Sequence[int]) -> dict[int, list[Event]]:
        """These cases' events, oldest first (read through the (case_id, id) index)."""
        out: dict[int, list[Event]] = {i: [] for i in case_ids}
        ids = sorted(set(case_ids))
        for n in range(0, len(ids), CHUNK):
            stmt = (select(EventRow).where(EventRow.case_id.in_(ids[n:n + CHUNK]))
                    .order_by(EventRow.case_id, EventRow.id))
            for row in self._session.scalars(stmt):
                out.setdefault(row.case_id, []).append(event_from_row(row))
        return out

    def users(self) -> list[StoredUser]:
        """The audited columns of every user."""
        stmt = select(UserRow.username, UserRow.role, UserRow.unit, UserRow.active,
                      UserRow.password_hash).order_by(UserRow.username)
        return [StoredUser(r[0], r[1], r[2], bool(r[3]), r[4]) for r in self._session.execute(stmt)]
