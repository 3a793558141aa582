"""Sign-in and user administration: argon2 password hashes, lockout, admin-only changes.

A password is checked against an argon2id hash (argon2-cffi); five failed sign-ins in a row
lock the account for fifteen minutes.  Unknown user and wrong password get the same message,
so the sign-in form does not tell a stranger which user names exist.  Every change to a user
needs an administrator: the check is here, not only in which screens the desk shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from console.domain.cases import Actor, Role
from console.domain.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from console.domain.reference import User
from console.services.admin_trail import DEMO_ACTOR, record_password, record_user
from console.services.central_ports import Account
from console.services.centre import Centre
from console.services.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 8
DEMO_PASSWORD = "citydesk"
"""The password ``citydesk demo`` gives every demo user (printed by the demo banner)."""

_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_BAD_CREDENTIALS = "用户名或密码错误 / wrong user name or password"
_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of a password that meets the policy (ValidationError otherwise)."""
    check_password_policy(password)
    return _HASHER.hash(password)


def check_password_policy(password: str) -> None:
    """At least eight characters, not all blank."""
    if len(password) < MIN_PASSWORD or not password.strip():
        raise ValidationError(
            f"密码至少 {MIN_PASSWORD} 个字符 / a password needs at least {MIN_PASSWORD} characters"
        )


