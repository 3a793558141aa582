"""Server sessions in the database (revision 0015) and the atomic sign-in failure count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from console.domain.calendar import statutory_days
from console.domain.cases import Actor, Role
from console.domain.errors import AuthenticationError
from console.reference_files import load_centre_files
from console.services.accounts import set_password
from console.services.sessions import (
    SESSION_INVALID,
    SIGN_IN_REFUSED,
    RecentSessions,
    SessionPolicy,
    authenticate,
    logout,
    resolve,
    resolve_recent,
    token_digest,
)
from console.services.setup import init_reference
from db.session_repo import SqlSessionStore

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PW = "correct-horse-9"
POLICY = SessionPolicy(lifetime=timedelta(hours=12), idle=timedelta(minutes=30),
                       touch_every=timedelta(seconds=30))


@pytest.fixture
def centre_db(engine: Engine, uow_factory):
    init_reference(uow_factory(), load_centre_files(), statutory_days([2026]))
    set_password(uow_factory, Actor("admin", Role.ADMIN), "shouli1", PW, T0 - timedelta(days=1))
    return uow_factory, SqlSessionStore(engine)


def test_a_session_lives_until_expiry_idle_or_logout(centre_db) -> None:
    uow_factory, store = centre_db
    token, record = authenticate(uow_factory, store, "shouli1", PW, T0, POLICY)
    assert store.get(token_digest(token)) == record
    actor, _ = resolve(store, token, T0 + timedelta(minutes=29), POLICY)
    assert (actor.user, actor.role) == ("shouli1", Role.ACCEPTOR)
    # used at 29 min: the idle clock restarted there
    resolve(store, token, T0 + timedelta(minutes=58), POLICY)
    with pytest.raises(AuthenticationError, match="会话已失效"):
        resolve(store, token, T0 + timedelta(minutes=89), POLICY)  # idle 31 min
    busy, _ = authenticate(uow_factory, store, "shouli1", PW, T0, POLICY)
    for minute in range(0, 12 * 60, 20):
        resolve(store, busy, T0 + timedelta(minutes=minute), POLICY)
    with pytest.raises(AuthenticationError):
        resolve(store, busy, T0 + timedelta(hours=12), POLICY)  # absolute end
    late, _ = authenticate(uow_factory, store, "shouli1", PW, T0, POLICY)
    assert logout(store, late, T0 + timedelta(minutes=1))
    with pytest.raises(AuthenticationError):
        resolve(store, late, T0 + timedelta(minutes=2), POLICY)
    assert not logout(store, late, T0 + timedelta(minutes=3))


def test_touch_is_throttled(centre_db, engine: Engine) -> None:
    uow_factory, store = centre_db
    token, _ = authenticate(uow_factory, store, "shouli1", PW, T0, POLICY)
    resolve(store, token, T0 + timedelta(seconds=10), POLICY)
    assert store.get(token_digest(token)).last_seen_at == T0  # not written within 30 s
    resolve(store, token, T0 + timedelta(seconds=40), POLICY)
    assert store.get(token_digest(token)).last_seen_at == T0 + timedelta(seconds=40)


def test_five_failures_lock_and_guesses_while_locked_do_not_count(centre_db,
                                                                  engine: Engine) -> None:
    uow_factory, store = centre_db
    for i in range(5):
        with pytest.raises(AuthenticationError) as refused:
            authenticate(uow_factory, store, "shouli1", "wrong", T0 + timedelta(seconds=i))
        assert refused.value.message == SIGN_IN_REFUSED
    with uow_factory() as uow:
        account = uow.accounts.get("shouli1")
    assert account.failed_logins == 0
    assert account.locked_until == T0 + timedelta(seconds=4, minutes=15)
    for when in (T0 + timedelta(minutes=1), T0 + timedelta(minutes=10)):
        with pytest.raises(AuthenticationError) as refused:
            authenticate(uow_factory, store, "shouli1", PW, when)  # the right one: still locked
        assert refused.value.message == SIGN_IN_REFUSED
        with pytest.raises(AuthenticationError):
            authenticate(uow_factory, store, "shouli1", "wrong", when)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT failed_logins FROM users WHERE username = 'shouli1'")
                            ).scalar_one() == 0
    token, _ = authenticate(uow_factory, store, "shouli1", PW, T0 + timedelta(minutes=16))
    assert token


def test_disabled_user_or_new_role_ends_the_session(centre_db, engine: Engine) -> None:
    uow_factory, store = centre_db
    token, _ = authenticate(uow_factory, store, "shouli1", PW, T0, POLICY)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = '值班长' WHERE username = 'shouli1'"))
    with pytest.raises(AuthenticationError) as ended:
        resolve(store, token, T0 + timedelta(seconds=1), POLICY)
    assert ended.value.message == SESSION_INVALID
    assert store.get(token_digest(token)).revoked_at is not None


def test_every_refusal_does_the_same_argon2_work(centre_db, engine: Engine,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown, wrong, locked, disabled and password-less sign-ins each run exactly one argon2
    verification (a dummy hash when there is no real one) and answer the same words."""
    from console.services import sessions

    uow_factory, store = centre_db
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET locked_until = :t WHERE username = 'shouli2'"),
                     {"t": T0 + timedelta(hours=1)})
        conn.execute(text("UPDATE users SET active = :f WHERE username = 'paiqian1'"),
                     {"f": False})
    for name in ("shouli2", "paiqian1"):
        set_password(uow_factory, Actor("admin", Role.ADMIN), name, PW, T0 - timedelta(days=1))
    with engine.begin() as conn:  # set_password clears a lockout: lock again
        conn.execute(text("UPDATE users SET locked_until = :t WHERE username = 'shouli2'"),
                     {"t": T0 + timedelta(hours=1)})
    calls: list[str] = []
    real = sessions._HASHER

    class Counting:
        def hash(self, password: str) -> str:
            return real.hash(password)

        def verify(self, stored: str, password: str) -> bool:
            calls.append(stored)
            return bool(real.verify(stored, password))

    monkeypatch.setattr(sessions, "_HASHER", Counting())
    attempts = {"unknown": ("nobody", PW), "wrong": ("shouli1", "wrong-one"),
                "locked": ("shouli2", PW), "disabled": ("paiqian1", PW),
                "no password": ("caiji01", PW)}
    for label, (name, password) in attempts.items():
        calls.clear()
        with pytest.raises(AuthenticationError) as refused:
            authenticate(uow_factory, store, name, password, T0)
        assert refused.value.message == SIGN_IN_REFUSED, label
        assert len(calls) == 1, label


