"""Photos in SQL: the :class:`~console.services.uow.PhotoStore` port.

Image bytes live in deferred columns and are read one photo at a time by :meth:`data`, so
listing a case's photos never drags megabytes through the worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from console.domain.errors import NotFoundError
from console.services.uow import NewPhoto, PhotoInfo
from db.tables import PhotoRow


def snapshot_columns(photo: NewPhoto) -> dict[str, Any]:
    """``camera_code`` and ``frame_at`` of a video frame (``extra`` "camera" and "frame_at",
    set by ``console.video.evidence.snapshot_photo``), so a case filed from a frame — the
    patrol seat's, through the report seam — keeps its camera; nothing for other photos, and
    nothing for values that are not a code and an aware ISO instant."""
    camera, at = photo.extra.get("camera"), photo.extra.get("frame_at")
    if not isinstance(camera, str) or not camera or len(camera) > 64 or not isinstance(at, str):
        return {}
    try:
        frame_at = datetime.fromisoformat(at)
    except ValueError:
        return {}
    if frame_at.tzinfo is None:
        return {}
    return {"camera_code": camera, "frame_at": frame_at}


_INFO_COLUMNS = (
    PhotoRow.id,
    PhotoRow.case_id,
    PhotoRow.kind,
    PhotoRow.filename,
    PhotoRow.mime,
    PhotoRow.size,
    PhotoRow.uploaded_at,
    PhotoRow.uploaded_by,
    PhotoRow.event_id,
)


class SqlPhotoStore:
    """Store and read the photos of cases.

    Parameters
    ----------
    session : Session
        The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def _insert(self, photo: NewPhoto, uploaded_by: str, uploaded_at: datetime,
                **where: Any) -> int:
        """Insert one photo row (``where``: its case, event, staged flag); its id."""
        row = PhotoRow(
            **snapshot_columns(photo),
            **where,
            kind=photo.kind,
            filename=photo.filename,
            mime=photo.mime,
            size=len(photo.data),
            width=photo.width,
            height=photo.height,
            data=photo.data,
            thumbnail=photo.thumbnail,
            uploaded_at=uploaded_at,
            uploaded_by=uploaded_by,
        )
        self._session.add(row)
        self._session.flush()
        # The session would otherwise hold the bytes until it closes.
        self._session.expunge(row)
        return int(row.id)

    def add(
        self,
        case_id: int,
        photo: NewPhoto,
        uploaded_by: str,
        uploaded_at: datetime,
        event_id: int | None = None,
    ) -> PhotoInfo:
        """Store one photo of a case (of ``NewPhoto.extra`` only a video frame's camera and
        time, :func:`snapshot_columns`)."""
        return self._info(self._insert(photo, uploaded_by, uploaded_at, case_id=case_id,
                                       event_id=event_id))

    def stage(self, photo: NewPhoto, uploaded_by: str, uploaded_at: datetime,
              case_id: int | None = None) -> int:
        """Store a photo no case shows yet: the services commit it in its own transaction
        before the one that appends its events, then :meth:`attach` shows it."""
        return self._insert(photo, uploaded_by, uploaded_at, case_id=case_id, staged=True)

    def attach(self, photo_ids: Sequence[int], event_id: int,
               case_id: int | None = None) -> None:
        """Hang photos stored before their event was appended on that event (one small
        UPDATE); staged ones get their case and are shown from now on.

        The megabytes travel (and are committed) before the chain head is locked, which is
        then held only for the append and a commit of small rows (``db/chain_head.py``).
        """
        if not photo_ids:
            return
        values: dict[str, object] = {"event_id": event_id, "staged": False}
        if case_id is not None:
            values["case_id"] = case_id
        self._session.execute(update(PhotoRow).where(PhotoRow.id.in_(list(photo_ids)))
                              .values(**values))

    def discard(self, photo_ids: Sequence[int]) -> None:
        """Delete staged photos whose events were never appended (shown ones stay)."""
        if photo_ids:
            self._session.execute(delete(PhotoRow).where(
                PhotoRow.id.in_(list(photo_ids)), PhotoRow.staged.is_(True)))

    def prune_staged(self, before: datetime) -> int:
        """Delete staged photos stored before ``before``; how many."""
        result = self._session.execute(delete(PhotoRow).where(
            PhotoRow.staged.is_(True), PhotoRow.uploaded_at < before))
        return int(getattr(result, "rowcount", 0) or 0)

    def for_case(self, case_id: int) -> list[PhotoInfo]:
        """A case's photos, oldest first, without their bytes."""
        stmt = (select(*_INFO_COLUMNS)
                .where(PhotoRow.case_id == case_id, PhotoRow.staged.is_(False))
                .order_by(PhotoRow.id))
        return [_shown(row) for row in self._session.execute(stmt)]

    def data(self, photo_id: int, thumbnail: bool = False) -> bytes:
        """The image bytes, or its JPEG thumbnail; NotFoundError if no such photo."""
        column = PhotoRow.thumbnail if thumbnail else PhotoRow.data
        data = self._session.scalar(select(column).where(PhotoRow.id == photo_id,
                                                         PhotoRow.staged.is_(False)))
        if data is None:
            raise NotFoundError(f"照片 id={photo_id} 不存在 / no such photo")
        return bytes(data)

    def _info(self, photo_id: int) -> PhotoInfo:
        row = self._session.execute(select(*_INFO_COLUMNS).where(PhotoRow.id == photo_id)).one()
        return _shown(row)


def _shown(row: Any) -> PhotoInfo:
    # A shown photo always has its case: only a staged one waits without.
    photo_id, case_id, *rest = row
    assert case_id is not None
    return PhotoInfo(photo_id, case_id, *rest)
