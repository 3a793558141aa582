"""AI alarms from analysis boxes and video platforms: a case each, repeats folded in.

An analysis box (or a platform's 智能分析) reports "camera X saw 占道经营 at T" with a
snapshot.  The centre keeps a table of its alarm types and the category each is filed under
(:class:`AlarmType`, editable with ``citydesk camera alarm-types``); an unmapped type is
refused, never guessed.  The first alarm of a (camera, type) pair files a case of source
视频智能发现 at the camera's position and cell, with the snapshot; a repeat within the fold
window of the pair's previous alarm, while that case is still open, is folded into it — the
snapshot is added to the case and the alarm recorded against it — instead of a new case, so an
AI box seeing the same stall every minute makes one case, not sixty.  The window slides: a
stall watched all afternoon stays one case.

Two boxes posting the same pair in the same instant may both file a case (the check and the
filing are separate transactions); the acceptor merges them as any duplicate.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from console.domain.cameras import Camera
from console.domain.cases import Actor, Case, Role, Source
from console.domain.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from console.services.cameras import CameraUnitOfWork
from console.services.cases import Report, report_case
from console.services.centre import Centre
from console.services.uow import NewPhoto, UnitOfWork
from console.services.video_evidence import PHOTO_KIND

#: How long after a pair's previous alarm a repeat is folded into its open case (minutes).
DEFAULT_FOLD_MINUTES = 30
#: An alarm may not claim to come from further in the future than this (clock skew).
FUTURE_SLACK = timedelta(minutes=10)
#: Every refusal of an alarm key says only this.
KEY_REFUSED = "告警密钥无效 / invalid alarm key"
_MAX_TYPE = 64


@dataclass(frozen=True, slots=True)
class AlarmType:
    """An alarm type of the analysis platforms and the category its cases get."""

    alarm_type: str
    category: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class IncomingAlarm:
    """An alarm as a box sent it (already parsed: the server checks the shape)."""

    camera: str
    alarm_type: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class AlarmOutcome:
    """What became of an alarm: the case it opened or was folded into."""

    alarm_id: int
    case_id: int
    case_no: str
    folded: bool


class VideoAlarmStore(Protocol):
    """Alarm types, alarm keys and received alarms (revision 0021)."""

    def types(self) -> list[AlarmType]:
        """Every mapping, by type."""
        ...

    def set_type(self, mapping: AlarmType, by: str, at: datetime) -> None:
        """Add or replace a mapping."""
        ...

    def remove_type(self, alarm_type: str) -> bool:
        """Remove a mapping; False when there was none."""
        ...

    def key_hash(self, username: str) -> str | None:
        """The digest of the account's alarm key, or None."""
        ...

    def set_key(self, username: str, key_hash: str, at: datetime) -> None:
        """Store (or replace) an account's alarm key digest."""
        ...

    def last_case(self, camera: str, alarm_type: str, since: datetime) -> int | None:
        """The case of the pair's latest alarm at or after ``since``, or None."""
        ...

    def add(self, alarm: IncomingAlarm, received_at: datetime, sender: str, case_id: int,
            folded: bool, photo_id: int | None) -> int:
        """Record a received alarm; its id."""
        ...


class AlarmUnitOfWork(CameraUnitOfWork, Protocol):
    """A unit of work reaching cameras and alarms."""

    video_alarms: VideoAlarmStore


AlarmUowFactory = Callable[[], AlarmUnitOfWork]