def test_recent_sessions_are_used_for_their_window_and_dropped_at_logout(centre_db) -> None:
    uow_factory, store = centre_db
    ticks = [100.0]
    recent = RecentSessions(ttl=2.0, monotonic=lambda: ticks[0])
    token, _ = authenticate(uow_factory, store, "shouli1", PW, T0, POLICY)
    resolve(store, token, T0, POLICY, recent=recent)
    store.revoke(token_digest(token), T0)  # behind this process's back
    ticks[0] += 1.9
    resolve(store, token, T0, POLICY, recent=recent)  # within the window: as read
    with pytest.raises(AuthenticationError):
        resolve(store, token, T0 + timedelta(minutes=31), POLICY, recent=recent)  # idle: no
    ticks[0] += 0.2
    with pytest.raises(AuthenticationError):
        resolve(store, token, T0, POLICY, recent=recent)  # read again: revoked
    other, _ = authenticate(uow_factory, store, "shouli1", PW, T0, POLICY)
    resolve(store, other, T0, POLICY, recent=recent)
    assert logout(store, other, T0, recent)
    with pytest.raises(AuthenticationError):
        resolve(store, other, T0, POLICY, recent=recent)  # logged out here: at once


def test_the_event_loops_check_answers_only_what_needs_no_store(centre_db,
                                                                  engine: Engine) -> None:
    """``resolve_recent`` answers a remembered, valid, recently touched session; anything the
    store must read or write (nothing remembered, a touch due, a user disabled, an expiry) is
    None, left to ``resolve``."""
    uow_factory, store = centre_db
    ticks = [100.0]
    recent = RecentSessions(ttl=2.0, monotonic=lambda: ticks[0])
    token, _ = authenticate(uow_factory, store, "shouli1", PW, T0, POLICY)
    assert resolve_recent(token, T0, POLICY, recent) is None  # nothing remembered yet
    resolve(store, token, T0, POLICY, recent=recent)
    known = resolve_recent(token, T0 + timedelta(seconds=5), POLICY, recent)
    assert known is not None and known[0].user == "shouli1"
    assert resolve_recent("another-token", T0, POLICY, recent) is None
    assert resolve_recent(token, T0 + timedelta(seconds=30), POLICY, recent) is None  # touch
    assert resolve_recent(token, T0 + timedelta(hours=13), POLICY, recent) is None  # expired
    with pytest.raises(AuthenticationError):
        resolve(store, token, T0 + timedelta(hours=13), POLICY, recent=recent)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET active = false WHERE username = 'shouli1'"))
    ticks[0] += 2.1  # the window passed: read again, the user is disabled
    assert resolve_recent(token, T0, POLICY, recent) is None
    with pytest.raises(AuthenticationError):
        resolve(store, token, T0, POLICY, recent=recent)
    assert resolve_recent(token, T0, POLICY, recent) is None  # revoked, forgotten
