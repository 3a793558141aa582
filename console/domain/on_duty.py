"""在岗: whether a collector is on duty, and the three patrol alarms 离线, 越界 and 停留.

A collector (监督员) patrols assigned grid cells in the centre's shift windows and their phone
sends fixes.  From the fixes, the cells and the shift this module says:

* **status** — 在岗 (inside a shift window with a fix in the last ``fresh_minutes``), 离线
  (inside a shift without one) or 不在班 (outside every shift window);
* **alarms** — 离线 (no fix for ``offline_minutes`` within a shift), 越界 (every fix outside the
  assigned cells for ``outside_minutes``), 停留 (slower than ``still_speed_kmh`` for
  ``still_minutes`` away from every rest point).  Each has a start (when its condition began)
  and an end (when the condition ended: the first fix that broke it, or the shift's end).

越界 and 停留 need evidence over the whole span — the fixes at both ends of it show the
condition — so a phone that stops sending raises 离线, not a 越界 the fixes never showed.
Only fixes inside the current shift count: walking to the beat before the shift is no alarm.

Pure: the caller passes the instant, the fixes, the cells' rings and the shift; nothing here
reads a clock or a database.  The cells are joined into one shapely polygon per collector
(:class:`PatrolArea`), prepared for the many point tests a day's fixes need.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

import shapely
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from console.domain.duty_settings import DutySettings
from console.domain.geo import haversine_m

#: Metres per degree of latitude (mean): turns shapely's degree distances into metres.
_M_PER_DEG = 111_195.0


class DutyStatus(enum.StrEnum):
    """A collector's status now."""

    ON_DUTY = "在岗"
    OFFLINE = "离线"
    OFF_SHIFT = "不在班"


class AlarmKind(enum.StrEnum):
    """The patrol alarms of real 数字城管 systems (JXXZ's AlarmDetail service names these)."""

    OFFLINE = "离线"
    OUTSIDE = "越界"
    STILL = "停留"


@dataclass(frozen=True, slots=True)
class TrackPoint:
    """One fix of a collector: its instant (aware), WGS-84 position, speed in m/s if known."""

    t: datetime
    lon: float
    lat: float
    speed: float | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """An alarm's condition that holds now and has lasted its threshold.

    ``since`` is when it began (the alarm's start); ``detail`` is JSON-able (where, how far).
    """

    kind: AlarmKind
    since: datetime
    detail: dict[str, float | str | None]


class PatrolArea:
    """A collector's assigned cells as one prepared shapely geometry.

    Parameters
    ----------
    rings : iterable of ring
        Each cell's outer ring, (lon, lat) pairs.
    """

    def __init__(self, rings: Iterable[Sequence[tuple[float, float]]]) -> None:
        polygons = [Polygon(ring) for ring in rings if len(ring) >= 3]
        # buffer(0) mends a self-touching ring; a tiny gap of survey rounding between two
        # neighbouring cells is closed so a walk along their border is never 越界.
        self.geometry = unary_union([p.buffer(0) for p in polygons]).buffer(1e-6) if polygons \
            else None
        if self.geometry is not None:
            shapely.prepare(self.geometry)

    @property
    def empty(self) -> bool:
        """True when the collector has no cells (no 越界 can be said)."""
        return self.geometry is None

    def contains(self, lon: float, lat: float) -> bool:
        """Whether the point is in (or on the border of) the area; False for an empty area."""
        if self.geometry is None:
            return False
        return bool(shapely.intersects_xy(self.geometry, lon, lat))

    def distance_m(self, lon: float, lat: float) -> float:
        """Roughly how far outside the area a point lies, metres (0 inside)."""
        if self.geometry is None:
            return 0.0
        # Degrees of longitude shrink with latitude; the mean of both axes is close enough
        # for a number that only tells the desk "about 300 m out".
        deg = float(self.geometry.distance(Point(lon, lat)))
        return deg * _M_PER_DEG * (1 + math.cos(math.radians(lat))) / 2


def shift_around(local: datetime, settings: DutySettings, workday: bool) -> tuple[datetime,
                                                                                 datetime] | None:
    """The shift window that holds ``local`` (a centre-local aware instant), or None.

    ``workday`` says whether ``local``'s date is a workday of the centre's calendar.
    """
    if settings.workdays_only and not workday:
        return None
    tz: tzinfo | None = local.tzinfo
    for start, end in settings.shifts:
        begin = datetime.combine(local.date(), start, tz)
        finish = datetime.combine(local.date(), end, tz)
        if begin <= local < finish:
            return begin, finish
    return None


def status(now: datetime, last_fix: datetime | None, shift: tuple[datetime, datetime] | None,
           settings: DutySettings) -> DutyStatus:
    """在岗 inside a shift with a fix in the last ``fresh_minutes``; else 离线; outside: 不在班."""
    if shift is None:
        return DutyStatus.OFF_SHIFT
    fresh = timedelta(minutes=settings.fresh_minutes)
    if last_fix is not None and now - fresh <= last_fix <= now:
        return DutyStatus.ON_DUTY
    return DutyStatus.OFFLINE


