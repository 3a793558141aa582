"""The gazetteer's places in ``gazetteer_places`` (``console.services.gazetteer.GazetteerStore``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from console.domain.gazetteer import Place
from console.domain.gazetteer_rows import NewPlace
from db.tables import GazetteerRow

#: Rows per INSERT (well under SQLite's and PostgreSQL's parameter limits at 11 columns).
_BATCH = 2000


class SqlGazetteerStore:
    """Places on the unit of work's session (revision 0020).

    Parameters
    ----------
    session : Session
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def version(self) -> int:
        """The newest id (0: none); places are only added, so it moves with every import."""
        return int(self._session.scalar(select(func.max(GazetteerRow.id))) or 0)

    def places(self) -> list[Place]:
        """Every place, oldest first."""
        rows = self._session.execute(
            select(GazetteerRow.id, GazetteerRow.name, GazetteerRow.address, GazetteerRow.lon,
                   GazetteerRow.lat, GazetteerRow.initials).order_by(GazetteerRow.id))
        return [Place(*row) for row in rows]

    def keys(self) -> set[str]:
        """Every place's duplicate key."""
        return set(self._session.scalars(select(GazetteerRow.key)))

    def add(self, places: Sequence[NewPlace], source: str, crs: str, by: str,
            at: datetime) -> None:
        """Insert the places in batches (the caller commits)."""
        values = [{"name": p.name, "address": p.address, "lon": p.lon, "lat": p.lat,
                   "initials": p.initials[:100], "key": p.key, "crs": crs,
                   "source": source[:200], "imported_by": by, "imported_at": at}
                  for p in places]
        for i in range(0, len(values), _BATCH):
            self._session.execute(insert(GazetteerRow), values[i:i + _BATCH])
