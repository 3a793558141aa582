"""What the map draws tiles from: URL templates of an online service, or an MBTiles file.

A :class:`TileSource` is what the widget needs and nothing of where it was configured: the
console builds one from the centre's ``basemap:`` settings (``console.ui.basemap``) with the
secrets (天地图's ``tk``) already read from the environment.  :func:`tianditu_url` writes the
WMTS KVP request 天地图 documents; :func:`expand` fills a template.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from widgets.tiles.grid import Matrix

__all__ = ["TIANDITU_HOSTS", "TileSource", "expand", "tianditu_url"]

#: 天地图's tile hosts t0 … t7 (any of them serves every layer; spreading spreads the load).
TIANDITU_HOSTS = tuple(str(i) for i in range(8))


def tianditu_url(layer: str, matrix: Matrix) -> str:
    """The GetTile template of 天地图 layer ``layer`` (vec, img, cva, cia …) in matrix set ``matrix``.

    ``{s}`` is the host number, ``{tk}`` the key: filled by :func:`expand` at request time, so
    the key is never part of a template that may be logged or shown.
    """
    return (f"https://t{{s}}.tianditu.gov.cn/{layer}_{matrix}/wmts?SERVICE=WMTS&REQUEST=GetTile"
            f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET={matrix}&FORMAT=tiles"
            "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}")


@dataclass(frozen=True, slots=True)
class TileSource:
    """One basemap: its tile matrix, where tiles come from, and the attribution to show.

    Parameters
    ----------
    name : str
        The source's name (the cache keeps each source's tiles apart under it).
    matrix : {"w", "c"}
        Web Mercator (XYZ) or 天地图's geographic matrix set (see :mod:`widgets.tiles.grid`).
    urls : tuple of str
        URL templates drawn bottom to top (a base layer, then its labels); ``{z}``, ``{x}``,
        ``{y}``, ``{s}`` (a subdomain) and ``{tk}`` are filled per tile.
    mbtiles : Path, optional
        An MBTiles file instead of ``urls``.
    attribution : str
        Shown in a corner of the map whenever the source is drawn.
    subdomains : tuple of str
        Values of ``{s}``, used in turn by tile.
    key : str
        Value of ``{tk}`` (read from the environment by the caller; never from a file).
    min_zoom, max_zoom : int
        Zooms the source has; the layer stretches the deepest one beyond.
    """

    name: str
    matrix: Matrix = "w"
    urls: tuple[str, ...] = ()
    mbtiles: Path | None = None
    attribution: str = ""
    subdomains: tuple[str, ...] = ()
    key: str = ""
    min_zoom: int = 1
    max_zoom: int = 18

    def url(self, layer: int, z: int, x: int, y: int) -> str:
        """The URL of one tile of layer ``layer`` (an index into ``urls``)."""
        return expand(self.urls[layer], z, x, y, self.subdomains, self.key)

    @property
    def layer_count(self) -> int:
        """How many images make one tile (an MBTiles file has one)."""
        return 1 if self.mbtiles is not None else len(self.urls)


def expand(template: str, z: int, x: int, y: int, subdomains: tuple[str, ...] = (),
           key: str = "") -> str:
    """Fill ``{z}``, ``{x}``, ``{y}``, ``{s}`` and ``{tk}`` of a URL template."""
    sub = subdomains[(x + y) % len(subdomains)] if subdomains else ""
    return (template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))
            .replace("{s}", sub).replace("{tk}", key))
