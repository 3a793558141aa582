"""Ports of the central deployment: sign-in accounts and desk presence.

Kept apart from the case repositories in :mod:`console.services.uow` because only the
sign-in, administration and presence services use them; ``db/`` implements both.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from console.domain.reference import User


@dataclass(frozen=True, slots=True)
class Account:
    """A user with the sign-in state the reference :class:`User` does not carry.

    The password hash never leaves the services that check or set it.
    """

    user: User
    password_hash: str | None
    failed_logins: int = 0
    locked_until: datetime | None = None
    password_changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Presence:
    """One desk's last heartbeat: who sits there and which case is open (None: none)."""

    desk: str
    username: str
    name: str
    role: str
    case_id: int | None
    since: datetime
    seen_at: datetime


class AccountStore(Protocol):
    """Users as sign-in sees them."""

    def get(self, username: str) -> Account | None:
        """The account, or None for an unknown user name."""
        ...

    def list(self) -> builtins.list[Account]:
        """Every account, by user name."""
        ...

    def add(self, user: User, password_hash: str | None, at: datetime) -> None:
        """Create a user (the caller has checked the name is free)."""
        ...

    def update(self, user: User) -> None:
        """Change a user's name, role, unit, cells or active flag."""
        ...

    def set_password(self, username: str, password_hash: str, at: datetime) -> None:
        """Store a new hash and clear any lockout."""
        ...

    def record_failure(self, username: str, locked_until: datetime | None) -> None:
        """Count a failed sign-in; lock the account until ``locked_until`` when given."""
        ...

    def record_success(self, username: str) -> None:
        """Reset the failure count and any lockout."""
        ...


class PresenceBoard(Protocol):
    """Heartbeats of the desks that are signed in."""

    def beat(self, presence: Presence) -> None:
        """Insert or replace this desk's row."""
        ...

    def leave(self, desk: str) -> None:
        """Remove this desk's row (signing out, closing the window)."""
        ...

    def active(self, seen_after: datetime) -> builtins.list[Presence]:
        """Rows heard from after ``seen_after``."""
        ...

    def prune(self, seen_before: datetime) -> int:
        """Drop rows of desks silent since before ``seen_before``; returns how many."""
        ...
