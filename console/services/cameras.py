"""The camera registry's use cases: import a file, list cameras, find those near a case.

The store is a port (:class:`CameraStore`, ``db.camera_repo`` implements it) reached through
the unit of work (:class:`CameraUnitOfWork`), as the gazetteer's is.  An import is all or
nothing: one bad row and the report lists every problem while nothing is stored; a code
already stored is updated (its online state kept), a new one added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from console.domain.camera_rows import NewCamera, RowProblem, read_rows
from console.domain.cameras import DEFAULT_RADIUS_M, Camera, NearCamera, check_radius, rank_near
from console.domain.cases import Actor
from console.domain.cell_finder import CellFinder
from console.domain.coords import Crs
from console.domain.errors import NotFoundError, ValidationError
from console.domain.geo import bbox_around, neighbours
from console.services.access import scoped_factory
from console.services.cases import find_case
from console.services.centre import Centre
from console.services.uow import UnitOfWork


class CameraStore(Protocol):
    """The registry (``cameras``) and the snapshot columns of ``photos``."""

    def find(self, group: str | None = None, cell: str | None = None) -> list[Camera]:
        """Cameras by code, of a group and/or a cell when given."""
        ...

    def in_box(self, lon_min: float, lon_max: float, lat_min: float,
               lat_max: float) -> list[Camera]:
        """Cameras inside a longitude/latitude box."""
        ...

    def in_cells(self, cells: Iterable[str]) -> list[Camera]:
        """Cameras of these grid cells."""
        ...

    def get(self, code: str) -> Camera | None:
        """The camera with this code, or None."""
        ...

    def groups(self) -> list[str]:
        """The groups that have cameras, sorted (no empty group)."""
        ...

    def codes(self) -> set[str]:
        """Every stored code."""
        ...

    def upsert(self, cameras: Sequence[NewCamera], crs: str, by: str,
               at: datetime) -> tuple[int, int]:
        """Add new codes, update stored ones; (added, updated).  The caller commits."""
        ...

    def set_online(self, states: Mapping[str, bool], at: datetime) -> None:
        """Record the online state the worker saw (the caller commits)."""
        ...

    def mark_snapshot(self, photo_id: int, camera_code: str, frame_at: datetime) -> None:
        """Record a stored photo as a frame of this camera at this instant."""
        ...

    def snapshots(self, case_id: int) -> dict[int, tuple[str, datetime]]:
        """The case's video photos: photo id -> (camera code, frame instant)."""
        ...


class CameraUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also reaches the camera registry."""

    cameras: CameraStore


CameraUowFactory = Callable[[], CameraUnitOfWork]


@dataclass(frozen=True, slots=True)
class CameraImport:
    """What an import did (or, in a dry run or with problems, would do)."""

    added: int
    updated: int
    problems: list[RowProblem]
    kept: bool
    cameras: list[NewCamera] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The report as ``--json`` prints it."""
        return {"added": self.added, "updated": self.updated, "kept": self.kept,
                "problems": [{"row": p.row, "code": p.code, "reason": p.reason}
                             for p in self.problems]}


def import_cameras(uow_factory: CameraUowFactory, centre: Centre, headers: Sequence[str],
                   rows: Sequence[tuple[int, Sequence[Any]]], crs: Crs, *, dry_run: bool,
                   actor: Actor, now: datetime) -> CameraImport:
    """Read a registry file's rows: store them all, or (any problem, or a dry run) none.

    A file without a required column is refused whole (ValidationError, one line).
    """
    if not rows:
        raise ValidationError("文件中没有摄像机 / the file holds no cameras")
    reading = read_rows(headers, rows, crs, CellFinder(centre.ref.grids.values()))
    with uow_factory() as uow:
        stored = uow.cameras.codes()
        updated = sum(c.code in stored for c in reading.cameras)
        added = len(reading.cameras) - updated
        keep = not dry_run and not reading.problems
        if keep:
            uow.cameras.upsert(reading.cameras, crs.value, actor.user, now)
            uow.commit()
    return CameraImport(added, updated, reading.problems, keep, reading.cameras)


def list_cameras(uow_factory: CameraUowFactory, *, grid: str | None = None,
                 group: str | None = None) -> list[Camera]:
    """The registry by code, of a cell and/or a group when given."""
    with uow_factory() as uow:
        return uow.cameras.find(group=group, cell=grid)


def camera_groups(uow_factory: CameraUowFactory) -> list[str]:
    """The camera groups a patrol seat rotates through, sorted."""
    with uow_factory() as uow:
        return uow.cameras.groups()


def get_camera(uow_factory: CameraUowFactory, code: str) -> Camera:
    """The camera with this code; NotFoundError (one line) when there is none."""
    with uow_factory() as uow:
        camera = uow.cameras.get(code)
    if camera is None:
        raise NotFoundError(f"摄像机 {code[:64]!r} 不存在 / no such camera")
    return camera


def cameras_near_point(uow_factory: CameraUowFactory, centre: Centre, lon: float | None,
                       lat: float | None, cell: str | None,
                       radius_m: float = DEFAULT_RADIUS_M) -> list[NearCamera]:
    """Cameras within ``radius_m`` of the point and those of its cell and the cells around,
    nearest first.  Without coordinates the cell's centre stands for the point."""
    radius = check_radius(radius_m)
    grid = centre.ref.grids.get(cell) if cell else None
    if lon is None or lat is None:
        if grid is None:
            raise ValidationError("没有位置：既无坐标也无网格 / no place: neither coordinates "
                                  "nor a grid cell")
        lon, lat = grid.centroid
    around = {c.code for c in neighbours(grid, centre.ref.grids.values())} if grid else set()
    with uow_factory() as uow:
        found = {c.code: c for c in uow.cameras.in_box(*bbox_around(lon, lat, radius))}
        cells = ({cell} if cell else set()) | around
        if cells:
            found.update((c.code, c) for c in uow.cameras.in_cells(sorted(cells)))
    return rank_near(found.values(), lon, lat, radius, cell, around)


def cameras_near_case(uow_factory: CameraUowFactory, centre: Centre, actor: Actor,
                      case_ref: int | str, radius_m: float = DEFAULT_RADIUS_M
                      ) -> list[NearCamera]:
    """The cameras that may see a case's place, nearest first (a case the seat may not see
    answers as one that does not exist)."""
    check_radius(radius_m)
    with scoped_factory(uow_factory, actor)() as uow:
        case = find_case(uow, case_ref)
    return cameras_near_point(uow_factory, centre, case.lon, case.lat, case.grid, radius_m)


def record_online(uow_factory: CameraUowFactory, states: Mapping[str, bool],
                  now: datetime) -> None:
    """Store the online states a round of checks found."""
    if states:
        with uow_factory() as uow:
            uow.cameras.set_online(states, now)
            uow.commit()
