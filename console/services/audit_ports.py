"""The port ``audit verify`` and the admin log need, implemented in ``db/audit_repo.py``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from console.domain.admin_log import AdminEntry, StoredUser
from console.domain.anchors import Head
from console.domain.audit import Link
from console.domain.cases import Case, Event


class AuditStore(Protocol):
    """The chained logs as an auditor reads them, and the admin log's append."""

    def log_admin(self, entry: AdminEntry, *, password_hash: str | None = None,
                  sets_password: bool = False) -> AdminEntry:
        """Append ``entry`` to the admin log, chained; with ``sets_password`` its payload
        gains the ``password`` tag of ``password_hash`` (never the hash itself)."""
        ...

    def heads(self) -> dict[str, Head]:
        """Each log's head (``events``, ``admin``) as the chain_heads table holds it."""
        ...

    def event_links(self, after_id: int, limit: int) -> list[Link]:
        """Event rows with id > ``after_id`` as the chain walk sees them, in id order."""
        ...

    def admin_rows(self, after_id: int, limit: int) -> list[tuple[AdminEntry, Link]]:
        """Admin log rows with id > ``after_id``, in id order, decoded and as links."""
        ...

    def cases_after(self, after_id: int, limit: int) -> list[Case]:
        """Cases with id > ``after_id``, in id order."""
        ...

    def events_of(self, case_ids: Sequence[int]) -> dict[int, list[Event]]:
        """The events of these cases, oldest first, by case id."""
        ...

    def users(self) -> list[StoredUser]:
        """Every users row's audited columns."""
        ...
