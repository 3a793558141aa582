"""Reading a camera registry file's rows: each becomes a camera or a problem with its reason.

The heading row names the columns in Chinese or English (:data:`HEADINGS`).  Code, name,
longitude and latitude are required; a camera is played either from its own main stream URL
or through a platform (platform name and the platform's id for it), so a row needs one or the
other.  Coordinates are in the file's datum (``--crs``) and stored in WGS-84 through
:mod:`console.domain.coords` (CGCS2000 is taken as WGS-84, as the grid and the gazetteer do).

Unlike the gazetteer, one bad row stops the whole import: a registry with a camera missing
or misplaced sends an acceptor to the wrong picture, so every problem is listed (row number
and reason) and nothing is stored until the file is right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from console.domain.camera_platforms import PLATFORM_NAME, url_problem
from console.domain.cameras import code_problem
from console.domain.cell_finder import CellFinder
from console.domain.coords import Crs, to_wgs84
from console.domain.table_columns import cell_text, find_columns, finite_number

#: Column headings by field, compared as search keys (case, width and punctuation ignored).
HEADINGS: dict[str, tuple[str, ...]] = {
    "code": ("code", "编码", "设备编码", "国标编码", "通道编码", "摄像机编码", "gbid", "gb_id"),
    "name": ("name", "名称", "设备名称", "点位名称", "摄像机名称"),
    "group": ("group", "分组", "组", "所属分组"),
    "lon": ("lon", "lng", "longitude", "经度"),
    "lat": ("lat", "latitude", "纬度"),
    "platform": ("platform", "平台", "平台名称"),
    "platform_id": ("platform_id", "平台编号", "平台id", "通道id", "cameraindexcode"),
    "main_url": ("main_url", "url", "stream_url", "主码流", "主码流地址", "视频地址"),
    "sub_url": ("sub_url", "子码流", "子码流地址"),
    "ptz": ("ptz", "云台"),
}
_REQUIRED = ("code", "name", "lon", "lat")
_ZH = {"code": "编码", "name": "名称", "lon": "经度", "lat": "纬度"}
_YES = {"1", "true", "yes", "y", "是", "有", "ptz"}
_NO = {"", "0", "false", "no", "n", "否", "无"}
#: The longest name, group and URL stored (db.tables.CameraRow).
MAX_NAME, MAX_GROUP, MAX_ID, MAX_URL = 200, 100, 128, 1000


@dataclass(frozen=True, slots=True)
class NewCamera:
    """A row that is a camera: WGS-84 position and its cell."""

    row: int
    code: str
    name: str
    group: str
    lon: float
    lat: float
    cell: str
    platform: str
    platform_id: str
    main_url: str
    sub_url: str
    ptz: bool


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that is not a camera, and why (one line, Chinese / English)."""

    row: int
    code: str
    reason: str

    @property
    def text(self) -> str:
        """``第 N 行 CODE：reason``."""
        return f"第 {self.row} 行 / row {self.row} {self.code}：{self.reason}".replace("  ", " ")


@dataclass(frozen=True, slots=True)
class CameraReading:
    """Every row of a file: the cameras and the problems, in file order."""

    cameras: list[NewCamera]
    problems: list[RowProblem]


def columns(headers: Sequence[str]) -> dict[str, int]:
    """Each field's column index; ValidationError (one line) when a required one is missing."""
    return find_columns(headers, HEADINGS, _REQUIRED, _ZH)


def read_rows(headers: Sequence[str], rows: Sequence[tuple[int, Sequence[Any]]], crs: Crs,
              finder: CellFinder) -> CameraReading:
    """Sort a file's rows into cameras and problems.

    Parameters
    ----------
    headers, rows : sequence
        The heading row and the data rows with their 1-based row numbers.
    crs : Crs
        The datum of the file's coordinates.
    finder : CellFinder
        The centre's grid: a point in no cell is outside the centre (or lon/lat swapped).
    """
    col = columns(headers)
    cameras: list[NewCamera] = []
    problems: list[RowProblem] = []
    first: dict[str, int] = {}
    for number, cells in rows:
        values = {name: cell_text(cells, col.get(name)) for name in HEADINGS}
        code = values["code"]
        reason = _problem(values)
        if reason is None and code in first:
            reason = f"编码与第 {first[code]} 行重复 / the code repeats row {first[code]}"
        if reason is not None:
            problems.append(RowProblem(number, code[:MAX_ID], reason))
            continue
        lon, lat = to_wgs84(float(values["lon"]), float(values["lat"]), crs)
        cell = finder.cell(lon, lat)
        if cell is None:
            problems.append(RowProblem(number, code, f"位置 {lon:.6f}, {lat:.6f} 不在本中心的网格"
                                       "内（经纬度是否颠倒？）/ outside the centre's grid"))
            continue
        first[code] = number
        cameras.append(NewCamera(number, code, values["name"], values["group"], lon, lat,
                                 cell.code, values["platform"], values["platform_id"],
                                 values["main_url"], values["sub_url"], _ptz(values["ptz"])))
    return CameraReading(cameras, problems)


def _ptz(value: str) -> bool:
    return value.casefold() in _YES


def _problem(values: dict[str, str]) -> str | None:
    """The first thing wrong with a row's values, or None."""
    problem = code_problem(values["code"])
    if problem is not None:
        return problem
    if not values["name"]:
        return "没有名称 / no name"
    if len(values["name"]) > MAX_NAME or len(values["group"]) > MAX_GROUP:
        return f"名称超过 {MAX_NAME} 字或分组超过 {MAX_GROUP} 字 / name or group too long"
    x, y = finite_number(values["lon"]), finite_number(values["lat"])
    if x is None or y is None or not (-180 <= x <= 180 and -90 <= y <= 90):
        return (f"坐标不是有效的经纬度（{values['lon'][:20]}, {values['lat'][:20]}）/ "
                "coordinates are not a longitude and latitude")
    if values["ptz"].casefold() not in _YES | _NO:
        return f"云台应为 是/否，不是 {values['ptz'][:10]!r} / ptz must be yes or no"
    return _play_problem(values)


def _play_problem(values: dict[str, str]) -> str | None:
    platform, platform_id = values["platform"], values["platform_id"]
    for name in ("main_url", "sub_url"):
        if values[name]:
            if len(values[name]) > MAX_URL:
                return f"{name} 超过 {MAX_URL} 个字符 / {name} too long"
            problem = url_problem(values[name])
            if problem is not None:
                return f"{name}：{problem}"
    if platform:
        if not PLATFORM_NAME.fullmatch(platform):
            return ("平台名只能含字母、数字、_ 和 -（与 video.toml 中一致）/ a platform name "
                    "holds letters, digits, _ and -")
        if not platform_id or len(platform_id) > MAX_ID:
            return ("经平台播放的摄像机须给出平台编号（最多 128 字符）/ a platform camera needs "
                    "its platform id")
    elif not values["main_url"]:
        return "既没有主码流地址，也没有平台 / neither a main stream URL nor a platform"
    return None
