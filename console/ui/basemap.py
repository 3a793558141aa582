"""The desk map's basemap: the centre's first configured source, or 「未配置底图」.

A source whose key or file is missing on this machine is not drawn; the map's corner says why
in one line (the variable to set, the file not found) instead.
"""

from __future__ import annotations

from console.domain.basemap import BasemapSource
from console.domain.errors import ValidationError
from console.tile_sources import tile_source
from console.ui.i18n import _
from widgets.grid_map import GridMapView
from widgets.tiles.cache import TileCache, default_cache_dir


def show_basemap(view: GridMapView, sources: tuple[BasemapSource, ...],
                 cache: TileCache | None = None) -> None:
    """Draw the first of ``sources`` under ``view``'s grid (none: say so in its corner)."""
    if not sources:
        view.basemap.set_source(None, note=_("未配置底图"))
        return
    try:
        source = tile_source(sources[0])
    except ValidationError as exc:
        view.basemap.show_note(exc.message)
        return
    if source.mbtiles is None and cache is None:
        cache = TileCache(default_cache_dir())
    view.basemap.set_source(source, cache, failed_note=_("底图瓦片未能加载"))
