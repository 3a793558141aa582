"""Collectors' alarms and the fixes the 在岗 check reads (``console.services.on_duty.AlarmStore``).

Each method is one short transaction on the engine, as the position store's
(:mod:`db.position_repo`): the worker's minute round and a desk's Ctrl+K never hold a
transaction across anything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from console.domain.on_duty import AlarmKind, TrackPoint
from console.services.on_duty import CollectorAlarm
from db.tables import AlarmRow, PositionRow

#: Collectors per IN list (PostgreSQL's and SQLite's parameter limits are far above it).
_CHUNK = 500


_COLUMNS = (AlarmRow.id, AlarmRow.username, AlarmRow.kind, AlarmRow.started_at,
            AlarmRow.ended_at, AlarmRow.raised_at, AlarmRow.acknowledged_by,
            AlarmRow.acknowledged_at, AlarmRow.detail)


def _alarm(row: Any) -> CollectorAlarm:
    (alarm_id, username, kind, started, ended, raised, by, at, detail) = row
    return CollectorAlarm(alarm_id, username, AlarmKind(kind), started, ended, raised, by, at,
                          dict(detail or {}))


class SqlAlarmStore:
    """Alarms in ``collector_alarms`` (revision 0019); fixes from ``collector_positions``.

    Parameters
    ----------
    engine : Engine
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- fixes ---------------------------------------------------------------------------------
    def last_fixes(self, usernames: Sequence[str], until: datetime) -> dict[str, TrackPoint]:
        """Each collector's newest fix at or before ``until`` (none: absent)."""
        out: dict[str, TrackPoint] = {}
        with self._engine.connect() as conn:
            for i in range(0, len(usernames), _CHUNK):
                names = list(usernames[i:i + _CHUNK])
                newest = (select(PositionRow.username, func.max(PositionRow.t).label("t"))
                          .where(PositionRow.username.in_(names), PositionRow.t <= until)
                          .group_by(PositionRow.username).subquery())
                stmt = (select(PositionRow.username, PositionRow.t, PositionRow.lon,
                               PositionRow.lat, PositionRow.speed)
                        .join(newest, (newest.c.username == PositionRow.username)
                              & (newest.c.t == PositionRow.t)))
                for name, t, lon, lat, speed in conn.execute(stmt):
                    out[name] = TrackPoint(t, lon, lat, speed)
        return out

    def tracks(self, usernames: Sequence[str], since: datetime,
               until: datetime) -> dict[str, list[TrackPoint]]:
        """Each collector's fixes in ``[since, until]``, oldest first."""
        out: dict[str, list[TrackPoint]] = {}
        with self._engine.connect() as conn:
            for i in range(0, len(usernames), _CHUNK):
                stmt = (select(PositionRow.username, PositionRow.t, PositionRow.lon,
                               PositionRow.lat, PositionRow.speed)
                        .where(PositionRow.username.in_(list(usernames[i:i + _CHUNK])),
                               PositionRow.t.between(since, until))
                        .order_by(PositionRow.username, PositionRow.t, PositionRow.id))
                for name, t, lon, lat, speed in conn.execute(stmt):
                    out.setdefault(name, []).append(TrackPoint(t, lon, lat, speed))
        return out

    # -- alarms --------------------------------------------------------------------------------
    def _select(self, *where: Any) -> list[CollectorAlarm]:
        stmt = select(*_COLUMNS).where(*where).order_by(AlarmRow.raised_at, AlarmRow.id)
        with self._engine.connect() as conn:
            return [_alarm(row) for row in conn.execute(stmt)]

    def open_alarms(self) -> list[CollectorAlarm]:
        """The alarms whose condition still holds."""
        return self._select(AlarmRow.ended_at.is_(None))

    def alarms_since(self, since: datetime) -> list[CollectorAlarm]:
        """The alarms raised at or after ``since``."""
        return self._select(AlarmRow.raised_at >= since)

    def get_alarm(self, alarm_id: int) -> CollectorAlarm | None:
        """One alarm, or None."""
        found = self._select(AlarmRow.id == alarm_id)
        return found[0] if found else None

    def add_alarm(self, username: str, kind: AlarmKind, started: datetime,
                  detail: Mapping[str, Any], raised_at: datetime) -> CollectorAlarm | None:
        """Raise an alarm; None when this one (collector, kind, start) exists already."""
        try:
            with self._engine.begin() as conn:
                result = conn.execute(insert(AlarmRow).values(
                    username=username, kind=kind.value, started_at=started, ended_at=None,
                    raised_at=raised_at, detail=dict(detail)))
                key = result.inserted_primary_key
                assert key is not None
                new_id = int(key[0])
        except IntegrityError:
            return None  # another worker raised it first
        return CollectorAlarm(new_id, username, kind, started, None, raised_at,
                              detail=dict(detail))

    def end_alarm(self, alarm_id: int, ended: datetime) -> None:
        """Close an open alarm at ``ended`` (an ended one keeps its end)."""
        with self._engine.begin() as conn:
            conn.execute(update(AlarmRow).where(AlarmRow.id == alarm_id,
                                                AlarmRow.ended_at.is_(None))
                         .values(ended_at=ended))

    def acknowledge(self, alarm_id: int, by: str, at: datetime) -> CollectorAlarm | None:
        """Mark an alarm acknowledged; None when it was already (or does not exist)."""
        with self._engine.begin() as conn:
            done = conn.execute(update(AlarmRow).where(AlarmRow.id == alarm_id,
                                                       AlarmRow.acknowledged_at.is_(None))
                                .values(acknowledged_by=by, acknowledged_at=at))
        return self.get_alarm(alarm_id) if done.rowcount else None
