"""The camera registry in ``cameras`` and the snapshot columns of ``photos``
(``console.services.cameras.CameraStore``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from console.domain.camera_rows import NewCamera
from console.domain.cameras import Camera
from db.tables import CameraRow, PhotoRow

_COLUMNS = (CameraRow.id, CameraRow.code, CameraRow.name, CameraRow.group_name, CameraRow.lon,
            CameraRow.lat, CameraRow.cell, CameraRow.platform, CameraRow.platform_id,
            CameraRow.main_url, CameraRow.sub_url, CameraRow.ptz, CameraRow.online,
            CameraRow.checked_at)
#: Codes per IN list (well under both databases' parameter limits).
_BATCH = 500


class SqlCameraStore:
    """Cameras on the unit of work's session (revision 0021).

    Parameters
    ----------
    session : Session
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def _read(self, stmt: Any) -> list[Camera]:
        return [Camera(*row) for row in self._session.execute(stmt.order_by(CameraRow.code))]

    def find(self, group: str | None = None, cell: str | None = None) -> list[Camera]:
        """Cameras by code, of a group and/or a cell when given."""
        stmt = select(*_COLUMNS)
        if group is not None:
            stmt = stmt.where(CameraRow.group_name == group)
        if cell is not None:
            stmt = stmt.where(CameraRow.cell == cell)
        return self._read(stmt)

    def in_box(self, lon_min: float, lon_max: float, lat_min: float,
               lat_max: float) -> list[Camera]:
        """Cameras inside the box."""
        return self._read(select(*_COLUMNS).where(CameraRow.lon.between(lon_min, lon_max),
                                                  CameraRow.lat.between(lat_min, lat_max)))

    def in_cells(self, cells: Iterable[str]) -> list[Camera]:
        """Cameras of these cells (the ``cell`` index)."""
        wanted = list(cells)
        out: list[Camera] = []
        for i in range(0, len(wanted), _BATCH):
            out.extend(self._read(select(*_COLUMNS).where(
                CameraRow.cell.in_(wanted[i:i + _BATCH]))))
        return out

    def get(self, code: str) -> Camera | None:
        """The camera with this code, or None."""
        found = self._read(select(*_COLUMNS).where(CameraRow.code == code))
        return found[0] if found else None

    def groups(self) -> list[str]:
        """The non-empty groups, sorted."""
        return list(self._session.scalars(
            select(CameraRow.group_name).where(CameraRow.group_name != "").distinct()
            .order_by(CameraRow.group_name)))

    def codes(self) -> set[str]:
        """Every stored code."""
        return set(self._session.scalars(select(CameraRow.code)))

    def upsert(self, cameras: Sequence[NewCamera], crs: str, by: str,
               at: datetime) -> tuple[int, int]:
        """Insert new codes and update stored ones (their online state kept)."""
        stored = self.codes()
        added = updated = 0
        fresh: list[dict[str, Any]] = []
        for c in cameras:
            values = {"name": c.name, "group_name": c.group, "lon": c.lon, "lat": c.lat,
                      "crs": crs, "cell": c.cell, "platform": c.platform,
                      "platform_id": c.platform_id, "main_url": c.main_url,
                      "sub_url": c.sub_url, "ptz": c.ptz, "imported_by": by, "imported_at": at}
            if c.code in stored:
                self._session.execute(update(CameraRow).where(CameraRow.code == c.code)
                                      .values(**values))
                updated += 1
            else:
                fresh.append({"code": c.code, **values})
                added += 1
        if fresh:
            self._session.execute(insert(CameraRow), fresh)
        return added, updated

    def set_online(self, states: Mapping[str, bool], at: datetime) -> None:
        """One UPDATE per state (online, offline) over the codes in it."""
        for state in (True, False):
            codes = [code for code, online in states.items() if online is state]
            for i in range(0, len(codes), _BATCH):
                self._session.execute(update(CameraRow)
                                      .where(CameraRow.code.in_(codes[i:i + _BATCH]))
                                      .values(online=state, checked_at=at))

    def mark_snapshot(self, photo_id: int, camera_code: str, frame_at: datetime) -> None:
        """Record a stored photo as a frame of this camera at this instant."""
        self._session.execute(update(PhotoRow).where(PhotoRow.id == photo_id)
                              .values(camera_code=camera_code, frame_at=frame_at))

    def snapshots(self, case_id: int) -> dict[int, tuple[str, datetime]]:
        """The case's video photos: photo id -> (camera code, frame instant)."""
        rows = self._session.execute(
            select(PhotoRow.id, PhotoRow.camera_code, PhotoRow.frame_at)
            .where(PhotoRow.case_id == case_id, PhotoRow.camera_code.is_not(None),
                   PhotoRow.staged.is_(False)))
        return {pid: (code, at) for pid, code, at in rows if code is not None and at is not None}
