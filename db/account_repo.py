"""Sign-in accounts and desk presence in SQL (the ports of ``console.services.central_ports``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from console.domain.reference import User
from console.services.central_ports import Account, Presence
from db import reference_codec as codec
from db.tables import PresenceRow, UserRow


def _account(row: UserRow) -> Account:
    return Account(
        user=codec.user_from(row),
        password_hash=row.password_hash,
        failed_logins=row.failed_logins or 0,
        locked_until=row.locked_until,
        password_changed_at=row.password_changed_at,
    )


class SqlAccountStore:
    """Users with their password hashes and lockout state.

    Parameters
    ----------
    session : Session
        The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, username: str) -> Account | None:
        """The account, or None."""
        row = self._session.get(UserRow, username, populate_existing=True)
        return None if row is None else _account(row)

    def list(self) -> list[Account]:
        """Every account by user name."""
        stmt = select(UserRow).order_by(UserRow.username)
        return [_account(row) for row in self._session.scalars(stmt)]

    def add(self, user: User, password_hash: str | None, at: datetime) -> None:
        """Insert a user."""
        row = UserRow(**codec.user_values(user), password_hash=password_hash, failed_logins=0,
                      password_changed_at=at if password_hash else None)
        self._session.add(row)
        self._session.flush()

    def update(self, user: User) -> None:
        """Rewrite the reference columns of a user."""
        self._session.execute(
            update(UserRow).where(UserRow.username == user.username)
            .values(**codec.user_values(user))
        )

    def set_password(self, username: str, password_hash: str, at: datetime) -> None:
        """New hash; lockout and failures cleared."""
        self._session.execute(
            update(UserRow).where(UserRow.username == username)
            .values(password_hash=password_hash, password_changed_at=at, failed_logins=0,
                    locked_until=None)
        )

    def record_failure(self, username: str, locked_until: datetime | None) -> None:
        """One more failure, counted in SQL so two desks failing at once both count."""
        values: dict[str, object] = {"failed_logins": UserRow.failed_logins + 1}
        if locked_until is not None:
            values.update(locked_until=locked_until, failed_logins=0)
        self._session.execute(update(UserRow).where(UserRow.username == username).values(values))

    def record_success(self, username: str) -> None:
        """Failures and lockout cleared."""
        self._session.execute(
            update(UserRow).where(UserRow.username == username)
            .values(failed_logins=0, locked_until=None)
        )


class SqlPresenceBoard:
    """Desk heartbeats, one row per desk.

    Parameters
    ----------
    session : Session
        The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def beat(self, presence: Presence) -> None:
        """Replace this desk's row (a merge by primary key works on both backends)."""
        self._session.merge(PresenceRow(
            desk=presence.desk, username=presence.username, name=presence.name,
            role=presence.role, case_id=presence.case_id, since=presence.since,
            seen_at=presence.seen_at,
        ))
        self._session.flush()

    def leave(self, desk: str) -> None:
        """Remove this desk's row."""
        self._session.execute(delete(PresenceRow).where(PresenceRow.desk == desk))

    def active(self, seen_after: datetime) -> list[Presence]:
        """Desks heard from after ``seen_after``, by desk name."""
        stmt = (select(PresenceRow).where(PresenceRow.seen_at > seen_after)
                .order_by(PresenceRow.desk).execution_options(populate_existing=True))
        return [
            Presence(r.desk, r.username, r.name, r.role, r.case_id, r.since, r.seen_at)
            for r in self._session.scalars(stmt)
        ]

    def prune(self, seen_before: datetime) -> int:
        """Drop silent desks; returns how many rows went."""
        result = self._session.execute(
            delete(PresenceRow).where(PresenceRow.seen_at < seen_before)
        )
        return int(getattr(result, "rowcount", 0) or 0)
