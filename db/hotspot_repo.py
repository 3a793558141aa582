"""Hotspot aggregates, counted by the database (implements
:class:`~console.services.hotspots.HotspotReader`).

One ``GROUP BY`` over the ``reported_at`` index per figure: both periods of a comparison in
one pass (a ``CASE`` splits them), so a megacity month's choropleth reads a few thousand rows,
never the cases themselves.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from console.domain.hotspots import PlacedReport
from console.services.hotspots import NOT_COUNTED
from db.stats_repo import hour_instant, utc_hour
from db.tables import CaseRow, EventRow

_CHUNK = 1000  # ids per IN list


def _counted(start: datetime, end: datetime,
             categories: Sequence[str]) -> builtins.list[ColumnElement[bool]]:
    where = [CaseRow.reported_at >= start, CaseRow.reported_at < end,
             CaseRow.state.not_in(NOT_COUNTED)]
    if categories:
        where.append(CaseRow.category.in_(list(categories)))
    return where


class SqlHotspotReader:
    """Hotspot counts for one session.

    Parameters
    ----------
    session : Session
        The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def _split(self, split: datetime) -> tuple[Any, Any]:
        now = func.sum(case((CaseRow.reported_at >= split, 1), else_=0))
        before = func.sum(case((CaseRow.reported_at < split, 1), else_=0))
        return now, before

    def first_report(self) -> datetime | None:
        """When the earliest report was made (one read of the reported_at index)."""
        # min() keeps the column's type: the instant comes back aware, as every other read
        value: datetime | None = self._session.scalar(select(func.min(CaseRow.reported_at)))
        return value

    def cell_counts(self, start: datetime, split: datetime, end: datetime,
                    categories: Sequence[str]) -> builtins.list[tuple[str | None, int, int]]:
        """(grid, reports in ``[split, end)``, in ``[start, split)``)."""
        now, before = self._split(split)
        stmt = (select(CaseRow.grid, now, before)
                .where(*_counted(start, end, categories)).group_by(CaseRow.grid))
        return [(g, int(n or 0), int(p or 0)) for g, n, p in self._session.execute(stmt)]

    def category_counts(self, start: datetime, split: datetime, end: datetime,
                        categories: Sequence[str]) -> builtins.list[tuple[str, int, int]]:
        """(category, reports in ``[split, end)``, in ``[start, split)``)."""
        now, before = self._split(split)
        stmt = (select(CaseRow.category, now, before)
                .where(*_counted(start, end, categories)).group_by(CaseRow.category))
        return [(c, int(n or 0), int(p or 0)) for c, n, p in self._session.execute(stmt)]

    def category_hours(self, start: datetime, end: datetime,
                       categories: Sequence[str]) -> builtins.list[tuple[datetime, str, int]]:
        """(UTC hour, category, reports) of ``[start, end)``."""
        hour = utc_hour(self._session, CaseRow.reported_at)
        stmt = (select(hour, CaseRow.category, func.count())
                .where(*_counted(start, end, categories))
                .group_by(hour, CaseRow.category))
        return [(hour_instant(h), c, int(n)) for h, c, n in self._session.execute(stmt)]

    def placed_reports(self, start: datetime, end: datetime,
                       categories: Sequence[str]) -> builtins.list[PlacedReport]:
        """Counted reports of ``[start, end)`` with a position."""
        # Four narrow columns: a megacity month is 230 k rows, and a timestamp each would
        # cost more to parse than the rest (numbers and times are read for the shown only).
        stmt = (select(CaseRow.id, CaseRow.category, CaseRow.lon, CaseRow.lat)
                .where(*_counted(start, end, categories), CaseRow.lon.is_not(None),
                       CaseRow.lat.is_not(None)))
        return [PlacedReport(i, c, lon, lat)
                for i, c, lon, lat in self._session.execute(stmt)
                if lon is not None and lat is not None]

    def repeated_steps(self, kind: str, start: datetime, end: datetime,
                       min_count: int) -> builtins.list[tuple[int, int, int]]:
        """(case id, ``kind`` events up to ``end``, distinct units on them), at least
        ``min_count`` events, the last in ``[start, end)``."""
        n = func.count()
        stmt = (select(EventRow.case_id, n, func.count(EventRow.unit.distinct()))
                .where(EventRow.type == kind, EventRow.occurred_at < end)
                .group_by(EventRow.case_id)
                .having(n >= min_count, func.max(EventRow.occurred_at) >= start)
                .order_by(EventRow.case_id))
        return [(int(c), int(k), int(u)) for c, k, u in self._session.execute(stmt)]

    def case_marks(self, case_ids: Collection[int]) -> dict[int, tuple[str, datetime]]:
        """Each of these cases' number and when it was reported."""
        ids = sorted(set(case_ids))
        out: dict[int, tuple[str, datetime]] = {}
        for i in range(0, len(ids), _CHUNK):
            stmt = select(CaseRow.id, CaseRow.case_no, CaseRow.reported_at).where(
                CaseRow.id.in_(ids[i:i + _CHUNK]))
            out.update((int(c), (no, at)) for c, no, at in self._session.execute(stmt))
        return out
