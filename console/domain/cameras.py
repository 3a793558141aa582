"""Cameras of the centre's network (公安视频接入) and which of them see a place.

A camera is reference data like a grid cell: a code, a name, a group a video-patrol seat
rotates through, a WGS-84 position with the cell that holds it, and how it is played — its own
stream URLs, or a platform (wvp-GB28181-pro, Hikvision iSecure Center) and the platform's id for
it.  The GB/T 28181 code is 20 digits: centre (8, the administrative division and base unit),
industry (2), type (3) and serial (7); a camera's type is 131 (摄像机) or 132 (网络摄像机).
Cameras without a national code keep the centre's own code, which must not look like a
broken national one (all digits).

"Which cameras see this spot?" (:func:`rank_near`): those within a radius of the case's
point, and every camera of the case's cell and of the cells around it, nearest first — a
camera across the street in the next cell watches the spot as well as one inside the cell.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from console.domain.errors import ValidationError
from console.domain.geo import haversine_m

#: 「附近视频」's default radius, metres (a street block each way).
DEFAULT_RADIUS_M = 300.0
#: The widest radius a search takes (a county's cameras near one point, not the county's).
MAX_RADIUS_M = 5000.0
#: GB/T 28181 type codes (digits 11–13) of a camera: 摄像机, 网络摄像机.
CAMERA_TYPES = ("131", "132")
#: The longest code (db.tables.CODE).
MAX_CODE = 64
_LOCAL_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}")


@dataclass(frozen=True, slots=True)
class Camera:
    """A camera of the registry, positioned in WGS-84 degrees.

    ``platform`` is empty for a camera played from its own URLs; otherwise it names a
    platform of the centre's video configuration whose id for the camera is
    ``platform_id`` (wvp: ``deviceId/channelId``; iSecure Center: the cameraIndexCode), and
    the stream URLs are asked for when played (they expire).  ``online`` is None until the
    worker has checked the camera.
    """

    id: int
    code: str
    name: str
    group: str
    lon: float
    lat: float
    cell: str | None
    platform: str
    platform_id: str
    main_url: str
    sub_url: str
    ptz: bool
    online: bool | None = None
    checked_at: datetime | None = None


class NearReason:
    """Why a camera is listed near a place (the values of :attr:`NearCamera.reason`)."""

    RADIUS = "radius"
    CELL = "cell"
    NEIGHBOUR = "neighbour"


@dataclass(frozen=True, slots=True)
class NearCamera:
    """A camera that may see a place: its distance (metres) and why it is listed."""

    camera: Camera
    distance_m: float
    reason: str


def code_problem(code: str) -> str | None:
    """Why ``code`` is not a camera code (one line, Chinese / English), or None when it is.

    All digits means a GB/T 28181 id: 20 of them, of a camera type (131, 132).  Otherwise a
    local code of letters, digits and ``_ . : -`` (at most 64).
    """
    if not code:
        return "没有编码 / no code"
    if code.isascii() and code.isdigit():
        if len(code) != 20:
            return (f"国标编码应为 20 位数字，此为 {len(code)} 位 / a GB/T 28181 code has 20 "
                    f"digits, not {len(code)}")
        if code[10:13] not in CAMERA_TYPES:
            return (f"国标编码第 11–13 位 {code[10:13]} 不是摄像机类型（131、132）/ type "
                    f"{code[10:13]} is not a camera (131, 132)")
        return None
    if len(code) > MAX_CODE or not _LOCAL_CODE.fullmatch(code):
        return ("编码只能含字母、数字和 _ . : -，最多 64 个 / a code holds letters, digits and "
                "_ . : - only, at most 64")
    return None


def check_radius(radius_m: float) -> float:
    """``radius_m`` when usable (0–:data:`MAX_RADIUS_M`), else ValidationError (one line)."""
    if isinstance(radius_m, bool) or not isinstance(radius_m, int | float) \
            or not 0 <= radius_m <= MAX_RADIUS_M:
        raise ValidationError(f"半径应在 0–{MAX_RADIUS_M:.0f} 米之间 / the radius must be "
                              f"0–{MAX_RADIUS_M:.0f} m")
    return float(radius_m)


def rank_near(cameras: Iterable[Camera], lon: float, lat: float, radius_m: float,
              cell: str | None = None, neighbours: Collection[str] = ()) -> list[NearCamera]:
    """The cameras that may see (lon, lat), nearest first (then by code).

    Parameters
    ----------
    cameras : iterable of Camera
        Candidates (the caller may prefilter by a bounding box and the cells).
    lon, lat : float
        The place (WGS-84); a case without coordinates passes its cell's centre.
    radius_m : float
        Cameras within this distance are listed whatever their cell.
    cell, neighbours : str, collection of str
        The place's cell and the cells around it: their cameras are listed at any distance.
    """
    out: list[NearCamera] = []
    for camera in cameras:
        distance = haversine_m(lon, lat, camera.lon, camera.lat)
        if distance <= radius_m:
            reason = NearReason.RADIUS
        elif cell is not None and camera.cell == cell:
            reason = NearReason.CELL
        elif camera.cell is not None and camera.cell in neighbours:
            reason = NearReason.NEIGHBOUR
        else:
            continue
        out.append(NearCamera(camera, round(distance, 1), reason))
    out.sort(key=lambda n: (n.distance_m, n.camera.code))
    return out
