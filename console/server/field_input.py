"""Reading what a phone sends: positions in a datum, instants, numbers (422 naming the field).

Every coordinate the field API takes comes with its datum (``crs``: ``wgs84`` default,
``gcj02``, ``bd09``) and is stored in WGS-84 (:func:`console.domain.coords.to_wgs84`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from console.domain.coords import Crs, to_wgs84
from console.server.errors import FieldError
from console.services.positions import MAX_AHEAD, Fix

#: No fix is older than this (a phone that has no time yet sends 0 or 1970).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: The datums a client may name.
CRS_VALUES = ", ".join(c.value for c in Crs)


def crs_of(value: Any, field: str = "crs") -> Crs:
    """The datum ``value`` names (default WGS-84)."""
    if value is None:
        return Crs.WGS84
    if not isinstance(value, str) or value.lower() not in {c.value for c in Crs}:
        raise FieldError(field, f"字段 {field} 应为 {CRS_VALUES} 之一 / '{field}' must be one of "
                                f"{CRS_VALUES}")
    return Crs(value.lower())


def number(value: Any, field: str, low: float, high: float) -> float:
    """A finite number in ``[low, high]`` (booleans and text refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or not low <= value <= high:
        raise FieldError(field, f"字段 {field} 应为 {low:g} 到 {high:g} 之间的数 / '{field}' must "
                                f"be a number from {low:g} to {high:g}")
    return float(value)


def optional(body: Mapping[str, Any], name: str, low: float, high: float,
             prefix: str = "") -> float | None:
    """``body[name]`` as :func:`number`, or None when absent or null."""
    value = body.get(name)
    return None if value is None else number(value, prefix + name, low, high)


def position(body: Mapping[str, Any], prefix: str = "",
             required: bool = False) -> tuple[float, float, Crs] | None:
    """``lon``, ``lat`` and ``crs`` of ``body`` as WGS-84 (None when neither is given)."""
    lon, lat = body.get("lon"), body.get("lat")
    if lon is None and lat is None and not required:
        crs_of(body.get("crs"), prefix + "crs")
        return None
    if lon is None or lat is None:
        missing = "lon" if lon is None else "lat"
        raise FieldError(prefix + missing, f"缺少字段 {prefix + missing}（经纬度须同时给出）/ "
                                           "give both lon and lat")
    x = number(lon, prefix + "lon", -180.0, 180.0)
    y = number(lat, prefix + "lat", -90.0, 90.0)
    crs = crs_of(body.get("crs"), prefix + "crs")
    wgs_lon, wgs_lat = to_wgs84(x, y, crs)
    return wgs_lon, wgs_lat, crs


def instant(value: Any, field: str, now: datetime) -> datetime:
    """An aware ISO 8601 instant, at most :data:`MAX_AHEAD` ahead of ``now``; or unix time.

    A number is unix time in seconds (above 10¹¹: milliseconds, as OsmAnd sends).
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0:
            raise FieldError(field, f"字段 {field} 不是有效的时间 / '{field}' is not a time")
        seconds = value / 1000 if value > 1e11 else value
        try:
            at = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise FieldError(field, f"字段 {field} 不是有效的时间 / '{field}' is not a time") \
                from None
    elif isinstance(value, str) and len(value) <= 64:
        try:
            at = datetime.fromisoformat(value.strip())
        except ValueError:
            raise FieldError(field, f"字段 {field} 应为 ISO 8601 时间 / '{field}' must be an ISO "
                                    "8601 time") from None
        if at.tzinfo is None or at.utcoffset() is None:
            raise FieldError(field, f"字段 {field} 须带时区（如 +08:00 或 Z）/ '{field}' needs "
                                    "its UTC offset")
    else:
        raise FieldError(field, f"字段 {field} 应为 ISO 8601 时间 / '{field}' must be a time")
    try:
        at = at.astimezone(UTC)
    except (OverflowError, ValueError):
        raise FieldError(field, f"字段 {field} 不是有效的时间 / '{field}' is not a time") from None
    if at < EARLIEST:
        raise FieldError(field, f"字段 {field} 早于 2000 年 / '{field}' lies before 2000")
    if at > now + MAX_AHEAD:
        raise FieldError(field, f"字段 {field} 晚于服务器时间超过 5 分钟 / '{field}' lies more "
                                "than 5 minutes in the future")
    return at


#: The fields of one fix of ``POST /api/v1/positions``.
FIX_FIELDS = frozenset({"t", "lon", "lat", "crs", "speed", "accuracy", "battery"})


def fix(username: str, raw: Any, index: int, now: datetime) -> Fix:
    """One fix of a batch, checked and in WGS-84; errors name ``positions[index].field``."""
    prefix = f"positions[{index}]."
    if not isinstance(raw, dict):
        raise FieldError(f"positions[{index}]", f"positions[{index}] 应为对象 / each fix must be "
                                                "an object")
    for name in raw:
        if name not in FIX_FIELDS:
            shown = str(name)[:32]
            raise FieldError(prefix + shown, f"不接受字段 {prefix + shown} / unknown field")
    if raw.get("t") is None:
        raise FieldError(prefix + "t", f"缺少字段 {prefix}t / missing the fix's time")
    at = instant(raw["t"], prefix + "t", now)
    place = position(raw, prefix, required=True)
    assert place is not None
    return Fix(username, at, place[0], place[1],
               accuracy=optional(raw, "accuracy", 0.0, 100_000.0, prefix),
               speed=optional(raw, "speed", 0.0, 1_000.0, prefix),
               battery=optional(raw, "battery", 0.0, 100.0, prefix))
