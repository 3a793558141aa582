"""A configured basemap (:class:`~console.domain.basemap.BasemapSource`) made drawable.

The desk's map and ``citydesk tiles fetch`` both need the URLs (with 天地图's key read from the
environment variable the centre named) or the MBTiles file's path on this machine; this module
turns the settings into a :class:`widgets.tiles.source.TileSource` or refuses in one line.
Pure Python (the tile code it uses has no Qt), so the command line runs without a display.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from console.domain.basemap import BasemapSource
from console.domain.errors import ValidationError
from widgets.tiles.grid import Matrix
from widgets.tiles.mbtiles import MBTiles, MBTilesError
from widgets.tiles.source import TIANDITU_HOSTS, TileSource, tianditu_url

__all__ = ["find_source", "mbtiles_path", "tile_source"]


def mbtiles_path(path: str) -> Path:
    """Where an MBTiles file of the settings is on this machine (``~`` expanded; a relative
    path is taken from the desk's data directory, ``~/.local/share/citydesk`` on Linux)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else Path(platformdirs.user_data_dir("citydesk")) / p


def find_source(sources: tuple[BasemapSource, ...], name: str) -> BasemapSource:
    """The source called ``name``, or a one-line refusal listing the names there are."""
    for source in sources:
        if source.name == name:
            return source
    known = "、".join(s.name for s in sources) or "（无）"
    raise ValidationError(f"centre.yaml 中没有名为 {name!r} 的底图（有：{known}）/ "
                          f"no basemap called {name!r} in centre.yaml")


def tile_source(config: BasemapSource, environ: Mapping[str, str] | None = None) -> TileSource:
    """The drawable source; :class:`ValidationError` (one line) when its key or file is missing."""
    env = os.environ if environ is None else environ
    key = ""
    if config.key_env:
        key = env.get(config.key_env, "").strip()
        if not key:
            raise ValidationError(f"底图 {config.name} 的密钥未设置：环境变量 {config.key_env} 为空 / "
                                  f"basemap {config.name}: ${config.key_env} is not set")
    if config.kind == "tianditu":
        matrix: Matrix = "c" if config.matrix == "c" else "w"
        layers = (config.layer, config.labels) if config.labels else (config.layer,)
        return TileSource(config.name, matrix, urls=tuple(tianditu_url(lay, matrix)
                                                          for lay in layers),
                          attribution=config.attribution, subdomains=TIANDITU_HOSTS, key=key,
                          min_zoom=config.min_zoom, max_zoom=config.max_zoom)
    if config.kind == "xyz":
        return TileSource(config.name, "w", urls=(config.url,), attribution=config.attribution,
                          subdomains=config.subdomains, key=key, min_zoom=config.min_zoom,
                          max_zoom=config.max_zoom)
    path = mbtiles_path(config.path)
    try:
        f = MBTiles(path)
    except MBTilesError as exc:
        raise ValidationError(f"底图 {config.name}：{exc}") from exc
    try:  # the file's own zooms (metadata written by `tiles fetch`; else one indexed query)
        low, high = f.metadata.get("minzoom"), f.metadata.get("maxzoom")
        zooms = [int(low), int(high)] if low and high else f.zooms()
        matrix = f.matrix
    except (ValueError, OSError) as exc:
        raise ValidationError(f"底图 {config.name}：{path} 无法读取（{exc}）/ unreadable") from exc
    finally:
        f.close()
    if not zooms:
        raise ValidationError(f"底图 {config.name}：{path} 中没有瓦片 / holds no tiles")
    return TileSource(config.name, matrix, mbtiles=path, attribution=config.attribution,
                      min_zoom=max(min(zooms), config.min_zoom, 1 if matrix == "c" else 0),
                      max_zoom=min(max(zooms), config.max_zoom))
