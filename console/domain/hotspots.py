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
  "same place" means, the 30 days of a month's patrol.  :func:`find_repeats` groups the
  points greedily around the point with the most neighbours, so every member of a cluster is
  within the radius of its seed.

Pure: no clock, no I/O.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.domain.geo import EARTH_RADIUS_M, haversine_m

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
    case_no: str
    category: str
    lon: float
    lat: float
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class RepeatCluster:
    """One repeat point: a category reported ``count`` times within the radius of a place.

    ``lon``/``lat`` are the members' mean position; the cases are listed oldest first.
    """

    category: str
    lon: float
    lat: float
    count: int
    case_ids: tuple[int, ...]
    case_nos: tuple[str, ...]
    first: datetime
    last: datetime


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


def _buckets(points: Sequence[PlacedReport],
             radius_m: float) -> tuple[dict[tuple[int, int], list[int]], float, float]:
    """Points by square bucket at least ``radius_m`` wide everywhere in the set."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    widest = max(abs(p.lat) for p in points)
    # Buckets as wide as the radius at the set's highest latitude are wider elsewhere.
    dlon = dlat / max(math.cos(math.radians(widest)), 1e-6)
    out: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, p in enumerate(points):
        out[(math.floor(p.lon / dlon), math.floor(p.lat / dlat))].append(i)
    return out, dlon, dlat


def _neighbours(points: Sequence[PlacedReport], radius_m: float) -> list[list[int]]:
    """For each point, the indexes of the points within ``radius_m`` (itself included)."""
    buckets, dlon, dlat = _buckets(points, radius_m)
    near: list[list[int]] = []
    for p in points:
        bx, by = math.floor(p.lon / dlon), math.floor(p.lat / dlat)
        near.append(sorted(
            j for dx in (-1, 0, 1) for dy in (-1, 0, 1) for j in buckets.get((bx + dx, by + dy), ())
            if haversine_m(p.lon, p.lat, points[j].lon, points[j].lat) <= radius_m))
    return near


def find_repeats(points: Iterable[PlacedReport], min_count: int = DEFAULT_REPEAT_MIN,
                 radius_m: float = REPEAT_RADIUS_M) -> list[RepeatCluster]:
    """Repeat points among ``points`` (already limited to the window), most reports first.

    Per category, the point with the most neighbours within ``radius_m`` (ties: the oldest)
    seeds a cluster of itself and its neighbours not yet in a cluster; the cluster counts when
    it has ``min_count`` members or more.  Each report belongs to at most one cluster.
    """
    if min_count < 2:
        raise ValueError("a repeat point needs at least 2 reports")
    by_category: dict[str, list[PlacedReport]] = defaultdict(list)
    for p in points:
        by_category[p.category].append(p)
    clusters: list[RepeatCluster] = []
    for category, members in by_category.items():
        if len(members) < min_count:
            continue
        members.sort(key=lambda p: (p.reported_at, p.case_id))
        near = _neighbours(members, radius_m)
        taken = [False] * len(members)
        for seed in sorted(range(len(members)), key=lambda i: (-len(near[i]), i)):
            if len(near[seed]) < min_count:
                break  # seeds are in falling order of neighbours: none further can make one
            if taken[seed]:
                continue
            group = [j for j in near[seed] if not taken[j]]
            if len(group) < min_count:
                continue
            for j in group:
                taken[j] = True
            chosen = [members[j] for j in group]  # oldest first: members is sorted so
            clusters.append(RepeatCluster(
                category,
                sum(p.lon for p in chosen) / len(chosen),
                sum(p.lat for p in chosen) / len(chosen),
                len(chosen),
                tuple(p.case_id for p in chosen),
                tuple(p.case_no for p in chosen),
                chosen[0].reported_at,
                chosen[-1].reported_at,
            ))
    clusters.sort(key=lambda c: (-c.count, c.category, c.first))
    return clusters
