"""Collectors' positions: storing a batch of fixes, keeping them N days, device keys.

A collector's phone sends its fixes (``POST /api/v1/positions``, or an off-the-shelf tracking
app through the OsmAnd/Traccar protocol at ``/osmand``); the server has checked each and
converted it to WGS-84 (:mod:`console.domain.coords`) before :func:`record_fixes` stores them.
:func:`prune_positions` deletes what is older than the retention (``centre.yaml``'s
``position_retention_days``, default 90).  A tracking app has no session: it names its
collector and a **device key** (``USER:KEY``), which :func:`issue_device_key` creates and
:func:`device_owner` checks; only the key's SHA-256 digest is stored (it is 32 random
bytes, so a plain digest is as safe as a password hash and costs nothing per fix).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from console.domain.cases import Actor, Role
from console.domain.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from console.services.admin_trail import record
from console.services.centre import Centre
from console.services.uow import UnitOfWork

#: Days positions are kept when ``centre.yaml`` says nothing.
DEFAULT_RETENTION_DAYS = 90
#: The most fixes one request may bring.
MAX_BATCH = 500
#: How far ahead of the server's clock a fix's instant may be (a phone's clock runs fast).
MAX_AHEAD = timedelta(minutes=5)

#: The one refusal of a tracking device, whatever was wrong (as a refused sign-in).
DEVICE_REFUSED = "设备标识或密钥无效 / unknown device or wrong key"


@dataclass(frozen=True, slots=True)
class Fix:
    """One position of a collector, in WGS-84, at the fix's own (aware) instant."""

    username: str
    t: datetime
    lon: float
    lat: float
    accuracy: float | None = None
    speed: float | None = None  # metres per second
    battery: float | None = None  # percent


class PositionStore(Protocol):
    """Where fixes and device keys live (``db.position_repo.SqlPositionStore``)."""

    def add_many(self, fixes: Sequence[Fix], received_at: datetime) -> int: ...

    def delete_before(self, cutoff: datetime) -> int: ...

    def last_fix(self, username: str) -> Fix | None: ...

    def device_key_hash(self, username: str) -> str | None: ...

    def set_device_key(self, username: str, key_hash: str | None,
                       created_at: datetime) -> None: ...


UowFactory = Callable[[], UnitOfWork]


def record_fixes(store: PositionStore, fixes: Sequence[Fix], now: datetime) -> int:
    """Store a checked batch (all or nothing); returns how many were stored."""
    if len(fixes) > MAX_BATCH:
        raise ValidationError(f"一次最多 {MAX_BATCH} 个位置 / at most {MAX_BATCH} fixes per batch")
    return store.add_many(fixes, now) if fixes else 0


def retention_days(centre: Centre) -> int:
    """How many days positions are kept (``centre.yaml``'s ``position_retention_days``)."""
    return centre.ref.config.position_retention_days


def prune_positions(store: PositionStore, now: datetime, days: int) -> int:
    """Delete fixes older than ``days`` days before ``now``; returns how many went."""
    if days < 1:
        raise ValidationError("位置保留天数至少为 1 / keep positions at least one day")
    return store.delete_before(now - timedelta(days=days))


def key_digest(key: str) -> str:
    """The SHA-256 hex digest a device key is stored as."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue_device_key(uow_factory: UowFactory, centre: Centre, actor: Actor, username: str,
                     now: datetime, store: PositionStore) -> str:
    """A new device key for a collector (replacing any older one); returns the key.

    The store keeps its digest; the issue is written to the admin log (the digest is not: the
    log says who got a key, and when).
    """
    if actor.role is not Role.ADMIN:
        raise PermissionDeniedError("只有管理员可以发放设备密钥 / only an administrator issues "
                                    "device keys")
    user = centre.ref.users.get(username)
    if user is None:
        raise NotFoundError(f"未知的用户 {username!r} / unknown user")
    if user.role != Role.COLLECTOR.value:
        raise ValidationError(f"{username} 不是监督员 / {username} is not a collector")
    key = secrets.token_urlsafe(32)
    # Two transactions (the store has its own, and an SQLite file takes one writer at a time):
    # the key first, then the log row; should the log fail, the older key is put back, so a
    # refusal leaves the database as it was.
    older = store.device_key_hash(username)
    store.set_device_key(username, key_digest(key), now)
    try:
        with uow_factory() as uow:
            record(uow, actor, "device-key", "device_keys", username, {"issued_at": now})
            uow.commit()
    except BaseException:
        store.set_device_key(username, older, now)
        raise
    return key


def device_owner(store: PositionStore, centre: Centre, identifier: str) -> str:
    """The collector a tracking device's ``USER:KEY`` names, if the key is theirs.

    Every refusal is :data:`DEVICE_REFUSED` (an unknown user, a wrong key, a disabled user,
    not a collector): the answer says nothing about which.
    """
    username, sep, key = identifier.partition(":")
    user = centre.ref.users.get(username) if sep and key else None
    stored = store.device_key_hash(username) if user is not None else None
    # compare_digest even when nothing is stored, so a wrong user costs what a wrong key does
    match = hmac.compare_digest(stored or "0" * 64, key_digest(key))
    if stored is None or not match or user is None or not user.active \
            or user.role != Role.COLLECTOR.value:
        raise AuthenticationError(DEVICE_REFUSED)
    return username
