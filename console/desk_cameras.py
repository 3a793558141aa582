"""The seat's cameras (a part of ``LocalDeskBackend`` and ``LocalWallBackend``; issue #17).

:class:`CameraReads` — the registry and a camera's play URL — serves the desk, the patrol
seat and the wall's video page; :class:`CameraEvidence` — cameras near a case, a frame
attached to it, 核实 by video — serves the desk.  A play URL is asked for where this backend
runs: through a server, the server asks the platform, so the platforms' credentials stay on
the server.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from console.domain.cameras import Camera, NearCamera
from console.domain.cases import Actor, Case
from console.services.cameras import CameraUnitOfWork, cameras_near_case, get_camera, list_cameras
from console.services.centre import Centre
from console.services.uow import PhotoInfo, UnitOfWork
from console.video import evidence
from console.video.platforms import play_url


class CameraReads:
    """``cameras`` and ``camera_play_url``: mixed into the in-process backends, which provide
    ``_raw`` (the unscoped factory)."""

    _raw: Callable[[], UnitOfWork]

    def _cameras(self) -> Callable[[], CameraUnitOfWork]:
        # The composition root's units of work reach the registry (db/uow.py proves it).
        return cast(Callable[[], CameraUnitOfWork], self._raw)

    def cameras(self, group: str | None) -> list[Camera]:
        """The registry by code (a group's cameras when given)."""
        return list_cameras(self._cameras(), group=group)

    def camera_play_url(self, code: str, sub: bool) -> str:
        """A URL to play the camera now (its platform asked here; it expires)."""
        return play_url(get_camera(self._cameras(), code), sub)


class CameraEvidence(CameraReads):
    """``nearby_cameras``, ``attach_snapshot`` and ``verify_by_video``: mixed into
    ``LocalDeskBackend``, which provides ``_actor``, ``_clock`` and ``centre``."""

    _actor: Actor
    _clock: Callable[[], datetime]

    def _camera_centre(self) -> Centre:
        # A property of the desk backend: declared there, not here.
        centre: Centre = self.centre  # type: ignore[attr-defined]
        return centre

    def nearby_cameras(self, case_id: int, radius_m: float) -> list[NearCamera]:
        """Cameras that may see the case's place, nearest first."""
        return cameras_near_case(self._cameras(), self._camera_centre(), self._actor, case_id,
                                 radius_m)

    def attach_snapshot(self, case_id: int, camera_code: str, jpeg: bytes,
                        taken_at: datetime) -> PhotoInfo:
        """A camera's frame attached to the case as a photo of kind 视频."""
        return evidence.attach_snapshot(self._cameras(), self._camera_centre(), self._actor,
                                        self._clock(), case_id, camera_code, jpeg, taken_at)

    def verify_by_video(self, case_id: int, camera_code: str, found: bool, jpeg: bytes,
                        taken_at: datetime, notes: str, seen_version: int | None) -> Case:
        """核实 found / not found by video, the frame as its evidence."""
        return evidence.verify_by_video(self._cameras(), self._camera_centre(), self._actor,
                                        self._clock(), case_id, camera_code, found, jpeg,
                                        taken_at, notes, seen_version)
