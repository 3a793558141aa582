"""The centre's 在岗 rules: shift windows, thresholds and rest points (``centre.yaml``'s ``on_duty:``).

Kept apart from :mod:`console.domain.on_duty` (which needs shapely) so the reference data can
hold them without loading a geometry library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any


@dataclass(frozen=True, slots=True)
class RestPoint:
    """A place where standing still is no alarm (a 休息点: the team's room, a canteen)."""

    name: str
    lon: float
    lat: float
    radius_m: float = 50.0


@dataclass(frozen=True, slots=True)
class DutySettings:
    """The centre's 在岗 rules (``centre.yaml``'s ``on_duty:``; every key has this default).

    Attributes
    ----------
    shifts : tuple of (time, time)
        The patrol shift windows of a day, centre-local.
    workdays_only : bool
        Shifts run on the work calendar's workdays only (False: every day).
    fresh_minutes : int
        On duty = a fix within this many minutes.
    offline_minutes, outside_minutes, still_minutes : int
        How long each condition lasts before its alarm is raised.
    still_speed_kmh : float
        Slower than this counts as standing still.
    rest_points : tuple of RestPoint
        Where standing still is allowed.
    """

    shifts: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(14), time(18)))
    workdays_only: bool = True
    fresh_minutes: int = 15
    offline_minutes: int = 15
    outside_minutes: int = 10
    still_minutes: int = 20
    still_speed_kmh: float = 2.0
    rest_points: tuple[RestPoint, ...] = ()


def duty_to_json(settings: DutySettings) -> dict[str, Any]:
    """The settings as the JSON the database keeps (``db.reference_codec``)."""
    return {
        "shifts": [[start.isoformat(), end.isoformat()] for start, end in settings.shifts],
        "workdays_only": settings.workdays_only,
        "fresh_minutes": settings.fresh_minutes,
        "offline_minutes": settings.offline_minutes,
        "outside_minutes": settings.outside_minutes,
        "still_minutes": settings.still_minutes,
        "still_speed_kmh": settings.still_speed_kmh,
        "rest_points": [{"name": r.name, "lon": r.lon, "lat": r.lat, "radius_m": r.radius_m}
                        for r in settings.rest_points],
    }


def duty_from_json(doc: Mapping[str, Any] | None) -> DutySettings:
    """Settings from the stored JSON; missing keys take the defaults (an older row)."""
    base = DutySettings()
    if not doc:
        return base
    return DutySettings(
        shifts=tuple((time.fromisoformat(a), time.fromisoformat(b))
                     for a, b in doc.get("shifts", ())) or base.shifts,
        workdays_only=bool(doc.get("workdays_only", base.workdays_only)),
        fresh_minutes=int(doc.get("fresh_minutes", base.fresh_minutes)),
        offline_minutes=int(doc.get("offline_minutes", base.offline_minutes)),
        outside_minutes=int(doc.get("outside_minutes", base.outside_minutes)),
        still_minutes=int(doc.get("still_minutes", base.still_minutes)),
        still_speed_kmh=float(doc.get("still_speed_kmh", base.still_speed_kmh)),
        rest_points=tuple(RestPoint(str(r["name"]), float(r["lon"]), float(r["lat"]),
                                    float(r.get("radius_m", 50.0)))
                          for r in doc.get("rest_points", ())),
    )