def _matches(stored: str, password: str) -> bool:
    try:
        return bool(_HASHER.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def sign_in(uow_factory: UowFactory, username: str, password: str, now: datetime) -> User:
    """The user, when the password is right and the account may sign in.

    Raises
    ------
    AuthenticationError
        Wrong name or password, disabled, locked, or no password set yet.  A failure is
        counted (and may lock the account) before the error is raised.
    """
    with uow_factory() as uow:
        account = uow.accounts.get(username.strip())
        if account is None:
            _HASHER.hash(password)  # same work as a real check: timing tells nothing either
            raise AuthenticationError(_BAD_CREDENTIALS)
        user = account.user
        if account.locked_until is not None and account.locked_until > now:
            minutes = max(1, int((account.locked_until - now).total_seconds() // 60) + 1)
            raise AuthenticationError(
                f"账号 {user.username} 已锁定，请 {minutes} 分钟后再试或联系管理员 / "
                f"account locked for {minutes} more minute(s)"
            )
        if not user.active:
            raise AuthenticationError(f"账号 {user.username} 已停用 / account disabled")
        if account.password_hash is None:
            raise AuthenticationError(
                f"账号 {user.username} 尚未设置密码，请管理员运行 citydesk user passwd / "
                "no password set yet"
            )
        if not _matches(account.password_hash, password):
            failures = account.failed_logins + 1
            lock = now + LOCKOUT if failures >= MAX_FAILURES else None
            uow.accounts.record_failure(user.username, lock)
            uow.commit()
            if lock is not None:
                raise AuthenticationError(
                    f"连续 {MAX_FAILURES} 次密码错误，账号锁定 15 分钟 / "
                    f"{MAX_FAILURES} failed sign-ins: locked for 15 minutes"
                )
            raise AuthenticationError(_BAD_CREDENTIALS)
        if account.failed_logins or account.locked_until is not None:
            uow.accounts.record_success(user.username)
            uow.commit()
        return user


def _require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDeniedError("只有管理员可以管理用户 / only an administrator manages users")


def validate_user(centre: Centre, user: User) -> User:
    """A user whose fields are well-formed against the centre's units and cells."""
    if not _USERNAME.match(user.username):
        raise ValidationError(
            f"用户名 {user.username!r} 只能含字母、数字、_ . -（1–64 个字符）/ invalid user name"
        )
    name = user.name.strip()
    if not name:
        raise ValidationError("姓名不能为空 / a name is required")
    try:
        role = Role(user.role)
    except ValueError:
        roles = "、".join(r.value for r in Role)
        raise ValidationError(f"未知的角色 {user.role!r}（可选：{roles}）/ unknown role") from None
    unit = user.unit or None
    if role is Role.UNIT:
        if unit is None:
            raise ValidationError("责任单位用户须指定所属单位 / a unit user needs --unit")
        if unit not in centre.ref.units:
            raise NotFoundError(f"未知的责任单位 {unit!r} / unknown unit")
    elif unit is not None and unit not in centre.ref.units:
        raise NotFoundError(f"未知的责任单位 {unit!r} / unknown unit")
    unknown = [g for g in user.grids if g not in centre.ref.grids]
    if unknown:
        raise NotFoundError(f"未知的单元网格 {', '.join(unknown)} / unknown grid cell")
    return replace(user, name=name, unit=unit, role=role.value)


def list_accounts(uow_factory: UowFactory, actor: Actor) -> list[Account]:
    """Every user with sign-in state (the hashes blanked: callers never need them)."""
    _require_admin(actor)
    with uow_factory() as uow:
        return [replace(a, password_hash="set" if a.password_hash else None)
                for a in uow.accounts.list()]


def add_user(uow_factory: UowFactory, centre: Centre, actor: Actor, user: User,
             password: str | None, now: datetime) -> User:
    """Create a user, with a password or (None) without one until ``set_password``."""
    _require_admin(actor)
    user = validate_user(centre, user)
    digest = None if password is None else hash_password(password)
    with uow_factory() as uow:
        if uow.accounts.get(user.username) is not None:
            raise ValidationError(f"用户 {user.username} 已存在 / user exists")
        uow.accounts.add(user, digest, now)
        record_user(uow, actor, "user-add", user, password_hash=digest, sets_password=True)
        uow.commit()
    return user


def update_user(uow_factory: UowFactory, centre: Centre, actor: Actor, user: User) -> User:
    """Change an existing user's name, role, unit, cells or active flag."""
    _require_admin(actor)
    user = validate_user(centre, user)
    with uow_factory() as uow:
        current = uow.accounts.get(user.username)
        if current is None:
            raise NotFoundError(f"未知的用户 {user.username!r} / unknown user")
        if user.username == actor.user and (not user.active or user.role != Role.ADMIN.value):
            raise ValidationError("不能停用自己或取消自己的管理员角色 / cannot demote yourself")
        uow.accounts.update(user)
        record_user(uow, actor, "user-update", user)
        uow.commit()
    return user


def set_active(uow_factory: UowFactory, centre: Centre, actor: Actor, username: str,
               active: bool) -> User:
    """Disable (or re-enable) a user; a disabled user cannot sign in."""
    with uow_factory() as uow:
        account = uow.accounts.get(username)
    if account is None:
        raise NotFoundError(f"未知的用户 {username!r} / unknown user")
    return update_user(uow_factory, centre, actor, replace(account.user, active=active))


def set_password(uow_factory: UowFactory, actor: Actor, username: str, password: str,
                 now: datetime, old_password: str | None = None) -> None:
    """Set a password: an administrator for anyone, a user for themself with the old one."""
    if actor.role is not Role.ADMIN and (actor.user != username or old_password is None):
        raise PermissionDeniedError("只能修改自己的密码 / you may only change your own password")
    digest = hash_password(password)
    with uow_factory() as uow:
        account = uow.accounts.get(username)
        if account is None:
            raise NotFoundError(f"未知的用户 {username!r} / unknown user")
        if actor.role is not Role.ADMIN and not (
            account.password_hash and old_password is not None
            and _matches(account.password_hash, old_password)
        ):
            raise AuthenticationError("原密码错误 / the old password is wrong")
        uow.accounts.set_password(username, digest, now)
        record_password(uow, actor, username, digest)
        uow.commit()


def set_demo_passwords(uow_factory: UowFactory, now: datetime) -> int:
    """Give every user without a password the demo password; returns how many got one."""
    digest = _HASHER.hash(DEMO_PASSWORD)
    with uow_factory() as uow:
        blank = [a.user.username for a in uow.accounts.list() if a.password_hash is None]
        for username in blank:
            uow.accounts.set_password(username, digest, now)
            record_password(uow, None, username, digest, fallback=DEMO_ACTOR)
        uow.commit()
    return len(blank)
