"""Server sessions and the atomic sign-in failure count in SQL (``console.services.sessions``).

Each method runs in its own short transaction on the engine (``engine.begin()``): a session
check is one read, a touch one UPDATE, and neither stays open across the request it guards.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, bindparam, case, insert, select, update

from console.domain.reference import User
from console.services.central_ports import Account
from console.services.sessions import SessionRecord
from db.engine import single_statements
from db.tables import SessionRow, UserRow

_SESSION_COLUMNS = tuple(SessionRow.__table__.c)
_USER_COLUMNS = tuple(UserRow.__table__.c[name] for name in (
    "username", "name", "role", "unit", "grids", "active", "password_hash", "failed_logins", "locked_until",
    "password_changed_at"))
# The statements of every request's session check, built once: building a select and its
# cache key again per call was a tenth of a position request's time on the server.
_WITH_ACCOUNT = (select(*_SESSION_COLUMNS, *(c.label(f"u_{c.name}") for c in _USER_COLUMNS))
                 .select_from(SessionRow.__table__.outerjoin(
                     UserRow.__table__, UserRow.username == SessionRow.username))
                 .where(SessionRow.token_hash == bindparam("digest")))
_TOUCH = (update(SessionRow)
          .where(SessionRow.token_hash == bindparam("digest"),
                 SessionRow.last_seen_at < bindparam("at"))
          .values(last_seen_at=bindparam("at")))


class SqlSessionStore:
    """Sessions in the ``sessions`` table (revision 0015).

    Parameters
    ----------
    engine : Engine
        The server's engine; every method is one transaction on it.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._single = single_statements(engine)  # the check on every request: one round trip

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

    def get_with_account(self, token_hash: str) -> tuple[SessionRecord, Account | None] | None:
        """The session and its user's account as stored now, in ONE statement (None: no session).

        The check on every request reads both: one round trip instead of two transactions.
        """
        with self._single.connect() as conn:
            row = conn.execute(_WITH_ACCOUNT, {"digest": token_hash}).one_or_none()
        if row is None:
            return None
        m = row._mapping
        record = SessionRecord(m["token_hash"], m["username"], m["role"], m["kind"],
                               m["client"], m["created_at"], m["last_seen_at"],
                               m["expires_at"], m["revoked_at"])
        if m["u_username"] is None:
            return record, None
        user = User(username=m["u_username"], name=m["u_name"], role=m["u_role"],
                    unit=m["u_unit"], grids=tuple(m["u_grids"] or ()), active=m["u_active"])
        return record, Account(user=user, password_hash=m["u_password_hash"],
                               failed_logins=m["u_failed_logins"] or 0,
                               locked_until=m["u_locked_until"],
                               password_changed_at=m["u_password_changed_at"])

    def touch(self, token_hash: str, at: datetime) -> None:
        """Last use at ``at`` (never moved backwards by a slower server process)."""
        with self._single.begin() as conn:  # one statement: its own transaction
            conn.execute(_TOUCH, {"digest": token_hash, "at": at})

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
