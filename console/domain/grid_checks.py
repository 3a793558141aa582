"""Checking a centre's own 单元网格 before it replaces the stored grid.

GB/T 30428.1 asks for closed polygons that tile the area "无缝拼接" (no gaps, no overlaps), each
with a 15-digit code: the county's 6 digits (GB/T 2260), 3 for the street or town, 3 for the
community or village, 3 for the cell.  :func:`grid_problems` says what is wrong with a
converted grid (WGS-84 rings), one line a problem, each naming the feature and — for overlaps
and gaps — the area in m² and a lon/lat inside it, so a surveyor can find it.

Areas are measured on a local plane around the grid (metres east and north of its middle): a
county's extent is a few tens of kilometres, where the plane's scale error stays below 0.1 %.
shapely does the geometry (validity with GEOS's own reason, overlaps through an STR tree, the
union's holes for gaps), as :mod:`console.domain.on_duty` already uses it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import shapely
from shapely.geometry import Polygon
from shapely.validation import explain_validity

from console.domain.geo import EARTH_RADIUS_M
from console.domain.reference import GridCell

#: Overlaps and gaps smaller than this (m²) are drawing noise, not a problem.
MIN_AREA_M2 = 1.0
#: The most problems of one kind listed (a wholly wrong file would print thousands).
MAX_LISTED = 50


@dataclass(frozen=True, slots=True)
class GridProblem:
    """One thing wrong with an imported grid: where (feature number, code) and what."""

    feature: int | None
    code: str
    text: str

    @property
    def line(self) -> str:
        """``第 3 个要素（330824001001003）：…`` — the one line printed (a gap: its text)."""
        if self.feature is None:
            return self.text  # a gap belongs to no feature: the text says where it is
        code = f"（{self.code}）" if self.code else ""
        return f"第 {self.feature} 个要素{code}：{self.text}"


@dataclass(frozen=True, slots=True)
class Plane:
    """A local plane around ``(lon0, lat0)``: degrees to metres east and north, and back."""

    lon0: float
    lat0: float

    @property
    def _k(self) -> tuple[float, float]:
        k = EARTH_RADIUS_M * math.pi / 180
        return k * math.cos(math.radians(self.lat0)), k

    def polygon(self, ring: Sequence[tuple[float, float]]) -> Polygon:
        """A WGS-84 ring as a polygon in metres."""
        kx, ky = self._k
        return Polygon([((lon - self.lon0) * kx, (lat - self.lat0) * ky) for lon, lat in ring])

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        """A point of the plane as (lon, lat)."""
        kx, ky = self._k
        return self.lon0 + x / kx, self.lat0 + y / ky


def plane_of(cells: Iterable[GridCell]) -> Plane:
    """The plane around the middle of the cells' extent."""
    lons, lats = [], []
    for cell in cells:
        for lon, lat in cell.polygon:
            lons.append(lon)
            lats.append(lat)
    if not lons:
        return Plane(0.0, 0.0)
    return Plane((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)


def code_problems(cell: GridCell, county: str, given: dict[str, str]) -> list[str]:
    """What is wrong with a cell's code, and with the street / community codes ``given``."""
    if not re.fullmatch(r"\d{15}", cell.code):
        return [f"网格编码 {cell.code!r} 应为 15 位数字（县 6 + 街道 3 + 社区 3 + 网格 3）/ a grid "
                "code is 15 digits"]
    if not cell.code.startswith(county):
        return [f"网格编码 {cell.code} 不以本中心的县级代码 {county} 开头 / the code does not "
                f"start with the county code {county}"]
    out = []
    for name, size in (("street_code", 9), ("community_code", 12)):
        value = given.get(name, "")
        if value and value != cell.code[:size]:
            out.append(f"{name} {value} 与网格编码的前 {size} 位 {cell.code[:size]} 不符 / "
                       f"{name} is not the code's first {size} digits")
    return out


def _where(plane: Plane, shape: shapely.Geometry) -> str:
    point = shape.representative_point()
    lon, lat = plane.lonlat(point.x, point.y)
    return f"{lon:.6f}, {lat:.6f}"


def grid_problems(cells: Sequence[tuple[int, GridCell]], county: str,
                  given: dict[int, dict[str, str]] | None = None) -> list[GridProblem]:
    """Every problem of a converted grid: codes, duplicates, validity, overlaps and gaps.

    Parameters
    ----------
    cells : sequence of (feature number, GridCell)
        The grid as read and converted to WGS-84 (outer rings, closed).
    county : str
        The centre's 6-digit county code.
    given : dict, optional
        Per feature number, the street and community codes the file gave (checked against
        the cell code's digits).
    """
    problems: list[GridProblem] = []
    first: dict[str, int] = {}
    for number, cell in cells:
        for text in code_problems(cell, county, (given or {}).get(number, {})):
            problems.append(GridProblem(number, cell.code, text))
        if cell.code in first:
            problems.append(GridProblem(number, cell.code,
                                        f"网格编码与第 {first[cell.code]} 个要素重复 / duplicate code"))
        first.setdefault(cell.code, number)
    plane = plane_of(c for _, c in cells)
    shapes: list[tuple[int, GridCell, Polygon]] = []
    for number, cell in cells:
        shape = plane.polygon(cell.polygon)
        if not shape.is_valid:
            lon_lat = _reason_place(plane, explain_validity(shape))
            problems.append(GridProblem(number, cell.code,
                                        f"多边形无效：{lon_lat} / invalid polygon"))
            continue
        if shape.area < MIN_AREA_M2:
            problems.append(GridProblem(number, cell.code, "多边形面积为零（坐标系选错了？）/ "
                                        "empty polygon (wrong --crs?)"))
            continue
        shapes.append((number, cell, shape))
    problems += _overlaps(plane, shapes)
    problems += _gaps(plane, [s for _, _, s in shapes])
    return problems


def _reason_place(plane: Plane, reason: str) -> str:
    """GEOS's reason (``Self-intersection[x y]``) with the place in lon/lat, not metres."""
    match = re.fullmatch(r"(.*?)\[\s*(\S+)\s+(\S+)\s*\]", reason)
    if match is None:
        return reason
    try:
        lon, lat = plane.lonlat(float(match[2]), float(match[3]))
    except ValueError:
        return reason
    return f"{match[1]}，位于 {lon:.6f}, {lat:.6f}"


def _overlaps(plane: Plane, shapes: list[tuple[int, GridCell, Polygon]]) -> list[GridProblem]:
    if not shapes:
        return []
    tree = shapely.STRtree([s for _, _, s in shapes])
    left, right = tree.query([s for _, _, s in shapes], predicate="intersects")
    out: list[GridProblem] = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        a, b = shapes[i], shapes[j]
        common = a[2].intersection(b[2])
        if common.area < MIN_AREA_M2:
            continue  # a shared edge or corner
        out.append(GridProblem(a[0], a[1].code,
                               f"与第 {b[0]} 个要素（{b[1].code}）重叠 {common.area:,.0f} m²，"
                               f"位于 {_where(plane, common)} / overlaps another cell"))
        if len(out) >= MAX_LISTED:
            break
    return out


def _gaps(plane: Plane, shapes: list[Polygon]) -> list[GridProblem]:
    """Holes inside the grid's union: ground inside the grid that no cell covers."""
    if not shapes:
        return []
    union = shapely.union_all(shapes)
    parts = list(getattr(union, "geoms", [union]))
    out: list[GridProblem] = []
    for part in parts:
        for ring in getattr(part, "interiors", ()):
            hole = Polygon(ring)
            if hole.area < MIN_AREA_M2:
                continue
            out.append(GridProblem(None, "", f"网格之间有 {hole.area:,.0f} m² 的缝隙，位于 "
                                   f"{_where(plane, hole)} / a gap between cells"))
            if len(out) >= MAX_LISTED:
                return out
    return out


@dataclass(frozen=True, slots=True)
class GridDiff:
    """How an imported grid differs from the stored one, by code."""

    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int


def grid_diff(stored: Iterable[GridCell], new: Iterable[GridCell]) -> GridDiff:
    """Cells added, changed (polygon or names) and removed by ``new``."""
    old = {c.code: c for c in stored}
    fresh = {c.code: c for c in new}
    changed = tuple(sorted(code for code, cell in fresh.items()
                           if code in old and _differs(old[code], cell)))
    return GridDiff(
        added=tuple(sorted(set(fresh) - set(old))), changed=changed,
        removed=tuple(sorted(set(old) - set(fresh))),
        unchanged=sum(1 for code in fresh if code in old) - len(changed))


def _differs(a: GridCell, b: GridCell) -> bool:
    if (a.name, a.street, a.community, a.street_code, a.community_code) != (
            b.name, b.street, b.community, b.street_code, b.community_code):
        return True
    if len(a.polygon) != len(b.polygon):
        return True
    # Stored rings come back through JSON: compare to a millimetre, not bit for bit.
    return any(abs(p[0] - q[0]) > 1e-8 or abs(p[1] - q[1]) > 1e-8
               for p, q in zip(a.polygon, b.polygon, strict=True))
