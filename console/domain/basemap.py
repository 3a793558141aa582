"""The centre's basemap sources (centre.yaml's ``basemap:`` list), as the desk and CLI use them.

Three kinds: ``tianditu`` (天地图's WMTS: a base layer vec/img/ter and optionally its label layer
cva/cia/cta, in matrix set ``c`` — geographic, EPSG:4490 — or ``w`` — Web Mercator), ``xyz``
(any ``{z}/{x}/{y}`` URL template, Web Mercator) and ``mbtiles`` (an offline file on the desk's
machine).  A key is never part of the settings: ``key_env`` names the environment variable
that holds 天地图's ``tk`` where tiles are fetched (the desk, ``citydesk tiles fetch``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = [
    "DEFAULT_TIANDITU_ATTRIBUTION",
    "KINDS",
    "TIANDITU_LABELS",
    "TIANDITU_LAYERS",
    "BasemapSource",
    "basemap_from_json",
    "basemap_to_json",
]

KINDS = ("tianditu", "xyz", "mbtiles")
#: 天地图's base layers: 矢量 vec, 影像 img, 地形 ter.
TIANDITU_LAYERS = ("vec", "img", "ter")
#: Their Chinese label layers (English ones: eva, eia).
TIANDITU_LABELS = ("cva", "cia", "cta", "eva", "eia")
DEFAULT_TIANDITU_ATTRIBUTION = "© 天地图 www.tianditu.gov.cn"


@dataclass(frozen=True, slots=True)
class BasemapSource:
    """One configured basemap.

    Parameters
    ----------
    name : str
        Its name (``citydesk tiles fetch --source NAME``; the desk's cache keeps it apart).
    kind : str
        ``tianditu``, ``xyz`` or ``mbtiles``.
    layer, labels : str
        天地图's base and label layers (``labels`` empty: none).
    matrix : str
        ``c`` or ``w`` (天地图); ``w`` for xyz; an MBTiles file says its own.
    url : str
        The xyz template (``{z}``, ``{x}``, ``{y}``, optionally ``{s}``).
    subdomains : tuple of str
        Values of ``{s}``.
    path : str
        The MBTiles file (``~`` allowed; relative: to the desk's data directory).
    key_env : str
        The environment variable holding 天地图's ``tk``.
    attribution : str
        Shown in the map's corner.
    min_zoom, max_zoom : int
        Zooms the source has.
    """

    name: str
    kind: str
    layer: str = ""
    labels: str = ""
    matrix: str = "w"
    url: str = ""
    subdomains: tuple[str, ...] = ()
    path: str = ""
    key_env: str = ""
    attribution: str = ""
    min_zoom: int = 1
    max_zoom: int = 18


def basemap_to_json(sources: Sequence[BasemapSource]) -> list[dict[str, Any]]:
    """The sources as the JSON the database keeps (``db.reference_codec``)."""
    return [asdict(s) | {"subdomains": list(s.subdomains)} for s in sources]


def basemap_from_json(doc: Sequence[Mapping[str, Any]] | None) -> tuple[BasemapSource, ...]:
    """Sources from the stored JSON (unknown keys of a newer release are ignored)."""
    known = {f.name for f in fields(BasemapSource)}
    out = []
    for item in doc or ():
        values = {k: v for k, v in item.items() if k in known}
        values["subdomains"] = tuple(values.get("subdomains", ()))
        out.append(BasemapSource(**values))
    return tuple(out)
