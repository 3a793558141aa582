"""A centre's own survey into its reference data: ``grid import`` and ``components import``.

Both are administrator's changes of reference data and go the way the administrator's window
goes (docs/admin.md): checked whole first, written in one transaction with a row in the
chained admin log — whose moving head makes every ``citydesk server`` process reload its
reference data (console/server/reference_watch.py) — and remembered in the settings row
``admin_edits`` (``imports``), so a later ``citydesk init`` leaves the imported grid or
inventory alone instead of writing the centre folder's files back over it.

A grid import replaces the stored grid: cells added, changed, removed.  Cases keep the cell
they were reported in; the report lists the open cases whose position now lies in another cell.
Stored components move to the cell their position lies in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from console.domain.cases import Actor
from console.domain.cell_finder import CellFinder
from console.domain.component_rows import ComponentReading, Lookups, Position, read_components
from console.domain.errors import ValidationError
from console.domain.grid_checks import GridDiff, GridProblem, grid_diff, grid_problems
from console.domain.reference import GridCell, ReferenceSet
from console.services.admin import require_admin
from console.services.admin_trail import record
from console.services.uow import UnitOfWork

#: ``admin_edits`` entry naming the tables an import owns (``grids``, ``components``).
IMPORTS = "imports"
#: Open cases listed by name in a report (the rest are counted).
MAX_MOVED_LISTED = 200


@dataclass(frozen=True, slots=True)
class PlacedCase:
    """An open case with a position: where it was reported and which cell holds it."""

    id: int
    case_no: str
    grid: str | None
    lon: float
    lat: float


class SurveyStore(Protocol):
    """The writes and reads of an import beyond the reference repository's upserts."""

    def replace_grids(self, cells: Sequence[GridCell]) -> tuple[int, int]:
        """Make the grid exactly ``cells``; returns (rows inserted or updated, rows deleted)."""
        ...

    def open_placed_cases(self) -> list[PlacedCase]:
        """Every open case that has coordinates."""
        ...


class SurveyUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also reaches the survey store."""

    survey: SurveyStore


class GridRefusedError(ValidationError):
    """The grid file has problems: one line each, nothing written."""

    def __init__(self, problems: Sequence[GridProblem | str]) -> None:
        self.lines = [p if isinstance(p, str) else p.line for p in problems]
        super().__init__(self.lines[0] + (f"（另有 {len(self.lines) - 1} 处问题）"
                                          if len(self.lines) > 1 else ""))


@dataclass(frozen=True, slots=True)
class MovedCase:
    """An open case whose position now lies in another cell (or in none)."""

    case_no: str
    grid: str | None
    now: str | None


@dataclass(frozen=True, slots=True)
class GridImport:
    """What a grid import did (or, in a dry run, would do)."""

    diff: GridDiff
    moved: list[MovedCase]
    components_moved: int
    components_outside: list[str]
    collectors_on_removed: dict[str, list[str]]
    kept: bool

    def as_dict(self) -> dict[str, Any]:
        """The report as ``--json`` prints it."""
        d = self.diff
        return {"added": list(d.added), "changed": list(d.changed), "removed": list(d.removed),
                "unchanged": d.unchanged, "kept": self.kept,
                "open_cases_moving": [{"case_no": m.case_no, "grid": m.grid, "now": m.now}
                                      for m in self.moved],
                "components_moved": self.components_moved,
                "components_outside": self.components_outside,
                "collectors_on_removed_cells": self.collectors_on_removed}


def fill_names(cells: Sequence[GridCell], stored: ReferenceSet) -> list[GridCell]:
    """Street and community names the file left out, from the stored cells of the same codes.

    A file of cell polygons often carries only codes; the stored grid (or an earlier import)
    already names the streets and communities.  A code nobody named keeps its code as name.
    """
    streets: dict[str, tuple[str, str]] = {}
    communities: dict[str, tuple[str, str]] = {}
    for old in stored.grids.values():
        streets.setdefault(old.street_code, (old.street, old.street_en))
        communities.setdefault(old.community_code, (old.community, old.community_en))
    out = []
    for cell in cells:
        street, street_en = streets.get(cell.street_code, (cell.street_code, ""))
        community, community_en = communities.get(cell.community_code,
                                                  (cell.community_code, ""))
        out.append(replace(
            cell, street=cell.street or street, street_en=cell.street_en or street_en,
            community=cell.community or community,
            community_en=cell.community_en or community_en))
    return out


def import_grid(uow_factory: Callable[[], SurveyUnitOfWork], actor: Actor,
                cells: Sequence[tuple[int, GridCell]], given: dict[int, dict[str, str]],
                *, keep: bool, source: str, crs: str,
                earlier: Sequence[GridProblem] = ()) -> GridImport:
    """Check a converted grid and, with ``keep``, make it the centre's grid.

    ``earlier`` are the features the reader could not use (no code, not a closed polygon).
    Raises :class:`GridRefusedError` (every problem, one line each) before anything is written.
    """
    require_admin(actor)
    with uow_factory() as uow:
        stored = uow.reference.load()
        problems = [*earlier, *grid_problems(cells, stored.config.county_code, given)]
        if problems:
            raise GridRefusedError(problems)
        new = fill_names([c for _, c in cells], stored)
        diff = grid_diff(stored.grids.values(), new)
        finder = CellFinder(new)
        moved = []
        for case in uow.survey.open_placed_cases():
            cell = finder.cell(case.lon, case.lat)
            now = None if cell is None else cell.code
            if now != case.grid:
                moved.append(MovedCase(case.case_no, case.grid, now))
        relocated, outside = [], []
        for comp in stored.components.values():
            cell = finder.cell(comp.lon, comp.lat)
            if cell is None:
                outside.append(comp.id)
            elif cell.code != comp.grid:
                relocated.append(replace(comp, grid=cell.code))
        removed = set(diff.removed)
        collectors = {u.username: sorted(set(u.grids) & removed)
                      for u in stored.users.values() if set(u.grids) & removed}
        if keep:
            uow.survey.replace_grids(new)
            uow.reference.upsert_components(relocated)
            uow.reference.mark_edited(IMPORTS, ["grids"])
            record(uow, actor, "grid-import", "grid_cells", source,
                   {"crs": crs, "added": len(diff.added), "changed": len(diff.changed),
                    "removed": len(diff.removed), "components_moved": len(relocated)})
            uow.commit()
    return GridImport(diff, moved, len(relocated), sorted(outside), collectors, keep)


@dataclass(frozen=True, slots=True)
class ComponentImport:
    """What a components import did (or, in a dry run, would do)."""

    added: int
    changed: int
    reading: ComponentReading
    kept: bool
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as ``--json`` prints it."""
        return {"landed": len(self.reading.components), "added": self.added,
                "changed": self.changed, "quarantined": len(self.reading.quarantined),
                "kept": self.kept, "reasons": dict(self.reasons),
                "rows": [{"row": q.row, "id": q.id, "reason": q.reason.value,
                          "detail": q.detail, "text": q.text}
                         for q in self.reading.quarantined]}


def import_components(uow_factory: Callable[[], SurveyUnitOfWork], actor: Actor,
                      rows: Sequence[tuple[int, Mapping[str, Any], Position]],
                      headings: Sequence[str],
                      find_category: Callable[[str], Sequence[str]],
                      *, keep: bool, source: str, crs: str) -> ComponentImport:
    """Sort a survey's rows and, with ``keep``, add or update the landed components by id.

    A file without an id column is refused whole (ValidationError, one line).
    """
    require_admin(actor)
    from console.domain.component_rows import columns

    if "id" not in columns(headings):
        raise ValidationError("表头缺少部件标识码列（id、GLBJBSM、ObjID 或 部件标识码）/ "
                              "missing the id column")
    with uow_factory() as uow:
        stored = uow.reference.load()
        look = Lookups(stored.categories, stored.units, CellFinder(stored.grids.values()),
                       find_category, stored.config.county_code)
        reading = read_components(rows, headings, look)
        added = sum(1 for c in reading.components if c.id not in stored.components)
        changed = sum(1 for c in reading.components
                      if c.id in stored.components and stored.components[c.id] != c)
        if keep and (added or changed):
            uow.reference.upsert_components(reading.components)
            uow.reference.mark_edited(IMPORTS, ["components"])
            record(uow, actor, "components-import", "components", source,
                   {"crs": crs, "added": added, "changed": changed,
                    "quarantined": len(reading.quarantined)})
            uow.commit()
    reasons: dict[str, int] = {}
    for q in reading.quarantined:
        reasons[q.reason.value] = reasons.get(q.reason.value, 0) + 1
    return ComponentImport(added, changed, reading, keep, reasons)