def speeds(track: Sequence[TrackPoint]) -> list[float]:
    """Each fix's speed in m/s: the phone's own, else the distance from the fix before over the
    time between (0 for a first fix without one)."""
    out: list[float] = []
    for i, point in enumerate(track):
        if point.speed is not None:
            out.append(point.speed)
            continue
        if i == 0:
            out.append(0.0)
            continue
        before = track[i - 1]
        seconds = (point.t - before.t).total_seconds()
        out.append(_haversine(before, point) / seconds if seconds > 0 else 0.0)
    return out


def _haversine(a: TrackPoint, b: TrackPoint) -> float:
    return haversine_m(a.lon, a.lat, b.lon, b.lat)


def at_rest_point(point: TrackPoint, settings: DutySettings) -> bool:
    """Whether a fix lies within a rest point's radius."""
    return any(_haversine(point, TrackPoint(point.t, r.lon, r.lat)) <= r.radius_m
               for r in settings.rest_points)


def _still_flags(track: Sequence[TrackPoint], settings: DutySettings) -> list[bool]:
    limit = settings.still_speed_kmh / 3.6
    return [v < limit and not at_rest_point(p, settings) for p, v in zip(track, speeds(track),
                                                                       strict=True)]


def _trailing_run(flags: Sequence[bool]) -> int | None:
    """Index of the first of the trailing run of True flags, None when the last is False."""
    if not flags or not flags[-1]:
        return None
    i = len(flags) - 1
    while i > 0 and flags[i - 1]:
        i -= 1
    return i


def conditions(now: datetime, track: Sequence[TrackPoint],
               shift: tuple[datetime, datetime] | None, area: PatrolArea,
               settings: DutySettings) -> list[Condition]:
    """The alarm conditions that hold at ``now`` and have lasted their thresholds.

    Parameters
    ----------
    now : datetime
        The instant (aware).
    track : sequence of TrackPoint
        The collector's fixes up to ``now``, oldest first (earlier ones may be included:
        only those in the current shift count, and the last one before it for 离线).
    shift : (datetime, datetime) or None
        The shift window around ``now`` (:func:`shift_around`); None: no alarm at all.
    area : PatrolArea
        The assigned cells (empty: no 越界).
    settings : DutySettings
    """
    if shift is None:
        return []
    begin = shift[0]
    past = [p for p in track if p.t <= now]
    out: list[Condition] = []
    last = past[-1] if past else None
    gap_from = begin if last is None or last.t < begin else last.t
    if now - gap_from >= timedelta(minutes=settings.offline_minutes):
        out.append(Condition(AlarmKind.OFFLINE, gap_from,
                             {"last_fix": None if last is None else last.t.isoformat()}))
    inside_shift = [p for p in past if p.t >= begin]
    if not inside_shift:
        return out
    end = inside_shift[-1]
    if not area.empty:
        first = _trailing_run([not area.contains(p.lon, p.lat) for p in inside_shift])
        if first is not None and end.t - inside_shift[first].t >= timedelta(
                minutes=settings.outside_minutes):
            out.append(Condition(AlarmKind.OUTSIDE, inside_shift[first].t, {
                "lon": end.lon, "lat": end.lat,
                "distance_m": round(area.distance_m(end.lon, end.lat))}))
    first = _trailing_run(_still_flags(inside_shift, settings))
    if first is not None and end.t - inside_shift[first].t >= timedelta(
            minutes=settings.still_minutes):
        out.append(Condition(AlarmKind.STILL, inside_shift[first].t,
                             {"lon": end.lon, "lat": end.lat}))
    return out


def ended_at(kind: AlarmKind, started: datetime, now: datetime, track: Sequence[TrackPoint],
             area: PatrolArea, settings: DutySettings, shift_end: datetime | None) -> datetime:
    """When an alarm's condition, begun at ``started``, ended (it no longer holds at ``now``).

    The first later fix that broke it — any fix for 离线, one inside the cells for 越界, one
    moving or at a rest point for 停留 — else the end of the shift it began in (``shift_end``)
    when that has passed, else ``now``.
    """
    later = [p for p in track if started < p.t <= now]
    if kind is AlarmKind.OFFLINE:
        breaking = later[:1]
    elif kind is AlarmKind.OUTSIDE:
        breaking = [p for p in later if area.empty or area.contains(p.lon, p.lat)][:1]
    else:
        around = [p for p in track if p.t <= now]
        flags = dict(zip((id(p) for p in around), _still_flags(around, settings), strict=True))
        breaking = [p for p in later if not flags[id(p)]][:1]
    candidates = [p.t for p in breaking]
    if shift_end is not None and shift_end <= now:
        candidates.append(shift_end)
    return min(candidates, default=now)
