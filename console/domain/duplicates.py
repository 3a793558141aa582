"""Nearby-and-recent duplicate suggestions for a new report.

A collector and three citizens may report the same overflowing bin within the hour.  Before a case
is accepted, the desk shows open cases of the same category close in space and time, so the acceptor
can merge instead of filing twice.  These are hints; the acceptor decides.

The rules work on :class:`Nearby` rows, the few columns a hint needs: the services read at most a
bounded number of them, nearest first, in SQL (real exports put thousands of reports on one
default coordinate, and building every one of them as a full case made intake quadratic).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from console.domain.cases import Case
from console.domain.errors import ValidationError
from console.domain.geo import bbox_around, haversine_m

__all__ = ["MAX_HINTS", "DuplicateHint", "Nearby", "check_window", "find_duplicates",
           "rank_nearby"]

#: At most this many hints, the best first: an acceptor reads a handful, and a cluster of
#: thousands of reports on one point must not be read at all.
MAX_HINTS = 20


class Nearby(NamedTuple):
    """What a duplicate check needs of an open case: its id, number, place and report time.

    A light row (a tuple, not a :class:`~console.domain.cases.Case`), as the repository reads it.
    """

    id: int | None
    case_no: str
    lon: float | None
    lat: float | None
    grid: str | None
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class DuplicateHint:
    """One open case that may describe the same problem.

    Attributes
    ----------
    case_id : int or None
        Id of the open case.
    case_no : str
        Its case number, for display.
    distance_m : float or None
        Great-circle distance in metres when both sides have coordinates; None when the match rests
        on the same grid cell because one side has no coordinates (a cell is ~150 m across, so
        "same cell" is not "0 m" and must not be shown as such).
    hours_apart : float
        Absolute difference of the report times, in hours.
    """

    case_id: int | None
    case_no: str
    distance_m: float | None
    hours_apart: float

    @property
    def same_cell_only(self) -> bool:
        """True when the hint comes from the shared grid cell, not from a measured distance."""
        return self.distance_m is None


def check_window(radius_m: float, hours: float, lon: float | None = None,
                 lat: float | None = None) -> None:
    """Raise ValidationError for a negative radius or window, or only one of lon/lat."""
    if radius_m < 0 or hours < 0:
        raise ValidationError("重复判定的半径和时间窗不能为负数 / radius and hours must be >= 0")
    if (lon is None) != (lat is None):
        raise ValidationError("经度和纬度须同时给出 / give both lon and lat, or neither")


def find_duplicates(
    candidate_category: str,
    lon: float | None,
    lat: float | None,
    grid: str | None,
    reported_at: datetime,
    open_cases: Iterable[Case],
    radius_m: float,
    hours: float,
    limit: int | None = None,
) -> list[DuplicateHint]:
    """Open cases of the same category near the report in space and time.

    Parameters
    ----------
    candidate_category : str
        Category code of the new report.
    lon, lat : float or None
        Its position; both or neither.
    grid : str or None
        Its 15-digit grid cell code, if known.
    reported_at : datetime
        When it was reported; timezone-aware like every instant in the domain.
    open_cases : iterable of Case
        Cases to compare with.  Closed, refused, voided and merged cases are skipped even if passed,
        and so are cases of other categories.
    radius_m : float
        Maximum distance in metres (``CentreConfig.duplicate_radius_m``), inclusive.
    hours : float
        Maximum time apart in hours, before or after (``CentreConfig.duplicate_hours``), inclusive.
    limit : int, optional
        Keep only the first ``limit`` hints (default: all).

    Returns
    -------
    list of DuplicateHint
        As :func:`rank_nearby` orders them.

    Raises
    ------
    ValidationError
        If ``radius_m`` or ``hours`` is negative, or only one of ``lon``/``lat`` is given.
    """
    rows = (Nearby(c.id, c.case_no, c.lon, c.lat, c.grid, c.reported_at) for c in open_cases
            if c.is_open and c.category == candidate_category)
    return rank_nearby(lon, lat, grid, reported_at, rows, radius_m, hours, limit)


def rank_nearby(
    lon: float | None,
    lat: float | None,
    grid: str | None,
    reported_at: datetime,
    candidates: Iterable[Nearby],
    radius_m: float,
    hours: float,
    limit: int | None = None,
) -> list[DuplicateHint]:
    """The hints among open cases of the report's category, best first.

    Parameters are those of :func:`find_duplicates`; ``candidates`` are open cases of the
    report's category (the caller selected them), as :class:`Nearby` rows.

    Returns
    -------
    list of DuplicateHint
        Measured hints by distance, then same-cell hints (``distance_m`` None); ties by hours apart,
        then case number.  At most ``limit`` when given.

    Notes
    -----
    Space: when both the report and the case have coordinates, the great-circle distance must be
    within ``radius_m``.  When either lacks them, the two must lie in the same grid cell (both grid
    codes known and equal); without coordinates or a shared cell nothing is suggested.  A
    coordinate-less report is usually a hotline call placed on a cell by the acceptor, and the cell
    is the best location it has.
    """
    check_window(radius_m, hours, lon, lat)
    box = bbox_around(lon, lat, radius_m) if lon is not None and lat is not None else None
    max_seconds = hours * 3600.0
    hints: list[DuplicateHint] = []
    for case in candidates:
        seconds = abs((case.reported_at - reported_at).total_seconds())
        if seconds > max_seconds:
            continue
        distance: float | None
        if (
            box is not None
            and lon is not None
            and lat is not None
            and (case.lon is not None and case.lat is not None)
        ):
            lon_min, lon_max, lat_min, lat_max = box
            # The box is a superset of the circle: a cheap rejection before the trigonometry.
            if not (lon_min <= case.lon <= lon_max and lat_min <= case.lat <= lat_max):
                continue
            distance = haversine_m(lon, lat, case.lon, case.lat)
            if distance > radius_m:
                continue
        elif grid is not None and case.grid is not None and grid == case.grid:
            distance = None
        else:
            continue
        hints.append(
            DuplicateHint(
                case_id=case.id,
                case_no=case.case_no,
                distance_m=distance,
                hours_apart=seconds / 3600.0,
            )
        )
    hints.sort(
        key=lambda h: (
            h.distance_m is None,
            h.distance_m if h.distance_m is not None else 0.0,
            h.hours_apart,
            h.case_no,
        )
    )
    return hints if limit is None else hints[:limit]
