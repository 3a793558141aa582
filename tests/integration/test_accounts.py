"""Sign-in and user administration on both backends: hashes, lockout, admin-only changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from console.domain.cases import Actor, Role
from console.domain.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from console.domain.reference import User
from console.reference_files import load_centre_files
from console.services.accounts import (
    LOCKOUT,
    MAX_FAILURES,
    add_user,
    list_accounts,
    set_active,
    set_password,
    sign_in,
    update_user,
)
from console.services.centre import Centre, build_centre
from console.services.uow import UnitOfWork

NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
ADMIN = Actor("admin", Role.ADMIN, None, "desk-a")
GOOD = "correct horse"


@pytest.fixture(scope="module")
def centre() -> Centre:
    return build_centre(load_centre_files())


@pytest.fixture
def accounts(uow_factory: Callable[[], UnitOfWork], centre: Centre) -> Callable[[], UnitOfWork]:
    add_user(uow_factory, centre, ADMIN, User("admin", "管理员", Role.ADMIN.value), GOOD, NOW)
    add_user(uow_factory, centre, ADMIN, User("paiqian9", "派遣九", Role.DISPATCHER.value),
             GOOD, NOW)
    return uow_factory


def _state(uow_factory: Callable[[], UnitOfWork]) -> list[tuple[object, ...]]:
    with uow_factory() as uow:
        return [(a.user, a.password_hash, a.failed_logins, a.locked_until)
                for a in uow.accounts.list()]


def test_the_right_password_signs_in_and_the_hash_is_argon2(accounts) -> None:
    user = sign_in(accounts, "paiqian9", GOOD, NOW)
    assert user.role == Role.DISPATCHER.value
    with accounts() as uow:
        stored = uow.accounts.get("paiqian9")
    assert stored is not None and stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$") and GOOD not in stored.password_hash


def test_unknown_user_and_wrong_password_read_the_same(accounts) -> None:
    with pytest.raises(AuthenticationError) as unknown:
        sign_in(accounts, "nobody", GOOD, NOW)
    with pytest.raises(AuthenticationError) as wrong:
        sign_in(accounts, "paiqian9", "not it at all", NOW)
    assert unknown.value.message == wrong.value.message


def test_five_failures_lock_the_account_for_fifteen_minutes(accounts) -> None:
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AuthenticationError, match="密码错误"):
            sign_in(accounts, "paiqian9", "wrong-pass", NOW)
    with pytest.raises(AuthenticationError, match="锁定"):
        sign_in(accounts, "paiqian9", "wrong-pass", NOW)
    # Locked: even the right password is refused until the time has passed.
    with pytest.raises(AuthenticationError, match="已锁定"):
        sign_in(accounts, "paiqian9", GOOD, NOW + LOCKOUT - timedelta(seconds=1))
    assert sign_in(accounts, "paiqian9", GOOD, NOW + LOCKOUT).username == "paiqian9"
    with accounts() as uow:
        account = uow.accounts.get("paiqian9")
    assert account is not None and account.failed_logins == 0 and account.locked_until is None


def test_a_success_resets_the_failure_count(accounts) -> None:
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AuthenticationError):
            sign_in(accounts, "paiqian9", "wrong-pass", NOW)
    sign_in(accounts, "paiqian9", GOOD, NOW)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AuthenticationError, match="密码错误"):
            sign_in(accounts, "paiqian9", "wrong-pass", NOW)
    sign_in(accounts, "paiqian9", GOOD, NOW)  # four more failures did not lock


def test_an_admin_password_reset_unlocks(accounts) -> None:
    for _ in range(MAX_FAILURES):
        with pytest.raises(AuthenticationError):
            sign_in(accounts, "paiqian9", "wrong-pass", NOW)
    set_password(accounts, ADMIN, "paiqian9", "a new secret", NOW)
    assert sign_in(accounts, "paiqian9", "a new secret", NOW).username == "paiqian9"


def test_disabled_and_passwordless_users_cannot_sign_in(accounts, centre) -> None:
    set_active(accounts, centre, ADMIN, "paiqian9", False)
    with pytest.raises(AuthenticationError, match="停用"):
        sign_in(accounts, "paiqian9", GOOD, NOW)
    add_user(accounts, centre, ADMIN, User("shouli9", "受理九", Role.ACCEPTOR.value), None, NOW)
    with pytest.raises(AuthenticationError, match="尚未设置密码"):
        sign_in(accounts, "shouli9", "", NOW)


def test_only_an_admin_manages_users(accounts, centre) -> None:
    before = _state(accounts)
    dispatcher = Actor("paiqian9", Role.DISPATCHER, None, "desk-b")
    with pytest.raises(PermissionDeniedError):
        add_user(accounts, centre, dispatcher, User("x1", "某人", Role.ADMIN.value), GOOD, NOW)
    with pytest.raises(PermissionDeniedError):
        set_active(accounts, centre, dispatcher, "admin", False)
    with pytest.raises(PermissionDeniedError):
        set_password(accounts, dispatcher, "admin", "taken over!", NOW)
    with pytest.raises(PermissionDeniedError):
        list_accounts(accounts, dispatcher)
    assert _state(accounts) == before


def test_a_user_changes_their_own_password_with_the_old_one(accounts) -> None:
    me = Actor("paiqian9", Role.DISPATCHER, None, "desk-b")
    with pytest.raises(AuthenticationError):
        set_password(accounts, me, "paiqian9", "brand new one", NOW, old_password="wrong-old")
    set_password(accounts, me, "paiqian9", "brand new one", NOW, old_password=GOOD)
    assert sign_in(accounts, "paiqian9", "brand new one", NOW)


@pytest.mark.parametrize(
    ("user", "password", "error"),
    [
        (User("bad name", "某人", Role.DISPATCHER.value), GOOD, ValidationError),
        (User("u1", "  ", Role.DISPATCHER.value), GOOD, ValidationError),
        (User("u1", "某人", "清洁工"), GOOD, ValidationError),
        (User("u1", "某人", Role.UNIT.value), GOOD, ValidationError),  # a unit user needs a unit
        (User("u1", "某人", Role.UNIT.value, "NO-SUCH-UNIT"), GOOD, NotFoundError),
        (User("u1", "某人", Role.COLLECTOR.value, grids=("999",)), GOOD, NotFoundError),
        (User("u1", "某人", Role.DISPATCHER.value), "short", ValidationError),
        (User("paiqian9", "重复", Role.DISPATCHER.value), GOOD, ValidationError),
    ],
    ids=["name", "blank", "role", "no-unit", "unknown-unit", "unknown-grid", "short-pw", "exists"],
)
def test_bad_users_are_refused_and_nothing_changes(accounts, centre, user, password, error) -> None:
    before = _state(accounts)
    with pytest.raises(error):
        add_user(accounts, centre, ADMIN, user, password, NOW)
    assert _state(accounts) == before


def test_an_admin_cannot_lock_themself_out(accounts, centre) -> None:
    with pytest.raises(ValidationError):
        set_active(accounts, centre, ADMIN, "admin", False)
    with pytest.raises(ValidationError):
        update_user(accounts, centre, ADMIN, User("admin", "管理员", Role.DISPATCHER.value))


def test_reference_reload_keeps_admin_changes_to_users(accounts, centre) -> None:
    set_active(accounts, centre, ADMIN, "paiqian9", False)
    with accounts() as uow:
        added = uow.reference.upsert_users([User("paiqian9", "派遣九", Role.DISPATCHER.value),
                                            User("new1", "新人", Role.ACCEPTOR.value)])
        uow.commit()
    assert added == 1
    with accounts() as uow:
        kept = uow.accounts.get("paiqian9")
        assert kept is not None and not kept.user.active and kept.password_hash
