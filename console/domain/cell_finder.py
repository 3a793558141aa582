"""The grid cell of many points: :func:`~console.domain.geo.locate` with a bucket index.

``locate`` scans every cell (a bounding-box test, then the exact one), which suits one desk
lookup; a gazetteer import asks for 100 000 points.  :class:`CellFinder` files each cell under
the squares of a coarse raster its bounding box touches, so a point is tested only against the
few cells of its square — in the grid's own order, so a point on a shared edge gets the cell
``locate`` gives it.
"""

from __future__ import annotations

from collections.abc import Iterable

from console.domain.geo import locate, ring_bbox
from console.domain.reference import GridCell

#: Squares per side of the raster (a county's few hundred cells: a handful per square).
SIDE = 64


class CellFinder:
    """Which cell holds a point, for many points.

    Parameters
    ----------
    cells : iterable of GridCell
        The centre's grid (cells with fewer than three vertices are never found, as in
        ``locate``).
    """

    def __init__(self, cells: Iterable[GridCell]) -> None:
        self._cells = [c for c in cells if len(c.polygon) >= 3]
        self._squares: dict[tuple[int, int], list[GridCell]] = {}
        if not self._cells:
            self._box = (0.0, 0.0, 0.0, 0.0)
            return
        boxes = [ring_bbox(c.polygon) for c in self._cells]
        self._box = (min(b[0] for b in boxes), max(b[1] for b in boxes),
                     min(b[2] for b in boxes), max(b[3] for b in boxes))
        for cell, (x0, x1, y0, y1) in zip(self._cells, boxes, strict=True):
            (i0, j0), (i1, j1) = self._square(x0, y0), self._square(x1, y1)
            for i in range(i0, i1 + 1):
                for j in range(j0, j1 + 1):
                    self._squares.setdefault((i, j), []).append(cell)

    def _square(self, lon: float, lat: float) -> tuple[int, int]:
        x0, x1, y0, y1 = self._box
        i = int((lon - x0) / (x1 - x0) * SIDE) if x1 > x0 else 0
        j = int((lat - y0) / (y1 - y0) * SIDE) if y1 > y0 else 0
        return min(max(i, 0), SIDE - 1), min(max(j, 0), SIDE - 1)

    @property
    def bounds(self) -> tuple[float, float, float, float] | None:
        """The grid's box as (west, south, east, north), or None for an empty grid."""
        if not self._cells:
            return None
        x0, x1, y0, y1 = self._box
        return x0, y0, x1, y1

    def cell(self, lon: float, lat: float) -> GridCell | None:
        """The cell holding the point (as :func:`~console.domain.geo.locate`), or None."""
        x0, x1, y0, y1 = self._box
        if not self._cells or lon < x0 or lon > x1 or lat < y0 or lat > y1:
            return None
        return locate(lon, lat, self._squares.get(self._square(lon, lat), ()))
