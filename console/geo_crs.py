"""The coordinate systems a centre's survey files come in, and their way to WGS-84.

The centre stores WGS-84 lon/lat (the grid, components, cases; :mod:`console.domain.geo`).
Survey files arrive in one of:

* ``wgs84`` / ``cgcs2000`` — lon/lat as stored (CGCS2000 and WGS-84 differ by centimetres, far
  below a 单元网格 or a manhole's survey error, as :mod:`console.domain.gazetteer_rows` reads it);
* ``gcj02`` (高德 / 腾讯) and ``bd09`` (百度) — through :mod:`console.domain.coords`, the same
  transforms the field API and the gazetteer use;
* ``EPSG:NNNN`` — any other system by its EPSG code through pyproj (a 2000 国家大地坐标系
  Gauss-Krüger zone such as EPSG:4549, a local projected system, EPSG:4490 itself).  pyproj is
  imported only then: the common datums need nothing but the standard library.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from console.domain.coords import Crs, to_wgs84
from console.domain.errors import ValidationError

#: The names ``--crs`` takes besides ``EPSG:NNNN``.
NAMED_CRS = ("wgs84", "cgcs2000", "gcj02", "bd09")
CRS_HELP = "wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:NNNN"

Convert = Callable[[float, float], tuple[float, float]]


@dataclass(frozen=True, slots=True)
class SourceCrs:
    """A file's coordinate system: its name as given and the point function to WGS-84."""

    name: str
    convert: Convert

    def point(self, x: float, y: float) -> tuple[float, float]:
        """``(x, y)`` of the file as WGS-84 ``(lon, lat)``; ValidationError when it cannot be."""
        lon, lat = self.convert(x, y)
        if not (math.isfinite(lon) and math.isfinite(lat)
                and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError(
                f"坐标 ({x:g}, {y:g}) 按 {self.name} 换算后不是有效的经纬度（坐标系选错了？）/ "
                f"({x:g}, {y:g}) in {self.name} is no longitude and latitude (wrong --crs?)")
        return lon, lat


def parse_source_crs(text: str) -> SourceCrs:
    """``--crs`` as a :class:`SourceCrs`; one ValidationError line for an unknown one."""
    word = text.strip().casefold()
    if word in ("wgs84", "cgcs2000", "epsg:4326"):
        return SourceCrs(word, lambda x, y: (x, y))
    if word in ("gcj02", "bd09"):
        datum = Crs(word)
        return SourceCrs(word, lambda x, y: to_wgs84(x, y, datum))
    match = re.fullmatch(r"epsg:(\d{4,6})", word)
    if match is None:
        raise ValidationError(f"--crs 应为 {CRS_HELP}，不是 {text[:30]!r} / unknown coordinate "
                              "system")
    return SourceCrs(f"EPSG:{match[1]}", _epsg(int(match[1])))


def _epsg(code: int) -> Convert:
    from pyproj import Transformer
    from pyproj.exceptions import CRSError

    try:
        transformer = Transformer.from_crs(f"EPSG:{code}", "EPSG:4326", always_xy=True)
    except CRSError:
        raise ValidationError(f"pyproj 不认识 EPSG:{code} / unknown EPSG code") from None

    def convert(x: float, y: float) -> tuple[float, float]:
        lon, lat = transformer.transform(x, y)
        return float(lon), float(lat)

    return convert


def crs_of_wkt(wkt: str | None) -> SourceCrs | None:
    """The coordinate system a Shapefile's .prj or a GeoPackage layer declares (None: none)."""
    if not wkt:
        return None
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(wkt)
    except CRSError:
        return None
    epsg = crs.to_epsg()
    if epsg in (4326, 4490):
        return parse_source_crs("wgs84")
    if epsg is not None:
        return parse_source_crs(f"EPSG:{epsg}")
    from pyproj import Transformer

    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def convert(x: float, y: float) -> tuple[float, float]:
        lon, lat = transformer.transform(x, y)
        return float(lon), float(lat)

    return SourceCrs(crs.name, convert)
