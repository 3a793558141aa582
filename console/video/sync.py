"""``citydesk camera sync PLATFORM``: the registry filled from a platform's own camera list.

A wvp or iSecure Center platform already knows its cameras — names, GB/T 28181 ids, often
their positions.  Syncing reads its ``list()`` and imports it as a registry file would be
(:func:`~console.services.cameras.import_cameras`: the same checks, all or nothing), each camera
bound to the platform by its id.  A camera's code is its national id when it has a valid one,
else ``PLATFORM-ID`` (the platform's id made a local code).  Cameras the platform gives no
position are left out and listed: the registry places every camera, and guessing would put it
in the wrong cell.  The online state the platform reports is recorded with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console.domain.cameras import MAX_CODE, code_problem
from console.domain.cases import Actor
from console.domain.coords import Crs
from console.services.cameras import CameraImport, CameraUowFactory, import_cameras, record_online
from console.services.centre import Centre
from console.video.config import PlatformConfig
from console.video.platforms import PlatformCamera, platform_adapter

HEADERS = ["code", "name", "group", "lon", "lat", "platform", "platform_id", "ptz"]
_NOT_CODE = re.compile(r"[^A-Za-z0-9_.:\-]")


@dataclass(frozen=True, slots=True)
class PlatformSync:
    """What a sync did: the import's report and the cameras left out for want of a position."""

    result: CameraImport
    unplaced: list[PlatformCamera]

    def as_dict(self) -> dict[str, Any]:
        """The report as ``--json`` prints it."""
        return {**self.result.as_dict(),
                "unplaced": [{"platform_id": c.platform_id, "name": c.name}
                             for c in self.unplaced]}


def camera_code(platform: str, camera: PlatformCamera) -> str:
    """The camera's national id when valid, else ``PLATFORM-ID`` as a local code."""
    if camera.code and code_problem(camera.code) is None:
        return camera.code
    return _NOT_CODE.sub(":", f"{platform}-{camera.platform_id}")[:MAX_CODE]


def platform_rows(platform: str, listed: list[PlatformCamera], group: str
                  ) -> tuple[list[tuple[int, list[Any]]], list[PlatformCamera]]:
    """Registry rows (numbered by the camera's place in the list) and the unplaced cameras."""
    rows: list[tuple[int, list[Any]]] = []
    unplaced: list[PlatformCamera] = []
    for number, camera in enumerate(listed, 1):
        if camera.lon is None or camera.lat is None:
            unplaced.append(camera)
            continue
        rows.append((number, [camera_code(platform, camera), camera.name, group, camera.lon,
                              camera.lat, platform, camera.platform_id,
                              "是" if camera.ptz else "否"]))
    return rows, unplaced


def sync_platform(uow_factory: CameraUowFactory, centre: Centre, platform: PlatformConfig,
                  crs: Crs, group: str, *, dry_run: bool, actor: Actor,
                  now: datetime) -> PlatformSync:
    """Import the platform's cameras (blocks on the platform; VideoPlatformError, one line)."""
    listed = platform_adapter(platform).list()
    rows, unplaced = platform_rows(platform.name, listed, group)
    result = import_cameras(uow_factory, centre, HEADERS, rows, crs, dry_run=dry_run,
                            actor=actor, now=now)
    if result.kept:
        states = {camera_code(platform.name, c): c.online for c in listed
                  if c.online is not None and c.lon is not None and c.lat is not None}
        record_online(uow_factory, {k: bool(v) for k, v in states.items()}, now)
    return PlatformSync(result, unplaced)
