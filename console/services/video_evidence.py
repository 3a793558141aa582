"""Video as evidence: a camera's frame attached to a case, and 核实 by video.

A snapshot is a photo of kind ``video`` (:data:`PHOTO_KIND`) that records its camera and the
frame's instant (``photos.camera_code`` / ``frame_at``).  Attached on its own it belongs to no
step; with a verification it hangs on the 核实 event.

核实 by video is the ordinary 核实 step — no second state machine — done by the acceptor from
a camera instead of by a collector on site: on a case 核实中 it is the 核实 itself; on a case
已受理 a 发核实 to nobody and the 核实 are logged together in one transaction.  The 核实
event's payload says how it was done: ``{"by": "video", "camera": code, "frame_at": …,
"photo_id": …}``, so the log (and ``case show``) tells a verification by video from a visit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from console.domain.cameras import Camera
from console.domain.cases import Actor, Case, CaseState, Event, Role
from console.domain.commands import Action, Command
from console.domain.errors import ConflictError, NotFoundError, PermissionDeniedError
from console.domain.transitions import apply
from console.services.access import scoped_factory
from console.services.cameras import CameraUnitOfWork
from console.services.cases import find_case
from console.services.centre import Centre
from console.services.uow import NewPhoto, PhotoInfo

#: ``photos.kind`` of a camera's frame (shown as 视频 / Video).
PHOTO_KIND = "video"
#: ``by`` in a 核实 event's payload when the acceptor verified from a camera.
BY_VIDEO = "video"


def _camera(uow: CameraUnitOfWork, code: str) -> Camera:
    camera = uow.cameras.get(code)
    if camera is None:
        raise NotFoundError(f"摄像机 {code[:64]!r} 不存在 / no such camera")
    return camera


def _may_attach(actor: Actor) -> None:
    if actor.role is Role.WALL:
        raise PermissionDeniedError("大屏只读，不能附加截图 / the wall is read-only")


def _scoped(uow_factory: Callable[[], CameraUnitOfWork], actor: Actor
            ) -> CameraUnitOfWork:
    # The scoped unit of work passes every store it does not scope (cameras) through.
    return scoped_factory(uow_factory, actor)()  # type: ignore[return-value]


def store_snapshot(uow_factory: Callable[[], CameraUnitOfWork], actor: Actor, now: datetime,
                   case_ref: int | str, camera_code: str, photo: NewPhoto,
                   taken_at: datetime) -> PhotoInfo:
    """Attach a validated frame (``photo``) of a camera to a case; one transaction.

    A case the seat may not see answers as one that does not exist; an unknown camera is
    NotFoundError; nothing is stored when either is wrong.
    """
    _may_attach(actor)
    with _scoped(uow_factory, actor) as uow:
        case = find_case(uow, case_ref)
        camera = _camera(uow, camera_code)
        assert case.id is not None
        info = uow.photos.add(case.id, replace(photo, kind=PHOTO_KIND), actor.user, now)
        uow.cameras.mark_snapshot(info.id, camera.code, taken_at)
        uow.commit()
    return info


def verify_by_video(uow_factory: Callable[[], CameraUnitOfWork], centre: Centre, actor: Actor,
                    now: datetime, case_ref: int | str, camera_code: str, found: bool,
                    photo: NewPhoto, taken_at: datetime, notes: str = "",
                    expected_version: int | None = None) -> Case:
    """Record 核实 found / not found from a camera, with its frame as the evidence.

    The case is 已受理 (a 发核实 and the 核实 are logged together) or 核实中.  Raises and
    changes nothing when the seat may not verify, the case is elsewhere in its loop, the
    version is stale or the camera unknown.
    """
    with _scoped(uow_factory, actor) as uow:
        case = find_case(uow, case_ref)
        if expected_version is not None and case.version != expected_version:
            raise _stale(case, expected_version)
        camera = _camera(uow, camera_code)
        assert case.id is not None
        last = uow.events.for_case(case.id)[-1:]
        now = max(now, last[0].occurred_at) if last else now
        events: list[Event] = []
        current = case
        if case.state is CaseState.ACCEPTED:
            step = apply(case, Action(Command.REQUEST_VERIFY, {}), actor, now, centre.ctx)
            current = step.case
            events.extend(step.events)
        outcome = apply(current, Action(Command.VERIFY, {"found": found, "notes": notes}),
                        actor, now, centre.ctx)
        saved = uow.cases.update(outcome.case, case.version)
        info = uow.photos.add(case.id, replace(photo, kind=PHOTO_KIND), actor.user, now)
        uow.cameras.mark_snapshot(info.id, camera.code, taken_at)
        extra = {"by": BY_VIDEO, "camera": camera.code, "frame_at": taken_at.isoformat(),
                 "photo_id": info.id}
        events.extend(replace(e, payload={**extra, **e.payload}) if e.type == Command.VERIFY
                      else e for e in outcome.events)
        stored = uow.events.append(events)
        verify_id = next(e.id for e in stored if e.type == Command.VERIFY)
        assert verify_id is not None
        uow.photos.attach([info.id], verify_id)
        uow.commit()
    return saved


def _stale(case: Case, seen: int) -> ConflictError:
    return ConflictError(f"案件 {case.case_no} 已被他人修改（你看到的是版本 {seen}，当前版本 "
                         f"{case.version}），请刷新后重试 / the case changed since you saw it")
