"""Counts for the statistics charts, aggregated by the database per UTC hour.

Implements :class:`~console.services.uow.StatsReader`.  A megacity's week holds ~56 k reports
and its last eight weeks ~400 k feedback events: the charts need a few hundred numbers, so the
database counts and Python only moves each hour into the centre's local day and hour.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.tables import EventRow


def utc_hour(session: Session, column: Any = EventRow.occurred_at) -> Any:
    """An instant column's UTC hour: text ``YYYY-MM-DD HH`` on SQLite, a naive UTC timestamp
    on PG (read back with :func:`hour_instant`)."""
    if session.get_bind().dialect.name == "sqlite":  # stored as UTC text: cut the minutes off
        return func.substr(column, 1, 13)
    return func.date_trunc("hour", func.timezone("UTC", column))


def hour_instant(value: Any) -> datetime:
    """The aware UTC hour of a :func:`utc_hour` value."""
    if isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=UTC)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC)


class SqlStatsReader:
    """Hourly counts of the log for one session.

    Parameters
    ----------
    session : Session
        The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def by_hour(self, kind: str, start: datetime,
                end: datetime) -> builtins.list[tuple[datetime, int]]:
        """(UTC hour, events of type ``kind`` logged in it) for ``[start, end)``."""
        hour = utc_hour(self._session)
        stmt = (select(hour, func.count())
                .where(EventRow.type == kind, EventRow.occurred_at >= start,
                       EventRow.occurred_at < end)
                .group_by(hour))
        return [(hour_instant(h), int(n)) for h, n in self._session.execute(stmt)]

    def by_type(self, kinds: Sequence[str], start: datetime,
                end: datetime) -> dict[str, int]:
        """Events of each of ``kinds`` logged in ``[start, end)``."""
        stmt = (select(EventRow.type, func.count())
                .where(EventRow.type.in_(list(kinds)), EventRow.occurred_at >= start,
                       EventRow.occurred_at < end)
                .group_by(EventRow.type))
        return {str(kind): int(n) for kind, n in self._session.execute(stmt)}

    def report_mix(self, start: datetime,
                   end: datetime) -> builtins.list[tuple[str, str, int]]:
        """(source, category, reports) for ``[start, end)``, as each report's event says."""
        source = EventRow.payload["source"].as_string()
        category = EventRow.payload["category"].as_string()
        stmt = (select(source, category, func.count())
                .where(EventRow.type == "report", EventRow.occurred_at >= start,
                       EventRow.occurred_at < end)
                .group_by(source, category))
        return [(s or "", c or "", int(n)) for s, c, n in self._session.execute(stmt)]

    def handled_by_hour(self, start: datetime, end: datetime,
                        ) -> builtins.list[tuple[datetime, str | None, bool, int]]:
        """(UTC hour, unit, on time, feedback events) of timed 处置 feedback in ``[start, end)``."""
        hour = utc_hour(self._session)
        on_time = EventRow.on_time
        stmt = (select(hour, EventRow.unit, on_time, func.count())
                .where(EventRow.type == "feedback", EventRow.on_time.is_not(None),
                       EventRow.occurred_at >= start, EventRow.occurred_at < end)
                .group_by(hour, EventRow.unit, on_time))
        return [(hour_instant(h), u, bool(t), int(n)) for h, u, t, n in self._session.execute(stmt)]



