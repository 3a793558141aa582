"""天地图's place search as the gazetteer's second source (issue #16 part 3).

The centre's own gazetteer answers first.  When it finds fewer places than were asked and a
天地图 key is configured — ``TIANDITU_TK`` in the environment of the process that searches (the
server, or the desk on one machine), the same variable the basemap's ``key_env`` names by
convention — the rest is asked of 天地图's 地名搜索 V2.0 (``/v2/search``, ``queryType`` 1,
limited to the box of the centre's grid).  Its answers are CGCS2000, which is WGS-84 to within
centimetres; a place no grid cell of the centre holds is left out (the desk cannot dispatch
there).  ``CITYDESK_GEOCODER_URL`` points it at another endpoint (a proxy, a test server).

The online search never stands in the operator's way: it is asked at most once a text within
ten minutes (answers are kept), gives up after :data:`TIMEOUT_S`, and a failure — no network,
a refused key, a changed answer — is logged once and leaves the gazetteer's own places.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from console.domain.cell_finder import CellFinder
from console.services.gazetteer import GazetteerHit

log = logging.getLogger(__name__)

#: 天地图's place search (V2.0).
TIANDITU_SEARCH = "https://api.tianditu.gov.cn/v2/search"
KEY_ENV = "TIANDITU_TK"
URL_ENV = "CITYDESK_GEOCODER_URL"
#: Seconds an online search may take before the gazetteer's places are shown without it.
TIMEOUT_S = 2.5
#: How long an answer is kept, and how many texts.
KEEP_S = 600.0
KEEP_TEXTS = 256
#: The ``match`` of a place the online search found.
ONLINE = "online"


class OnlineGeocodeError(Exception):
    """The online search gave no usable answer (one line: why)."""


@dataclass(frozen=True, slots=True)
class OnlinePlace:
    """A place 天地图 found (WGS-84)."""

    name: str
    address: str
    lon: float
    lat: float


class TiandituSearch:
    """天地图's 地名搜索 V2.0, with the last answers kept.

    Parameters
    ----------
    key : str
        The 天地图 key (``tk``).
    url : str
        The search endpoint.
    timeout : float
        Seconds for one request.
    """

    def __init__(self, key: str, url: str = TIANDITU_SEARCH, timeout: float = TIMEOUT_S) -> None:
        self._key, self._url, self._timeout = key, url, timeout
        self._kept: OrderedDict[tuple[str, int, tuple[float, ...]],
                                tuple[float, list[OnlinePlace]]] = OrderedDict()
        self._lock = threading.Lock()
        self._warned = False

    def search(self, text: str, bounds: tuple[float, float, float, float],
               limit: int) -> list[OnlinePlace]:
        """Places for ``text`` within ``bounds`` (west, south, east, north); raises
        :class:`OnlineGeocodeError` when the service gives no usable answer."""
        key = (text, limit, bounds)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and time.monotonic() - kept[0] < KEEP_S:
                return kept[1]
        places = self._ask(text, bounds, limit)
        with self._lock:
            self._kept[key] = (time.monotonic(), places)
            while len(self._kept) > KEEP_TEXTS:
                self._kept.popitem(last=False)
        return places

    def warn_once(self, message: str) -> None:
        """Log a failure once a process (a search a keystroke must not flood the log)."""
        if not self._warned:
            self._warned = True
            log.warning("%s", message)

    def _ask(self, text: str, bounds: tuple[float, float, float, float],
             limit: int) -> list[OnlinePlace]:
        west, south, east, north = bounds
        post = {"keyWord": text, "mapBound": f"{west},{south},{east},{north}", "level": 12,
                "queryType": "1", "start": 0, "count": limit}
        try:
            reply = requests.get(self._url, params={
                "postStr": json.dumps(post, ensure_ascii=False), "type": "query",
                "tk": self._key}, timeout=self._timeout)
        except requests.RequestException as exc:
            raise OnlineGeocodeError(f"无法连接天地图地名搜索（{type(exc).__name__}）/ "
                                     "the online search is unreachable") from None
        if reply.status_code != 200:
            raise OnlineGeocodeError(f"天地图地名搜索答复 HTTP {reply.status_code} / the online "
                                     "search refused")
        try:
            body = reply.json()
        except ValueError:
            raise OnlineGeocodeError("天地图地名搜索的答复不是 JSON（密钥无效？）/ the online "
                                     "search's answer is not JSON (a bad key?)") from None
        return parse_pois(body)


def parse_pois(body: Any) -> list[OnlinePlace]:
    """The places of a search answer; :class:`OnlineGeocodeError` for an answer of another
    shape or a status other than 服务正常 (infocode 1000)."""
    if not isinstance(body, dict):
        raise OnlineGeocodeError("天地图地名搜索的答复格式不对 / unexpected answer")
    status = body.get("status")
    if isinstance(status, dict) and str(status.get("infocode", "1000")) != "1000":
        why = str(status.get("cndesc") or status.get("infocode"))[:80]
        raise OnlineGeocodeError(f"天地图地名搜索：{why} / the online search refused")
    places = []
    for poi in body.get("pois") or ():
        if not isinstance(poi, dict):
            continue
        lonlat = str(poi.get("lonlat", "")).replace(",", " ").split()
        try:
            lon, lat = float(lonlat[0]), float(lonlat[1])
        except (IndexError, ValueError):
            continue  # a place without a usable position is no answer to "where"
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            continue
        name = str(poi.get("name", "")).strip()[:100]
        if name:
            places.append(OnlinePlace(name, str(poi.get("address", "")).strip()[:200], lon, lat))
    return places


def geocoder_from(environ: Mapping[str, str] | None = None) -> TiandituSearch | None:
    """The online search the environment configures, or None (no key: local places only)."""
    env = os.environ if environ is None else environ
    key = env.get(KEY_ENV, "").strip()
    if not key:
        return None
    return TiandituSearch(key, env.get(URL_ENV, "").strip() or TIANDITU_SEARCH)


def with_online(hits: list[GazetteerHit], text: str, limit: int, finder: CellFinder,
                online: TiandituSearch | None) -> list[GazetteerHit]:
    """``hits`` and, when they are fewer than ``limit``, the online search's places in the
    centre's grid that are not already among them (same name within 50 m)."""
    bounds = finder.bounds
    if online is None or len(hits) >= limit or len(text) < 2 or bounds is None:
        return hits
    try:
        found = online.search(text, bounds, limit)
    except OnlineGeocodeError as exc:
        online.warn_once(str(exc))  # the operator sees the local places anyway
        return hits
    out = list(hits)
    for place in found:
        if len(out) >= limit:
            break
        cell = finder.cell(place.lon, place.lat)
        if cell is None or any(_same(h, place) for h in out):
            continue
        out.append(GazetteerHit(0, place.name, place.address, place.lon, place.lat, cell.code,
                                ONLINE, 0.0))
    return out


def _same(hit: GazetteerHit, place: OnlinePlace) -> bool:
    # ~50 m in degrees at these latitudes: the same name there is the same place
    return hit.name == place.name and abs(hit.lon - place.lon) < 5e-4 \
        and abs(hit.lat - place.lat) < 5e-4
