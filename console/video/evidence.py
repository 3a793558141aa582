"""A camera's frame as a case's evidence: check the JPEG, then the services store it.

The services take a checked :class:`~console.services.uow.NewPhoto` (they do no image work);
this module turns the bytes a player or ``camera snapshot`` grabbed into one — JPEG or PNG,
at most 10 MB, thumbnailed by :func:`console.photos.photo_from_bytes` — named after the camera
and the frame's instant, and calls :func:`~console.services.video_evidence.store_snapshot` or
:func:`~console.services.video_evidence.verify_by_video`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from console.domain.cameras import Camera
from console.domain.cases import Actor, Case
from console.domain.errors import ValidationError
from console.photos import photo_from_bytes
from console.services import video_evidence
from console.services.cameras import CameraUnitOfWork
from console.services.centre import Centre
from console.services.uow import NewPhoto, PhotoInfo
from console.services.video_evidence import PHOTO_KIND


def snapshot_photo(camera: Camera | str, jpeg: bytes, taken_at: datetime) -> NewPhoto:
    """A checked photo of kind ``video`` named ``CODE-YYYYmmddTHHMMSSZ.jpg``, carrying its
    camera and frame time (stored with it wherever it is stored: a new case's report too)."""
    if taken_at.tzinfo is None:
        raise ValidationError("画面时间须带时区 / the frame time needs a time zone")
    code = camera.code if isinstance(camera, Camera) else camera
    stamp = taken_at.strftime("%Y%m%dT%H%M%S%z")
    photo = photo_from_bytes(jpeg, f"{code[:64]}-{stamp}.jpg", PHOTO_KIND)
    # The store keeps these as the photo's camera and frame time (db/photo_repo.py).
    return replace(photo, extra={"camera": code[:64], "frame_at": taken_at.isoformat()})


def attach_snapshot(uow_factory: Callable[[], CameraUnitOfWork], centre: Centre, actor: Actor,
                    now: datetime, case_ref: int | str, camera_code: str, jpeg: bytes,
                    taken_at: datetime) -> PhotoInfo:
    """Attach a camera's frame to a case as a photo of kind 视频 (camera and frame time kept)."""
    del centre  # the same signature as verify_by_video: the seam passes both alike
    photo = snapshot_photo(camera_code, jpeg, taken_at)
    return video_evidence.store_snapshot(uow_factory, actor, now, case_ref, camera_code, photo,
                                         taken_at)


def verify_by_video(uow_factory: Callable[[], CameraUnitOfWork], centre: Centre, actor: Actor,
                    now: datetime, case_ref: int | str, camera_code: str, found: bool,
                    jpeg: bytes, taken_at: datetime, notes: str = "",
                    expected_version: int | None = None) -> Case:
    """核实 found / not found by video, the frame attached to the 核实 event."""
    if not isinstance(found, bool):
        raise ValidationError("核实结果应为 是/否 / 'found' must be true or false")
    photo = snapshot_photo(camera_code, jpeg, taken_at)
    return video_evidence.verify_by_video(uow_factory, centre, actor, now, case_ref,
                                          camera_code, found, photo, taken_at, notes,
                                          expected_version)