def key_digest(key: str) -> str:
    """SHA-256 of an alarm key (hex): what is stored."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _checked_type(alarm_type: str) -> str:
    text = alarm_type.strip() if isinstance(alarm_type, str) else ""
    if not text or len(text) > _MAX_TYPE or not text.isprintable():
        raise ValidationError(f"告警类型应为 1–{_MAX_TYPE} 个可打印字符 / the alarm type must be "
                              f"1-{_MAX_TYPE} printable characters")
    return text


def list_types(uow_factory: AlarmUowFactory) -> list[AlarmType]:
    """The mapping table, by type."""
    with uow_factory() as uow:
        return uow.video_alarms.types()


def set_type(uow_factory: AlarmUowFactory, centre: Centre, actor: Actor, now: datetime,
             alarm_type: str, category: str, note: str = "") -> AlarmType:
    """Map an alarm type to a category (an administrator's); the category must exist."""
    if actor.role is not Role.ADMIN:
        raise PermissionDeniedError("只有管理员可以修改告警类型映射 / administrators only")
    mapping = AlarmType(_checked_type(alarm_type), centre.category(category).code,
                        note.strip()[:200])
    with uow_factory() as uow:
        uow.video_alarms.set_type(mapping, actor.user, now)
        uow.commit()
    return mapping


def remove_type(uow_factory: AlarmUowFactory, actor: Actor, alarm_type: str) -> None:
    """Remove a mapping; NotFoundError when there is none."""
    if actor.role is not Role.ADMIN:
        raise PermissionDeniedError("只有管理员可以修改告警类型映射 / administrators only")
    with uow_factory() as uow:
        if not uow.video_alarms.remove_type(alarm_type):
            raise NotFoundError(f"没有告警类型 {alarm_type[:64]!r} / no such alarm type")
        uow.commit()


def issue_key(uow_factory: AlarmUowFactory, centre: Centre, actor: Actor, username: str,
              now: datetime) -> str:
    """A new alarm key for an account (printed once; only its digest is stored)."""
    if actor.role is not Role.ADMIN:
        raise PermissionDeniedError("只有管理员可以发放告警密钥 / administrators only")
    user = centre.user(username)
    if user.role not in (Role.ACCEPTOR.value, Role.SUPERVISOR.value, Role.ADMIN.value):
        raise ValidationError(f"{username} 的角色 {user.role} 不能上报案件：告警账户应为受理员 / "
                              "the alarm account must be able to file reports (an "
                              "acceptor's)")
    key = secrets.token_urlsafe(24)
    with uow_factory() as uow:
        uow.video_alarms.set_key(user.username, key_digest(key), now)
        uow.commit()
    return key


def alarm_sender(uow_factory: AlarmUowFactory, centre: Centre, credential: str,
                 desk: str = "") -> Actor:
    """The account a ``USER:KEY`` credential names, if the key is its alarm key.

    Every refusal is :data:`KEY_REFUSED` (unknown user, wrong key, disabled account).
    """
    username, sep, key = credential.partition(":")
    user = centre.ref.users.get(username) if sep and key else None
    stored = None
    if user is not None:
        with uow_factory() as uow:
            stored = uow.video_alarms.key_hash(username)
    # compare_digest even when nothing is stored: a wrong user costs what a wrong key does.
    match = hmac.compare_digest(stored or "0" * 64, key_digest(key))
    if stored is None or not match or user is None or not user.active:
        raise AuthenticationError(KEY_REFUSED)
    return centre.actor(username, desk)


def receive_alarm(uow_factory: AlarmUowFactory, centre: Centre, sender: Actor, now: datetime,
                  alarm: IncomingAlarm, photo: NewPhoto | None,
                  fold_minutes: int = DEFAULT_FOLD_MINUTES) -> AlarmOutcome:
    """File an alarm as a case, or fold it into its pair's open case (module docstring)."""
    alarm = replace(alarm, alarm_type=_checked_type(alarm.alarm_type))
    if alarm.occurred_at.tzinfo is None:
        raise ValidationError("告警时间须带时区 / the alarm time needs a time zone")
    if alarm.occurred_at > now + FUTURE_SLACK:
        raise ValidationError("告警时间晚于服务器时间 / the alarm time is in the future")
    if fold_minutes < 0:
        raise ValidationError("合并时间窗不能为负数 / the fold window must be >= 0")
    kind = photo and replace(photo, kind=PHOTO_KIND)
    with uow_factory() as uow:
        camera = uow.cameras.get(alarm.camera)
        if camera is None:
            raise NotFoundError(f"摄像机 {alarm.camera[:64]!r} 不存在 / no such camera")
        mapping = {t.alarm_type: t for t in uow.video_alarms.types()}.get(alarm.alarm_type)
        if mapping is None:
            raise ValidationError(f"告警类型 {alarm.alarm_type!r} 未映射到类别（citydesk camera "
                                  "alarm-types set）/ the alarm type is not mapped to a category")
        since = alarm.occurred_at - timedelta(minutes=fold_minutes)
        case_id = uow.video_alarms.last_case(camera.code, alarm.alarm_type, since)
        target = uow.cases.get(case_id) if case_id is not None else None
        if target is not None and not target.state.is_terminal:
            photo_id = _snapshot(uow, target, camera, kind, sender, now, alarm)
            alarm_id = uow.video_alarms.add(alarm, now, sender.user, case_id or 0, True, photo_id)
            uow.commit()
            return AlarmOutcome(alarm_id, target.id or 0, target.case_no, True)
    ids: list[int] = []

    def record(inner: UnitOfWork, case: Case) -> None:
        # Inside report_case's transaction: the case and its alarm commit together.
        alarm_uow: AlarmUnitOfWork = inner  # type: ignore[assignment]
        assert case.id is not None
        photo_id = None
        if kind is not None:
            photo_id = inner.photos.for_case(case.id)[-1].id
            alarm_uow.cameras.mark_snapshot(photo_id, camera.code, alarm.occurred_at)
        ids.append(alarm_uow.video_alarms.add(alarm, now, sender.user, case.id, False,
                                              photo_id))

    label = mapping.note or mapping.alarm_type
    report = Report(category=mapping.category, source=Source.VIDEO.value,
                    description=f"视频智能发现：{label}（摄像机 {camera.name}，{camera.code}）",
                    grid=camera.cell, lon=camera.lon, lat=camera.lat,
                    reported_at=alarm.occurred_at, photos=(kind,) if kind else ())
    result = report_case(uow_factory, centre, sender, now, report, on_saved=record)
    return AlarmOutcome(ids[0], result.case.id or 0, result.case.case_no, False)


def _snapshot(uow: AlarmUnitOfWork, case: Case, camera: Camera, photo: NewPhoto | None,
              sender: Actor, now: datetime, alarm: IncomingAlarm) -> int | None:
    if photo is None:
        return None
    assert case.id is not None
    info = uow.photos.add(case.id, photo, sender.user, now)
    uow.cameras.mark_snapshot(info.id, camera.code, alarm.occurred_at)
    return info.id
