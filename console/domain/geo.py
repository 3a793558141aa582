"""Plane-and-sphere helpers for grid cells: point in polygon, distances, bounding boxes, lookup.

Coordinates are (lon, lat) in degrees, WGS84 / CGCS2000 (the two differ by centimetres, far below
the size of a 单元网格).  Pure Python: no shapely, no I/O.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

from console.domain.reference import GridCell

#: Mean Earth radius (IUGG R1) in metres; haversine error against the ellipsoid is < 0.5 %.
EARTH_RADIUS_M = 6_371_008.8

__all__ = [
    "EARTH_RADIUS_M",
    "bbox_around",
    "haversine_m",
    "locate",
    "neighbours",
    "point_in_polygon",
    "ring_bbox",
    "rings_touch",
]


def point_in_polygon(lon: float, lat: float, ring: Sequence[tuple[float, float]]) -> bool:
    """Whether a point lies inside a simple polygon (ray casting / crossing number).

    Parameters
    ----------
    lon, lat : float
        The point, degrees.
    ring : sequence of (lon, lat)
        The polygon's outer ring; it may be closed (first == last) or open.

    Returns
    -------
    bool
        True inside.  Edges follow the half-open convention of the crossing-number test: for an
        axis-aligned cell [west, east) x [south, north), the west and south edges belong to the cell
        and the east and north edges do not, so a point on an edge shared by two neighbouring cells
        belongs to exactly one of them.

    Notes
    -----
    Treating degrees as plane coordinates is exact enough for cells of a few hundred metres; no
    cell crosses the antimeridian in a Chinese county.
    """
    n = len(ring)
    if n < 3:
        return False
    inside = False
    x0, y0 = ring[-1]
    for x1, y1 in ring:
        # Does the horizontal ray to the east of the point cross edge (x0,y0)-(x1,y1)?
        # The strict/non-strict pair (y1 > lat) != (y0 > lat) counts a vertex once, not twice.
        if (y1 > lat) != (y0 > lat):
            x_cross = x1 + (lat - y1) * (x0 - x1) / (y0 - y1)
            if lon < x_cross:
                inside = not inside
        x0, y0 = x1, y1
    return inside


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two points given in degrees.

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : float
        The two points, degrees.

    Returns
    -------
    float
        Distance in metres on a sphere of radius :data:`EARTH_RADIUS_M`.
    """
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    # min() guards against a rounding overshoot above 1 for antipodal points.
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def bbox_around(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A box in degrees that contains every point within ``radius_m`` of (lon, lat).

    Parameters
    ----------
    lon, lat : float
        The centre, degrees.
    radius_m : float
        Radius in metres (>= 0).

    Returns
    -------
    tuple of float
        ``(lon_min, lon_max, lat_min, lat_max)``.  Latitudes are clamped to [-90, 90]; when the circle
        reaches a pole the box spans all longitudes (-180, 180).  Longitudes are not wrapped.

    Notes
    -----
    The longitude half-width is the exact extent of a spherical cap, asin(sin d / cos lat), not the
    flat approximation d / cos lat, which is slightly too small away from the equator and would let a
    prefilter drop true neighbours.
    """
    if radius_m < 0:
        raise ValueError("radius_m must be >= 0")
    d = radius_m / EARTH_RADIUS_M  # angular radius
    dlat = math.degrees(d)
    lat_min, lat_max = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    cos_lat = math.cos(math.radians(lat))
    if d >= math.pi / 2 or cos_lat <= math.sin(d):
        return (-180.0, 180.0, lat_min, lat_max)
    dlon = math.degrees(math.asin(math.sin(d) / cos_lat))
    return (lon - dlon, lon + dlon, lat_min, lat_max)


def ring_bbox(ring: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    """The bounding box ``(lon_min, lon_max, lat_min, lat_max)`` of a ring."""
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return (min(lons), max(lons), min(lats), max(lats))


def locate(lon: float, lat: float, grids: Iterable[GridCell]) -> GridCell | None:
    """The grid cell that contains a point, or None.

    Parameters
    ----------
    lon, lat : float
        The point, degrees.
    grids : iterable of GridCell
        Candidate cells (a county holds a few thousand; a linear scan with a bbox test is fast
        enough for a desk lookup).

    Returns
    -------
    GridCell or None
        The first cell whose polygon contains the point (see :func:`point_in_polygon` for points on
        shared edges), or None outside every cell.
    """
    for cell in grids:
        if len(cell.polygon) < 3:
            continue
        lon_min, lon_max, lat_min, lat_max = ring_bbox(cell.polygon)
        # Cheap rejection first; the exact test runs only for the few cells whose box holds the point.
        if lon < lon_min or lon > lon_max or lat < lat_min or lat > lat_max:
            continue
        if point_in_polygon(lon, lat, cell.polygon):
            return cell
    return None


#: Two cells closer than this (degrees, ≈ 1 m) share a border: surveyed grids have gaps of
#: rounding between neighbours, never a metre.
TOUCH_TOLERANCE = 1e-5


def _segments(ring: Sequence[tuple[float, float]]) -> list[tuple[tuple[float, float],
                                                                 tuple[float, float]]]:
    pts = list(ring)
    if pts and pts[0] != pts[-1]:
        pts.append(pts[0])
    return list(itertools.pairwise(pts))


def _point_segment_distance(p: tuple[float, float], a: tuple[float, float],
                            b: tuple[float, float]) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def rings_touch(first: Sequence[tuple[float, float]], second: Sequence[tuple[float, float]],
                tolerance: float = TOUCH_TOLERANCE) -> bool:
    """Whether two polygons share a border or a corner (or overlap), within ``tolerance``."""
    a_lon0, a_lon1, a_lat0, a_lat1 = ring_bbox(first)
    b_lon0, b_lon1, b_lat0, b_lat1 = ring_bbox(second)
    if (a_lon0 > b_lon1 + tolerance or b_lon0 > a_lon1 + tolerance
            or a_lat0 > b_lat1 + tolerance or b_lat0 > a_lat1 + tolerance):
        return False
    # A vertex of one on (or near) an edge of the other: shared borders and corners of grid
    # cells always meet this way; one inside the other counts as touching too.
    for ring, other in ((first, second), (second, first)):
        for point in ring:
            if point_in_polygon(point[0], point[1], other):
                return True
            if any(_point_segment_distance(point, a, b) <= tolerance
                   for a, b in _segments(other)):
                return True
    return False


def neighbours(cell: GridCell, cells: Iterable[GridCell]) -> list[GridCell]:
    """The cells that share a border or a corner with ``cell``, in code order."""
    return sorted((c for c in cells if c.code != cell.code and rings_touch(cell.polygon, c.polygon)),
                  key=lambda c: c.code)
