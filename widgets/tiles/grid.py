"""Tile arithmetic of the two tile matrices the map draws: Web Mercator and geographic.

``w`` is the Web-Mercator (EPSG:3857) matrix of XYZ/"slippy map" tiles and of 天地图's ``w``
matrix set: at zoom z the world is 2^z × 2^z tiles of 256 px, column x from -180° eastwards,
row y from the top (about 85.0511° N) southwards.  ``c`` is 天地图's geographic matrix set
(EPSG:4490, CGCS2000 lon/lat, which differs from WGS-84 by centimetres): at zoom z the world is
2^z × 2^(z-1) tiles of 360 / 2^z degrees, origin top-left at (-180°, 90°).  天地图's published
capabilities (``https://t0.tianditu.gov.cn/vec_c/wmts?request=GetCapabilities&service=wmts``)
list TileMatrix 1 of set ``c`` with TopLeftCorner ``90.0 -180.0``, MatrixWidth 2, MatrixHeight 1,
and set ``w``'s TileMatrix 1 with TopLeftCorner ``-20037508.3427892 20037508.3427892`` and
2 × 2 tiles — the XYZ numbering.  Levels start at 1 on 天地图; XYZ starts at 0.

A bounding box is ``(west, south, east, north)`` in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Literal

__all__ = [
    "MATRICES",
    "MERCATOR_MAX_LAT",
    "TILE_PX",
    "Matrix",
    "matrix_size",
    "tile_at",
    "tile_bounds",
    "tiles_in_bbox",
    "zoom_for_scale",
]

Matrix = Literal["w", "c"]
MATRICES: tuple[Matrix, ...] = ("w", "c")
TILE_PX = 256
#: The latitude where the Web-Mercator square ends: atan(sinh(π)).
MERCATOR_MAX_LAT = math.degrees(math.atan(math.sinh(math.pi)))
Bounds = tuple[float, float, float, float]


def matrix_size(matrix: Matrix, z: int) -> tuple[int, int]:
    """(columns, rows) of the matrix at zoom ``z`` (``c`` needs z ≥ 1: level 0 has half a row)."""
    if matrix == "w":
        return 1 << z, 1 << z
    if z < 1:
        raise ValueError("matrix set c starts at level 1")
    return 1 << z, 1 << (z - 1)


def _mercator_lat(row: float, z: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / (1 << z)))))


def tile_bounds(matrix: Matrix, z: int, x: int, y: int) -> Bounds:
    """(west, south, east, north) of tile (z, x, y) in degrees."""
    columns, _ = matrix_size(matrix, z)
    west = x / columns * 360.0 - 180.0
    east = (x + 1) / columns * 360.0 - 180.0
    if matrix == "w":
        return west, _mercator_lat(y + 1, z), east, _mercator_lat(y, z)
    span = 360.0 / columns
    return west, 90.0 - (y + 1) * span, east, 90.0 - y * span


def _fraction(matrix: Matrix, z: int, lon: float, lat: float) -> tuple[float, float]:
    """Position of (lon, lat) in tile units (column, row), not yet floored or clamped."""
    columns, rows = matrix_size(matrix, z)
    fx = (lon + 180.0) / 360.0 * columns
    if matrix == "w":
        lat = max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, lat))
        rad = math.radians(lat)
        fy = (1 - math.asinh(math.tan(rad)) / math.pi) / 2 * rows
    else:
        fy = (90.0 - lat) / 180.0 * rows
    return fx, fy


def tile_at(matrix: Matrix, z: int, lon: float, lat: float) -> tuple[int, int]:
    """(x, y) of the tile holding (lon, lat); a point on an edge belongs to the tile east/south."""
    columns, rows = matrix_size(matrix, z)
    fx, fy = _fraction(matrix, z, lon, lat)
    return min(max(math.floor(fx), 0), columns - 1), min(max(math.floor(fy), 0), rows - 1)


def tile_range(matrix: Matrix, z: int, bbox: Bounds) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), inclusive, of the tiles covering ``bbox`` at zoom ``z``."""
    west, south, east, north = bbox
    x0, y0 = tile_at(matrix, z, west, north)
    # The east and south edges: a box ending exactly on a tile edge does not take the next tile.
    columns, rows = matrix_size(matrix, z)
    fx, fy = _fraction(matrix, z, east, south)
    x1 = min(max(math.ceil(fx) - 1, x0), columns - 1)
    y1 = min(max(math.ceil(fy) - 1, y0), rows - 1)
    return x0, y0, x1, y1


def tiles_in_bbox(matrix: Matrix, z: int, bbox: Bounds) -> Iterator[tuple[int, int]]:
    """Every (x, y) covering ``bbox`` at zoom ``z``, row by row from the north-west."""
    x0, y0, x1, y1 = tile_range(matrix, z, bbox)
    for y in range(y0, y1 + 1):
        for x in range(x0, x1 + 1):
            yield x, y


def tile_count(matrix: Matrix, z: int, bbox: Bounds) -> int:
    """How many tiles :func:`tiles_in_bbox` yields."""
    x0, y0, x1, y1 = tile_range(matrix, z, bbox)
    return (x1 - x0 + 1) * (y1 - y0 + 1)


def zoom_for_scale(matrix: Matrix, px_per_degree_lon: float, lat: float,
                   low: int, high: int) -> int:
    """The zoom whose tiles are drawn closest to 1:1 when a degree of longitude is this many
    pixels wide on screen, between ``low`` and ``high``.

    A tile is 360 / 2^z degrees of longitude wide in both matrices, so 256 px a tile means
    2^z = 360 · px_per_degree / 256; ``lat`` is unused today (both matrices' columns are equal
    in longitude) and kept so that a matrix whose widths vary could use it.
    """
    del lat
    if px_per_degree_lon <= 0:
        return low
    # Round up from 0.7 so tiles are shrunk rather than blown up (sharper labels).
    z = math.floor(math.log2(360.0 * px_per_degree_lon / TILE_PX) + 0.3)
    return min(max(z, low), high)
