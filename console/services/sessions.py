"""Server sessions: sign-in at the server, bearer tokens, and who a token acts as.

``citydesk server`` (issue #14) alone holds the database; a desk, a unit seat, the wall or the
CLI holds a session.  A token is 32 random bytes (``secrets.token_urlsafe``) handed out once;
the store keeps only its SHA-256 digest, so reading the sessions table signs nobody in.

A session ends at its absolute expiry, after an idle spell, on logout — and at once when the
user it was issued to is disabled, has another role, or changed their password since: every
call re-reads the user (:func:`resolve`), so an open desk of a disabled user is signed out on
its next call or push.

Sign-in (:func:`authenticate`) answers ONE message for an unknown user, a wrong password, a
locked and a disabled account, after the same argon2 work (a dummy hash is verified when
there is no real one), so neither the answer nor its timing tells a stranger which it was.
Failures are counted in one atomic statement timed by the server's clock
(:meth:`SessionStore.count_failure`): concurrent wrong guesses all count.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from console.domain.cases import Actor, Role
from console.domain.errors import AuthenticationError, ValidationError
from console.services.accounts import LOCKOUT, MAX_FAILURES
from console.services.central_ports import Account
from console.services.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

#: The one answer to every refused sign-in (unknown, wrong, locked, disabled, no password).
SIGN_IN_REFUSED = "用户名或密码错误，或账号暂不可用 / sign-in refused"
#: The one answer to a token that is missing, unknown, expired, idle, revoked or outdated.
SESSION_INVALID = "会话已失效，请重新登录 / the session has ended: sign in again"

_HASHER = PasswordHasher()
_dummy_hash: str | None = None
#: argon2 checks running at once.  Each takes 64 MiB and a core for a while: a storm of
#: sign-ins (24 desks guessing at once) queues here instead of exhausting the server's memory.
_ARGON2_SLOTS = threading.BoundedSemaphore(4)


class SessionKind(enum.StrEnum):
    """What holds the session (shown to administrators; the role decides what it may do)."""

    DESK = "desk"
    WALL = "wall"
    CLI = "cli"
    FIELD = "field"


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long sessions live.

    Parameters
    ----------
    lifetime : timedelta
        Absolute lifetime from sign-in (default 12 hours: a shift and its handover).
    idle : timedelta
        A session unused this long ends (default 30 minutes; a desk's push stream and its
        reads keep it alive while the desk is open).
    touch_every : timedelta
        ``last_seen_at`` is written at most this often per session, so a desk reading every
        second does not write every second.
    """

    lifetime: timedelta = timedelta(hours=12)
    idle: timedelta = timedelta(minutes=30)
    touch_every: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One stored session (the token itself is never stored)."""

    token_hash: str
    username: str
    role: str
    kind: str
    client: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class SessionStore(Protocol):
    """Where sessions live, and the atomic failure count (implemented in ``db/``).

    Each method is its own short transaction: a session check never holds a transaction
    open across a request.
    """

    def add(self, record: SessionRecord) -> None:
        """Store a new session."""
        ...

    def get(self, token_hash: str) -> SessionRecord | None:
        """The session with this digest, or None."""
        ...

    def get_with_account(self, token_hash: str) -> tuple[SessionRecord, Account | None] | None:
        """The session with this digest and its user's account as stored now (None for the
        account when the user is gone), or None when there is no such session."""
        ...

    def touch(self, token_hash: str, at: datetime) -> None:
        """Record that the session was used at ``at``."""
        ...

    def revoke(self, token_hash: str, at: datetime) -> bool:
        """End one session; False when it was not open."""
        ...

    def revoke_user(self, username: str, at: datetime) -> int:
        """End every open session of a user; how many ended."""
        ...

    def count_failure(self, username: str, now: datetime, limit: int,
                      lockout: timedelta) -> None:
        """One more failed sign-in, counted and (at ``limit``) locked in ONE statement.

        Failures while the account is locked count for nothing (the lock is not extended).
        """
        ...

    def clear_failures(self, username: str) -> None:
        """A successful sign-in: failures and lockout cleared."""
        ...


class RecentSessions:
    """Sessions (with their accounts) read from the store in the last ``ttl`` seconds.

    A desk reads about once a second, and each read checked its session in the database: a
    seventh of the server's time under fifty desks.  A session read here is used for up to
    ``ttl`` seconds (2 s, the push stream's recheck): a user disabled, demoted or given a new
    password by another process is signed out within that window; this process drops its
    entries at once when it makes such a change itself (:meth:`clear`) and at logout
    (:meth:`drop`).  Expiry and the idle timeout are still judged against the clock on every
    call, from the stored times.

    Parameters
    ----------
    ttl : float
        Seconds an entry is used (0 turns the cache off).
    monotonic : callable, optional
        The entries' clock (tests pass another).
    size : int
        At most this many entries; a full cache starts afresh.
    """

    def __init__(self, ttl: float = 2.0, monotonic: Callable[[], float] = time.monotonic,
                 size: int = 10_000) -> None:
        self._ttl = ttl
        self._monotonic = monotonic
        self._size = size
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, SessionRecord, Account | None]] = {}

    def get(self, digest: str) -> tuple[SessionRecord, Account | None] | None:
        """The entry read less than ``ttl`` seconds ago, or None."""
        with self._lock:
            entry = self._entries.get(digest)
        if entry is None or self._monotonic() - entry[0] >= self._ttl:
            return None
        return entry[1], entry[2]

    def put(self, digest: str, record: SessionRecord, account: Account | None) -> None:
        """Remember what the store answered now."""
        if self._ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[digest] = (self._monotonic(), record, account)

    def drop(self, digest: str) -> None:
        """Forget one session (it was just ended here)."""
        with self._lock:
            self._entries.pop(digest, None)

    def clear(self) -> None:
        """Forget every session (a user changed here: read them all again)."""
        with self._lock:
            self._entries.clear()


def token_digest(token: str) -> str:
    """The SHA-256 hex digest a token is stored and looked up by."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _verify(stored: str | None, password: str) -> bool:
    """argon2 verification; with no hash, the same work against a dummy one (then False)."""
    global _dummy_hash
    if stored is None:
        if _dummy_hash is None:
            _dummy_hash = _HASHER.hash(secrets.token_urlsafe(16))
        stored, real = _dummy_hash, False
    else:
        real = True
    with _ARGON2_SLOTS:
        try:
            return bool(_HASHER.verify(stored, password)) and real
        except (VerificationError, InvalidHashError):
            return False


def actor_of(account: Account, desk: str = "") -> Actor:
    """The actor an account acts as now (read fresh: its role, unit and cells)."""
    user = account.user
    role = Role(user.role)
    grids = tuple(user.grids) if role is Role.COLLECTOR else ()
    return Actor(user.username, role, user.unit, desk, grids)


def authenticate(uow_factory: UowFactory, store: SessionStore, username: str, password: str,
                 now: datetime, policy: SessionPolicy = SessionPolicy(),
                 kind: SessionKind = SessionKind.DESK, client: str = "",
                 ) -> tuple[str, SessionRecord]:
    """Check a password and open a session: ``(token, record)``.

    Raises
    ------
    AuthenticationError
        :data:`SIGN_IN_REFUSED` for every refusal (see the module docstring).
    """
    name = username.strip()
    with uow_factory() as uow:
        account = uow.accounts.get(name) if 0 < len(name) <= 64 else None
    matches = _verify(account.password_hash if account is not None else None, password)
    if account is None:
        raise AuthenticationError(SIGN_IN_REFUSED)
    locked = account.locked_until is not None and account.locked_until > now
    if not account.user.active or locked or account.password_hash is None:
        raise AuthenticationError(SIGN_IN_REFUSED)
    if not matches:
        store.count_failure(account.user.username, now, MAX_FAILURES, LOCKOUT)
        raise AuthenticationError(SIGN_IN_REFUSED)
    try:
        Role(account.user.role)
    except ValueError:
        raise AuthenticationError(SIGN_IN_REFUSED) from None
    if account.failed_logins or account.locked_until is not None:
        store.clear_failures(account.user.username)
    token = secrets.token_urlsafe(32)
    record = SessionRecord(token_digest(token), account.user.username, account.user.role,
                           SessionKind(kind).value, client[:200], now, now,
                           now + policy.lifetime)
    store.add(record)
    return token, record


def resolve(store: SessionStore, token: str, now: datetime,
            policy: SessionPolicy = SessionPolicy(), desk: str = "",
            recent: RecentSessions | None = None) -> tuple[Actor, SessionRecord]:
    """Who a bearer token acts as now, or :class:`AuthenticationError`.

    The user is read again on every call, with the session in one statement: a disabled user,
    a changed role or a password changed after sign-in ends the session (it is revoked, so it
    stays ended).  With ``recent``, what the store answered within its window is used again.
    """
    if not token or len(token) > 256:
        raise AuthenticationError(SESSION_INVALID)
    digest = token_digest(token)
    found = recent.get(digest) if recent is not None else None
    if found is None:
        found = store.get_with_account(digest)
        if found is None:
            raise AuthenticationError(SESSION_INVALID)
        if recent is not None:
            recent.put(digest, *found)
    record, account = found
    verdict = _judge(record, account, now, policy)
    if verdict == "ended":
        raise AuthenticationError(SESSION_INVALID)
    if verdict == "revoke":
        store.revoke(digest, now)
        if recent is not None:
            recent.drop(digest)
        raise AuthenticationError(SESSION_INVALID)
    assert account is not None
    if verdict == "touch":
        store.touch(digest, now)
        if recent is not None:
            recent.put(digest, replace(record, last_seen_at=now), account)
    return actor_of(account, desk or record.client or record.kind), record


def resolve_recent(token: str, now: datetime, policy: SessionPolicy, recent: RecentSessions,
                   desk: str = "") -> tuple[Actor, SessionRecord] | None:
    """:func:`resolve`'s answer when ``recent`` alone gives it and nothing is to be written.

    A session remembered within the cache's window, valid now and touched recently, is
    answered here without the store (the server does this on its event loop, sparing a
    request its worker thread).  Anything else — nothing remembered, a session to refuse, to
    revoke or to touch — is None, and the caller runs :func:`resolve`, which judges it the
    same way and does the store's part.
    """
    if not token or len(token) > 256:
        return None
    found = recent.get(token_digest(token))
    if found is None:
        return None
    record, account = found
    if account is None or _judge(record, account, now, policy) != "valid":
        return None
    return actor_of(account, desk or record.client or record.kind), record


def _judge(record: SessionRecord, account: Account | None, now: datetime,
           policy: SessionPolicy) -> str:
    """``ended`` (expired, idle or revoked), ``revoke`` (its user was disabled, demoted or
    given a new password since), ``touch`` (valid, its last use to be written) or ``valid``."""
    if record.revoked_at is not None or now >= record.expires_at \
            or now - record.last_seen_at >= policy.idle:
        return "ended"
    changed = account is not None and account.password_changed_at is not None \
        and account.password_changed_at > record.created_at
    if account is None or not account.user.active or account.user.role != record.role \
            or changed:
        return "revoke"
    return "touch" if now - record.last_seen_at >= policy.touch_every else "valid"


def logout(store: SessionStore, token: str, now: datetime,
           recent: RecentSessions | None = None) -> bool:
    """End the session of ``token``; False when there was none open."""
    if not token or len(token) > 256:
        return False
    if recent is not None:
        recent.drop(token_digest(token))
    return store.revoke(token_digest(token), now)


def session_kind(text: str | None) -> SessionKind:
    """A session kind from a client's form field (default ``desk``)."""
    if not text:
        return SessionKind.DESK
    try:
        return SessionKind(text)
    except ValueError:
        kinds = ", ".join(k.value for k in SessionKind)
        raise ValidationError(f"未知的会话类型 {text!r}（可选：{kinds}）/ unknown session kind") \
            from None
