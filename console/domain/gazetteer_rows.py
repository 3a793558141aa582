"""Reading a gazetteer file's rows (门牌 / POI: name, address, lon, lat): each lands or is
quarantined with its reason.

The heading row names the columns, in Chinese or English (:data:`HEADINGS`); name, longitude
and latitude are required, the address is not (a POI may have none).  Coordinates are given
in the file's datum (``--crs``) and stored in WGS-84: GCJ-02 and BD-09 through
:mod:`console.domain.coords`; CGCS2000 is taken as WGS-84 (the two differ by centimetres, far
below a 门牌's precision, as :mod:`console.domain.geo` says of the grid).

A row is quarantined, never guessed, when it has no name, no coordinates, coordinates that are
not numbers of a longitude and a latitude, a point in none of the centre's grid cells (outside
the centre's extent), a name or address too long to store, or the name and address of a place
already stored or of an earlier row (a duplicate).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from console.domain.cell_finder import CellFinder
from console.domain.coords import Crs, to_wgs84
from console.domain.errors import ValidationError
from console.domain.gazetteer import place_initials, place_key
from console.domain.table_columns import cell_text, find_columns, finite_number

#: The datums a file may be in (``--crs``).
CRS_CHOICES = ("wgs84", "gcj02", "bd09", "cgcs2000")
#: The longest name and address stored (db.tables.GazetteerRow).
MAX_NAME = 100
MAX_ADDRESS = 200

#: Column headings by field, compared as search keys (case, width and punctuation ignored).
HEADINGS: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "地名", "poi", "poi名称", "门牌名称", "标准名称"),
    "address": ("address", "地址", "门牌地址", "详细地址", "门牌号", "门牌"),
    "lon": ("lon", "lng", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
}
_REQUIRED = ("name", "lon", "lat")
_ZH = {"name": "名称", "address": "地址", "lon": "经度", "lat": "纬度"}


class Quarantine(enum.StrEnum):
    """Why a row did not land."""

    NO_NAME = "no_name"
    NO_COORDINATES = "no_coordinates"
    BAD_COORDINATES = "bad_coordinates"
    OUTSIDE = "outside"
    TOO_LONG = "too_long"
    DUPLICATE = "duplicate"


REASON_TEXT = {
    Quarantine.NO_NAME: "没有名称 / no name",
    Quarantine.NO_COORDINATES: "没有坐标 / no coordinates",
    Quarantine.BAD_COORDINATES: "坐标不是有效的经纬度 / coordinates are not a longitude and latitude",
    Quarantine.OUTSIDE: "不在本中心的网格范围内 / outside the centre's grid",
    Quarantine.TOO_LONG: (f"名称超过 {MAX_NAME} 字或地址超过 {MAX_ADDRESS} 字 / name or "
                          "address too long"),
    Quarantine.DUPLICATE: "与已有地点或前面的行重复（名称和地址相同）/ a duplicate of a place",
}


@dataclass(frozen=True, slots=True)
class NewPlace:
    """A row that lands: WGS-84 position, its cell, its initials and its duplicate key."""

    row: int
    name: str
    address: str
    lon: float
    lat: float
    initials: str
    key: str
    cell: str


@dataclass(frozen=True, slots=True)
class QuarantinedRow:
    """A row that did not land, and why."""

    row: int
    name: str
    reason: Quarantine
    detail: str = ""

    @property
    def text(self) -> str:
        """The reason in one line (Chinese / English), with its detail."""
        return REASON_TEXT[self.reason] + (f"（{self.detail}）" if self.detail else "")


@dataclass(frozen=True, slots=True)
class GazetteerReading:
    """Every row of a file: those that land and those quarantined, in file order."""

    places: list[NewPlace]
    quarantined: list[QuarantinedRow]


def columns(headers: Sequence[str]) -> dict[str, int]:
    """Each field's column index; ValidationError (one line) when a required one is missing."""
    return find_columns(headers, HEADINGS, _REQUIRED, _ZH)


def parse_crs(value: str) -> Crs:
    """The datum of ``--crs`` (CGCS2000 is read as WGS-84); ValidationError otherwise."""
    word = value.strip().casefold()
    if word not in CRS_CHOICES:
        raise ValidationError(f"--crs 应为 {'、'.join(CRS_CHOICES)} 之一，不是 {value[:20]!r}"
                              " / unknown datum")
    return Crs.WGS84 if word == "cgcs2000" else Crs(word)


def read_rows(headers: Sequence[str], rows: Sequence[tuple[int, Sequence[Any]]], crs: Crs,
              finder: CellFinder, stored: Collection[str]) -> GazetteerReading:
    """Sort a file's rows into places and quarantined rows.

    Parameters
    ----------
    headers, rows : sequence
        The heading row and the data rows with their 1-based row numbers.
    crs : Crs
        The datum of the file's coordinates.
    finder : CellFinder
        The centre's grid: a point in no cell is outside the centre.
    stored : collection of str
        :func:`~console.domain.gazetteer.place_key` of every place already stored.
    """
    col = columns(headers)
    places: list[NewPlace] = []
    quarantined: list[QuarantinedRow] = []
    first: dict[str, int] = {}
    for number, cells in rows:
        name = cell_text(cells, col["name"])
        address = cell_text(cells, col.get("address"))
        lon_text, lat_text = cell_text(cells, col["lon"]), cell_text(cells, col["lat"])
        reason, detail = _problem(name, address, lon_text, lat_text)
        if reason is not None:
            quarantined.append(QuarantinedRow(number, name, reason, detail))
            continue
        lon, lat = to_wgs84(float(lon_text), float(lat_text), crs)
        cell = finder.cell(lon, lat)
        if cell is None:
            quarantined.append(QuarantinedRow(number, name, Quarantine.OUTSIDE,
                                              f"{lon:.6f}, {lat:.6f}"))
            continue
        key = place_key(name, address)
        if key in stored or key in first:
            where = f"第 {first[key]} 行 / row {first[key]}" if key in first else "已导入 / stored"
            quarantined.append(QuarantinedRow(number, name, Quarantine.DUPLICATE, where))
            continue
        first[key] = number
        places.append(NewPlace(number, name, address, lon, lat, place_initials(name), key,
                               cell.code))
    return GazetteerReading(places, quarantined)


def _problem(name: str, address: str, lon: str, lat: str) -> tuple[Quarantine | None, str]:
    if not name:
        return Quarantine.NO_NAME, ""
    if len(name) > MAX_NAME or len(address) > MAX_ADDRESS:
        return Quarantine.TOO_LONG, ""
    if not lon or not lat:
        return Quarantine.NO_COORDINATES, ""
    x, y = finite_number(lon), finite_number(lat)
    if x is None or y is None or not (-180 <= x <= 180 and -90 <= y <= 90):
        return Quarantine.BAD_COORDINATES, f"{lon[:20]}, {lat[:20]}"
    return None, ""
