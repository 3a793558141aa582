"""Server sessions and the atomic sign-in failure count in SQL (``console.services.sessions``).

Each method runs in its own short transaction on the engine (``engine.begin()``): a session
check is one read, a touch one UPDATE, and neither stays open across the request it guards.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, case, insert, select, update

from console.services.sessions import SessionRecord
from db.tables import SessionRow, UserRow


class SqlSessionStore:
    """Sessions in the ``sessions`` table (revision 0015).

    Parameters
    ----------
    engine : Engine
        The server's engine; every method is one transaction on it.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, record: SessionRecord) -> None:
        """Insert a new session."""
        with self._engine.begin() as conn:
            conn.execute(insert(SessionRow).values(
                token_hash=record.token_hash, username=record.username, role=record.role,
                kind=record.kind, client=record.client, created_at=record.created_at,
                last_seen_at=record.last_seen_at, expires_at=record.expires_at,
                revoked_at=record.revoked_at))

    def get(self, token_hash: str) -> SessionRecord | None:
        """The session by its token's digest, or None."""
        with self._engine.connect() as conn:
            row = conn.execute(select(SessionRow.__table__)
                               .where(SessionRow.token_hash == token_hash)).one_or_none()
        if row is None:
            return None
        m = row._mapping
        return SessionRecord(m["token_hash"], m["username"], m["role"], m["kind"], m["client"],
                             m["created_at"], m["last_seen_at"], m["expires_at"],
                             m["revoked_at"])

    def touch(self, token_hash: str, at: datetime) -> None:
        """Last use at ``at`` (never moved backwards by a slower server process)."""
        with self._engine.begin() as conn:
            conn.execute(update(SessionRow).where(SessionRow.token_hash == token_hash,
                                                  SessionRow.last_seen_at < at)
                         .values(last_seen_at=at))

    def revoke(self, token_hash: str, at: datetime) -> bool:
        """End one open session."""
        with self._engine.begin() as conn:
            done = conn.execute(update(SessionRow).where(SessionRow.token_hash == token_hash,
                                                         SessionRow.revoked_at.is_(None))
                                .values(revoked_at=at))
        return bool(done.rowcount)

    def revoke_user(self, username: str, at: datetime) -> int:
        """End every open session of a user."""
        with self._engine.begin() as conn:
            done = conn.execute(update(SessionRow).where(SessionRow.username == username,
                                                         SessionRow.revoked_at.is_(None))
                                .values(revoked_at=at))
        return int(done.rowcount)

    def count_failure(self, username: str, now: datetime, limit: int,
                      lockout: timedelta) -> None:
        """One failure, in ONE UPDATE: the row lock serialises concurrent guesses, each sees
        the count the previous one left, and the one reaching ``limit`` locks the account
        (the count starts again from 0 for after the lockout).  A locked account is left as
        it is: guesses during a lockout neither count nor extend it."""
        reached = UserRow.failed_logins + 1 >= limit
        with self._engine.begin() as conn:
            conn.execute(
                update(UserRow)
                .where(UserRow.username == username,
                       (UserRow.locked_until.is_(None)) | (UserRow.locked_until <= now))
                .values(failed_logins=case((reached, 0), else_=UserRow.failed_logins + 1),
                        locked_until=case((reached, now + lockout), else_=None)))

    def clear_failures(self, username: str) -> None:
        """Failures and lockout cleared (a successful sign-in)."""
        with self._engine.begin() as conn:
            conn.execute(update(UserRow).where(UserRow.username == username)
                         .values(failed_logins=0, locked_until=None))
