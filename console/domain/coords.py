"""Chinese map datums: GCJ-02 and BD-09 to and from WGS-84.

Phones in China report positions in the datum of their location SDK: GCJ-02 (国测局, "Mars
coordinates": Amap/高德, Tencent, the iOS map inside China) or BD-09 (Baidu's second
offset on top of GCJ-02).  Both lie 100–700 m off WGS-84 — enough to put a report in the wrong
grid cell — so every position the field API takes is turned into WGS-84 on entry
(:func:`to_wgs84`), the datum of the centre's grid and of GPS.

The forward formulas are the published ones (the GCJ-02 offset as in googollee/eviltransform,
the BD-09 rotation as in Baidu's SDK documentation and wandergis/coordtransform).  They have no
closed inverse: the inverse is found by fixed-point iteration on the forward formula
(:func:`_invert`), which converges to well under a millimetre in a few steps because the offset
changes slowly across the plane; the round trip stays within 1 m everywhere inside China.
Outside China's box (:func:`out_of_china`) GCJ-02 is WGS-84, as the Chinese SDKs do.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable

#: The Krasovsky 1940 ellipsoid GCJ-02 is defined on (semi-major axis, eccentricity²).
_A = 6378245.0
_EE = 0.00669342162296594323
#: BD-09's rotation constant (π · 3000 / 180).
_X_PI = math.pi * 3000.0 / 180.0
#: Iteration stops when the forward image is this close to the target (degrees, ~1 mm).
_TOLERANCE = 1e-8
_MAX_STEPS = 30

Point = tuple[float, float]
"""``(lon, lat)`` in degrees: longitude first, as GeoJSON and the centre's grid."""


class Crs(enum.StrEnum):
    """The datum a client's coordinates are in (the field API's ``crs`` values)."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def out_of_china(lon: float, lat: float) -> bool:
    """True outside the box the GCJ-02 offset applies in (there GCJ-02 is WGS-84)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset(lon: float, lat: float) -> Point:
    """GCJ-02's offset in degrees at a WGS-84 point inside China."""
    x, y = lon - 105.0, lat - 35.0
    waves = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
             + 0.2 * math.sqrt(abs(x)) + waves
             + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
             + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0))
             * 2 / 3)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
             + 0.1 * math.sqrt(abs(x)) + waves
             + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
             + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi))
             * 2 / 3)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> Point:
    """A WGS-84 point in GCJ-02 (unchanged outside China)."""
    if out_of_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_bd09(lon: float, lat: float) -> Point:
    """A GCJ-02 point in BD-09 (Baidu's formula: a small rotation and shift)."""
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def wgs84_to_bd09(lon: float, lat: float) -> Point:
    """A WGS-84 point in BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _invert(forward: Callable[[float, float], Point], lon: float, lat: float,
            start: Point) -> Point:
    """The point ``p`` with ``forward(p) == (lon, lat)``, by fixed-point iteration from
    ``start``.

    ``p ← p − (forward(p) − target)``: the forward maps are the identity plus an offset that
    varies by far less than a degree per degree, so each step shrinks the error many times.
    """
    p_lon, p_lat = start
    for _ in range(_MAX_STEPS):
        f_lon, f_lat = forward(p_lon, p_lat)
        e_lon, e_lat = f_lon - lon, f_lat - lat
        if abs(e_lon) < _TOLERANCE and abs(e_lat) < _TOLERANCE:
            break
        p_lon, p_lat = p_lon - e_lon, p_lat - e_lat
    return p_lon, p_lat


def gcj02_to_wgs84(lon: float, lat: float) -> Point:
    """A GCJ-02 point in WGS-84 (the inverse of :func:`wgs84_to_gcj02`, by iteration)."""
    if out_of_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _offset(lon, lat)
    return _invert(wgs84_to_gcj02, lon, lat, (lon - d_lon, lat - d_lat))


def bd09_to_gcj02(lon: float, lat: float) -> Point:
    """A BD-09 point in GCJ-02 (the inverse of :func:`gcj02_to_bd09`, by iteration)."""
    return _invert(gcj02_to_bd09, lon, lat, (lon - 0.0065, lat - 0.006))


def bd09_to_wgs84(lon: float, lat: float) -> Point:
    """A BD-09 point in WGS-84 (the inverse of :func:`wgs84_to_bd09`)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: float, lat: float, crs: Crs | str = Crs.WGS84) -> Point:
    """``(lon, lat)`` given in ``crs`` as WGS-84 (ValueError for an unknown datum)."""
    datum = Crs(crs)
    if datum is Crs.GCJ02:
        return gcj02_to_wgs84(lon, lat)
    if datum is Crs.BD09:
        return bd09_to_wgs84(lon, lat)
    return lon, lat
