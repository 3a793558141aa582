"""Hotspots (高发区域 / 高发问题 / 重复点位): the pure arithmetic behind the choropleth.

A supervisor asks where problems pile up.  Counts per grid cell come from the database; what
is decided here is how to read them:

* **Rate per km²**, not per 1,000 cases.  Kaihua's cells run from ~0.01 km² in the old town to
  several km² of villages and fields, so a raw count ranks the big rural cells high for their
  size; a share of the total (per 1,000 cases) only rescales the count and ranks the cells the
  same.  Reports per km² is the density a supervisor can compare between a street corner
  and a village.
* **The previous period of the same length** (``[start - (end - start), start)``) is the one
  to compare with: a month so far against the same number of days before it, not against a
  whole month.
* **Repeat points** (重复点位): the same category reported at least ``k`` times within
  :data:`REPEAT_RADIUS_M` of one place in :data:`REPEAT_WINDOW` — the 50 m a collector's
  "same place" means, the 30 days of a month's patrol.  :func:`find_repeats` proposes places
  square by square and takes the largest first, so every member of a repeat point is within
  the radius of its centre.

Pure: no clock, no I/O.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.domain.geo import EARTH_RADIUS_M

REPEAT_RADIUS_M = 50.0
"""Two reports of a category this close are "the same place"."""

REPEAT_WINDOW = timedelta(days=30)
"""The window repeat points are counted in, ending at the period's end."""

DEFAULT_REPEAT_MIN = 3
"""Reports of a category at one place that make a repeat point, unless configured."""

HOURS_OF_WEEK = 7 * 24


@dataclass(frozen=True, slots=True)
class PlacedReport:
    """A report with a position: what repeat points are found from."""

    case_id: int
    category: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class RepeatGroup:
    """One repeat point: reports of a category within the radius of a place (``lon``, ``lat``:
    the mean of the reports of the square that proposed it)."""

    category: str
    lon: float
    lat: float
    case_ids: tuple[int, ...]  # ascending


def previous_period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The period of the same length just before ``[start, end)``."""
    if end <= start:
        raise ValueError("a period ends after it starts")
    return start - (end - start), start


def ring_area_km2(ring: Sequence[tuple[float, float]]) -> float:
    """Area of a lon/lat ring in km², on a local equirectangular plane.

    A grid cell is at most a few kilometres across, where the plane's error is far below a
    per mille: good enough to divide a count by.
    """
    if len(ring) < 3:
        return 0.0
    lat0 = math.radians(sum(lat for _lon, lat in ring) / len(ring))
    kx = math.radians(1) * EARTH_RADIUS_M * math.cos(lat0)
    ky = math.radians(1) * EARTH_RADIUS_M
    pts = [(lon * kx, lat * ky) for lon, lat in ring]
    twice = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1], strict=True))
    return abs(twice) / 2 / 1e6


def per_km2(count: int, area_km2: float) -> float | None:
    """Reports per km² (None for a cell without an area)."""
    return count / area_km2 if area_km2 > 0 else None


def hour_of_week(local: datetime) -> int:
    """0 (Monday 00–01) to 167 (Sunday 23–24) of a centre-local time."""
    return local.weekday() * 24 + local.hour


def find_repeats(points: Iterable[PlacedReport], min_count: int = DEFAULT_REPEAT_MIN,
                 radius_m: float = REPEAT_RADIUS_M) -> list[RepeatGroup]:
    """Repeat points among ``points`` (already limited to the window), most reports first.

    The reports of each category are put in squares as wide as the radius, on a local plane
    (below a per mille off within a city).  Each occupied square proposes a place — the mean
    of its reports — and the reports of its 3 × 3 squares within the radius of that place;
    the proposals are taken largest first, each report in one repeat point at most, while
    ``min_count`` reports not yet taken remain.  One distance per report and neighbouring
    square, not per pair of reports: a megacity month's 230 k reports in a county's few
    square kilometres would be tens of millions of pairs.
    """
    if min_count < 2:
        raise ValueError("a repeat point needs at least 2 reports")
    pts = sorted(points, key=lambda p: p.case_id)
    if len(pts) < min_count:
        return []
    ky = math.radians(1) * EARTH_RADIUS_M
    kx = ky * math.cos(math.radians(sum(p.lat for p in pts) / len(pts)))
    xs = [p.lon * kx for p in pts]
    ys = [p.lat * ky for p in pts]
    squares: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    for i, p in enumerate(pts):
        squares[(p.category, math.floor(xs[i] / radius_m), math.floor(ys[i] / radius_m))].append(i)
    r2 = radius_m * radius_m
    proposals: list[tuple[list[int], float, float]] = []
    for (category, bx, by), own in squares.items():
        near = [j for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                for j in squares.get((category, bx + dx, by + dy), ())]
        if len(near) < min_count:
            continue
        cx = sum(xs[i] for i in own) / len(own)
        cy = sum(ys[i] for i in own) / len(own)
        members = [j for j in near if (xs[j] - cx) ** 2 + (ys[j] - cy) ** 2 <= r2]
        if len(members) >= min_count:
            proposals.append((sorted(members), cx, cy))
    proposals.sort(key=lambda m: (-len(m[0]), m[0][0]))
    taken = [False] * len(pts)
    groups: list[RepeatGroup] = []
    for members, cx, cy in proposals:
        free = [j for j in members if not taken[j]]
        if len(free) < min_count:
            continue
        for j in free:
            taken[j] = True
        groups.append(RepeatGroup(pts[free[0]].category, cx / kx, cy / ky,
                                  tuple(pts[j].case_id for j in free)))
    groups.sort(key=lambda g: (-len(g.case_ids), g.category, g.case_ids[0]))
    return groups
