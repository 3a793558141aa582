"""The admin log: users, roles and reference data changes, chained like the event log.

Every change an administrator makes (a user added, updated, enabled or disabled, a password
set; a unit, category, stage limit, grid cell or calendar day edited; reference files loaded by
``citydesk init``) appends one :class:`AdminEntry` in the same transaction as the change.  The
log holds no password material: a password change records a *tag*, an HMAC of the stored
argon2 hash under the chain key (``sha256`` of it for rows chained without a key), enough for
``audit verify`` to tell whether the ``users`` row still holds the hash the log saw set.

``audit verify`` folds the log's entries per user (:func:`last_words`) and reports every users
row whose role, unit, active flag or password differs from the log's last word for it
(:func:`user_differences`): a direct ``UPDATE users SET role = '管理员'`` is named.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.domain.audit import ChainKey, canonical_doc
from console.domain.reference import User

ADMIN_VERSION = 1
#: Actions that speak for a user's row (their payload holds the user fields).
USER_ACTIONS = frozenset({"user-add", "user-update", "user-seed", "user-baseline",
                          "user-password"})
#: The user fields the log speaks for, as the payload names them.
USER_FIELDS = ("role", "unit", "active", "password")


@dataclass(frozen=True, slots=True)
class AdminEntry:
    """One row of the admin log.

    Attributes
    ----------
    action : str
        ``user-add``, ``user-update``, ``user-password``, ``user-seed`` (added by
        ``citydesk init``), ``user-baseline`` (revision 0016's record of existing users),
        ``reference-edit``, ``calendar-edit``, ``reference-load``.
    table, target : str
        What changed: a table name and the key of its row (user name, unit code, date …).
    payload : mapping
        JSON-able details (the new user fields; for reference edits ``{field: [before,
        after]}``).
    actor, role, desk : str
        Who made the change, from where.
    occurred_at : datetime or None
        When (None: the repository stamps the instant it appends).
    id, key_id : int or None, str or None
        Set by the repository.
    """

    action: str
    table: str
    target: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    actor: str = ""
    role: str = ""
    desk: str = ""
    occurred_at: datetime | None = None
    id: int | None = None
    key_id: str | None = None


def canonical_entry(entry: AdminEntry) -> bytes:
    """The bytes of an admin log row its chain value covers (id included)."""
    return canonical_doc([
        ADMIN_VERSION, entry.id, entry.occurred_at, entry.actor, entry.role, entry.desk,
        entry.action, entry.table, entry.target, dict(entry.payload),
    ])


def password_tag(key: ChainKey | None, password_hash: str | None) -> str | None:
    """The log's stand-in for a stored password hash (None: no password set)."""
    if password_hash is None:
        return None
    data = password_hash.encode()
    if key is None:
        return hashlib.sha256(b"citydesk-password-tag\x00" + data).hexdigest()[:32]
    return key.seal("password:", data)[:32]


def user_fields(user: User) -> dict[str, Any]:
    """The payload of a user entry: the fields the log speaks for, and the rest for people."""
    return {"name": user.name, "role": user.role, "unit": user.unit, "active": user.active,
            "grids": list(user.grids)}


def user_entry(action: str, user: User, actor: str, role: str, desk: str,
               at: datetime | None = None) -> AdminEntry:
    """An entry recording a user's fields (its password tag is added by the repository)."""
    return AdminEntry(action, "users", user.username, user_fields(user), actor, role, desk, at)


@dataclass(frozen=True, slots=True)
class UserWord:
    """The log's last word on one user: field values and the key id of the password tag."""

    fields: Mapping[str, Any]
    tag_key: str | None = None


def last_words(entries: Iterable[AdminEntry]) -> dict[str, UserWord]:
    """Per user name, what the log last said of each field (entries in id order)."""
    words: dict[str, dict[str, Any]] = {}
    tag_keys: dict[str, str | None] = {}
    for e in entries:
        if e.table != "users" or e.action not in USER_ACTIONS:
            continue
        word = words.setdefault(e.target, {})
        for name in USER_FIELDS:
            if name in e.payload:
                word[name] = e.payload[name]
                if name == "password":
                    tag_keys[e.target] = e.key_id
    return {u: UserWord(w, tag_keys.get(u)) for u, w in words.items()}


@dataclass(frozen=True, slots=True)
class StoredUser:
    """The columns of a users row the log speaks for."""

    username: str
    role: str
    unit: str | None
    active: bool
    password_hash: str | None


def user_differences(
    users: Iterable[StoredUser], words: Mapping[str, UserWord],
    key_for: Mapping[str, ChainKey | None],
) -> list[tuple[str, str, Any, Any]]:
    """``(user, field, stored, logged)`` for each users row the log contradicts.

    ``key_for`` maps key ids to the keys held (a tag under a key not held is not compared).
    A user the log never mentions is reported with field ``log``.
    """
    out: list[tuple[str, str, Any, Any]] = []
    for u in users:
        word = words.get(u.username)
        if word is None:
            out.append((u.username, "log", "a users row", "no admin log entry"))
            continue
        stored = {"role": u.role, "unit": u.unit, "active": u.active}
        for name, value in stored.items():
            if name in word.fields and word.fields[name] != value:
                out.append((u.username, name, value, word.fields[name]))
        if "password" not in word.fields:
            continue
        logged = word.fields["password"]
        if word.tag_key is None:
            tag = password_tag(None, u.password_hash)
        elif key_for.get(word.tag_key) is not None:
            tag = password_tag(key_for[word.tag_key], u.password_hash)
        else:
            continue  # the tag's key is not held: cannot tell
        if tag != logged:
            out.append((u.username, "password", "changed" if u.password_hash else None,
                        "as logged" if logged else None))
    return out
