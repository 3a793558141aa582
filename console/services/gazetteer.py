"""The gazetteer's use cases: import a 门牌 / POI file, search it as an operator types.

The store is a port (:class:`GazetteerStore`, ``db.gazetteer_repo`` implements it) reached
through the unit of work (:class:`GazetteerUnitOfWork`).  Places are only ever added, so the
newest id says whether a search's in-memory index is current (:class:`GazetteerSearch`
checks it per search: one indexed query) — an import at another desk or on the server is
seen at the next keystroke.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from console.domain.cases import Actor
from console.domain.cell_finder import CellFinder
from console.domain.coords import Crs
from console.domain.errors import ValidationError
from console.domain.gazetteer import DEFAULT_LIMIT, Place, PlaceIndex
from console.domain.gazetteer_rows import NewPlace, QuarantinedRow, read_rows
from console.services.centre import Centre
from console.services.uow import UnitOfWork

#: The most places one search may ask for.
MAX_LIMIT = 50
#: The longest search text taken (a pasted paragraph is no address).
MAX_TEXT = 100


class GazetteerStore(Protocol):
    """The stored places (``gazetteer_places``)."""

    def version(self) -> int:
        """The newest place's id (0 when there is none): it changes with every import."""
        ...

    def places(self) -> list[Place]:
        """Every place."""
        ...

    def keys(self) -> set[str]:
        """Every place's duplicate key (:func:`~console.domain.gazetteer.place_key`)."""
        ...

    def add(self, places: Sequence[NewPlace], source: str, crs: str, by: str,
            at: datetime) -> None:
        """Store new places (the caller commits)."""
        ...


class GazetteerUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also reaches the gazetteer."""

    gazetteer: GazetteerStore


@dataclass(frozen=True, slots=True)
class GazetteerHit:
    """A place found: where it is (WGS-84), its grid cell, and how it was found."""

    id: int
    name: str
    address: str
    lon: float
    lat: float
    #: The grid cell holding the point (None: the grid changed and no cell holds it now).
    cell: str | None
    #: ``name``, ``initials``, ``address`` or ``fuzzy`` (console.domain.gazetteer.PlaceMatch).
    match: str
    score: float


@dataclass(frozen=True, slots=True)
class GazetteerImport:
    """What an import did (or, in a dry run, would do)."""

    landed: int
    quarantined: list[QuarantinedRow]
    kept: bool
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as ``--json`` prints it."""
        return {"landed": self.landed, "quarantined": len(self.quarantined), "kept": self.kept,
                "reasons": dict(self.counts),
                "rows": [{"row": q.row, "name": q.name, "reason": q.reason.value,
                          "detail": q.detail, "text": q.text} for q in self.quarantined]}


def import_places(uow_factory: Callable[[], GazetteerUnitOfWork], centre: Centre,
                  headers: Sequence[str], rows: Sequence[tuple[int, Sequence[Any]]], crs: Crs,
                  *, keep: bool, source: str, actor: Actor, now: datetime) -> GazetteerImport:
    """Read a file's rows into the gazetteer: every row lands or is quarantined with a reason.

    ``keep`` False is a dry run: the same report, nothing stored.  A file without the name,
    longitude or latitude column is refused whole (ValidationError, one line).
    """
    with uow_factory() as uow:
        reading = read_rows(headers, rows, crs, CellFinder(centre.ref.grids.values()),
                            uow.gazetteer.keys())
        if keep and reading.places:
            uow.gazetteer.add(reading.places, source, crs.value, actor.user, now)
            uow.commit()
    counts = Counter(q.reason.value for q in reading.quarantined)
    return GazetteerImport(len(reading.places), reading.quarantined, keep, dict(counts))


def checked_query(text: str, limit: int) -> tuple[str, int]:
    """The text and limit of a search, or ValidationError (one line) for unusable ones."""
    if not isinstance(text, str):
        raise ValidationError("text 应为文字 / text must be a string")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit 应在 1–{MAX_LIMIT} 之间 / limit must be 1–{MAX_LIMIT}")
    return text.strip()[:MAX_TEXT], limit


class GazetteerSearch:
    """The in-memory index of the stored places, rebuilt when an import added some.

    One instance serves every seat of a process (the server's request threads too): the
    rebuild holds a lock, a search reads the index it finds.

    Parameters
    ----------
    uow_factory : callable
        Units of work reaching the gazetteer.
    """

    def __init__(self, uow_factory: Callable[[], GazetteerUnitOfWork]) -> None:
        self._uow = uow_factory
        self._lock = threading.Lock()
        self._version = -1
        self._index = PlaceIndex(())
        self._cells: tuple[Centre, CellFinder] | None = None

    def index(self) -> PlaceIndex:
        """The index of the places stored now (rebuilt when the newest id moved)."""
        with self._uow() as uow:
            version = uow.gazetteer.version()
            if version == self._version:
                return self._index
            with self._lock:
                if version != self._version:
                    self._index = PlaceIndex(uow.gazetteer.places())
                    self._version = version
                return self._index

    def search(self, centre: Centre, text: str, limit: int = DEFAULT_LIMIT
               ) -> list[GazetteerHit]:
        """The best places for ``text``, each with the grid cell that holds it now."""
        text, limit = checked_query(text, limit)
        if not text:
            return []
        found = self.index().search(text, limit)
        finder = self._finder(centre)
        out = []
        for hit in found:
            p = hit.place
            cell = finder.cell(p.lon, p.lat)
            out.append(GazetteerHit(p.id, p.name, p.address, p.lon, p.lat,
                                    cell.code if cell is not None else None, hit.match.value,
                                    round(hit.score, 1)))
        return out

    def finder(self, centre: Centre) -> CellFinder:
        """Which cell holds a point, for this centre's grid."""
        return self._finder(centre)

    def _finder(self, centre: Centre) -> CellFinder:
        # Built once per centre (a new one after an administrator's change of the grid).
        cells = self._cells
        if cells is None or cells[0] is not centre:
            cells = (centre, CellFinder(centre.ref.grids.values()))
            self._cells = cells
        return cells[1]
