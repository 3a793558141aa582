"""AI alarm types, alarm keys and received alarms in SQL
(``console.services.video_alarms.VideoAlarmStore``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from console.services.video_alarms import AlarmType, IncomingAlarm
from db.tables import VideoAlarmKeyRow, VideoAlarmRow, VideoAlarmTypeRow


class SqlVideoAlarmStore:
    """Alarm tables on the unit of work's session (revision 0021).

    Parameters
    ----------
    session : Session
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def types(self) -> list[AlarmType]:
        """Every mapping, by type."""
        rows = self._session.execute(select(VideoAlarmTypeRow.alarm_type,
                                            VideoAlarmTypeRow.category, VideoAlarmTypeRow.note)
                                     .order_by(VideoAlarmTypeRow.alarm_type))
        return [AlarmType(*row) for row in rows]

    def set_type(self, mapping: AlarmType, by: str, at: datetime) -> None:
        """Add or replace a mapping."""
        row = self._session.get(VideoAlarmTypeRow, mapping.alarm_type)
        if row is None:
            self._session.add(VideoAlarmTypeRow(alarm_type=mapping.alarm_type,
                                                category=mapping.category, note=mapping.note,
                                                updated_by=by, updated_at=at))
        else:
            row.category, row.note, row.updated_by, row.updated_at = (
                mapping.category, mapping.note, by, at)
        self._session.flush()

    def remove_type(self, alarm_type: str) -> bool:
        """Remove a mapping; False when there was none."""
        gone = self._session.execute(delete(VideoAlarmTypeRow)
                                     .where(VideoAlarmTypeRow.alarm_type == alarm_type))
        return bool(getattr(gone, "rowcount", 0))

    def key_hash(self, username: str) -> str | None:
        """The digest of the account's alarm key, or None."""
        return self._session.scalar(select(VideoAlarmKeyRow.key_hash)
                                    .where(VideoAlarmKeyRow.username == username))

    def set_key(self, username: str, key_hash: str, at: datetime) -> None:
        """Store (or replace) an account's alarm key digest."""
        row = self._session.get(VideoAlarmKeyRow, username)
        if row is None:
            self._session.add(VideoAlarmKeyRow(username=username, key_hash=key_hash,
                                               created_at=at))
        else:
            row.key_hash, row.created_at = key_hash, at
        self._session.flush()

    def last_case(self, camera: str, alarm_type: str, since: datetime) -> int | None:
        """The case of the pair's latest alarm at or after ``since`` (the pair's index)."""
        return self._session.scalar(
            select(VideoAlarmRow.case_id)
            .where(VideoAlarmRow.camera_code == camera, VideoAlarmRow.alarm_type == alarm_type,
                   VideoAlarmRow.occurred_at >= since)
            .order_by(VideoAlarmRow.occurred_at.desc(), VideoAlarmRow.id.desc()).limit(1))

    def add(self, alarm: IncomingAlarm, received_at: datetime, sender: str, case_id: int,
            folded: bool, photo_id: int | None) -> int:
        """Record a received alarm; its id."""
        new_id = self._session.scalar(insert(VideoAlarmRow).values(
            camera_code=alarm.camera, alarm_type=alarm.alarm_type,
            occurred_at=alarm.occurred_at, received_at=received_at, sender=sender,
            case_id=case_id, folded=folded, photo_id=photo_id).returning(VideoAlarmRow.id))
        assert new_id is not None
        return int(new_id)
