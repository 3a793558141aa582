"""Writing the admin log from the services: one helper, JSON-able payloads.

Each administrative change (``accounts``, ``admin``, ``setup``) calls :func:`record` inside
its own unit of work, before its commit, so the change and its log row commit together or not
at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from console.domain.admin_log import AdminEntry, user_entry
from console.domain.cases import Actor, Role
from console.domain.reference import User
from console.services.uow import UnitOfWork

INIT_ACTOR = "citydesk-init"
"""The actor of rows ``citydesk init`` writes (reference files, seeded users)."""
DEMO_ACTOR = "citydesk-demo"


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it (dates as ISO text, enums as values, tuples as lists)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(getattr(k, "value", k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return getattr(value, "value", value)


def _who(actor: Actor | None, fallback: str) -> tuple[str, str, str]:
    if actor is None:
        return fallback, Role.ADMIN.value, ""
    return actor.user, actor.role.value, actor.desk


def record(uow: UnitOfWork, actor: Actor | None, action: str, table: str, target: str,
           payload: Mapping[str, Any], *, fallback: str = INIT_ACTOR) -> None:
    """Append one admin log row for a change made in ``uow``'s transaction."""
    user, role, desk = _who(actor, fallback)
    uow.audit.log_admin(AdminEntry(action, table, target, jsonable(payload), user, role, desk))


def record_user(uow: UnitOfWork, actor: Actor | None, action: str, user: User, *,
                password_hash: str | None = None, sets_password: bool = False,
                fallback: str = INIT_ACTOR) -> None:
    """Append a row recording a user's fields (and, with ``sets_password``, its password tag)."""
    who, role, desk = _who(actor, fallback)
    uow.audit.log_admin(user_entry(action, user, who, role, desk),
                        password_hash=password_hash, sets_password=sets_password)


def record_password(uow: UnitOfWork, actor: Actor | None, username: str,
                    password_hash: str, *, fallback: str = INIT_ACTOR) -> None:
    """Append a row saying a user's password was set (its tag, never the hash)."""
    who, role, desk = _who(actor, fallback)
    uow.audit.log_admin(AdminEntry("user-password", "users", username, {}, who, role, desk),
                        password_hash=password_hash, sets_password=True)
