"""Basemap tiles for the map widget: tile arithmetic, sources, MBTiles, a disk cache, the layer.

Everything but :mod:`widgets.tiles.layer` and :mod:`widgets.tiles.loader` is plain Python (no Qt),
so ``citydesk tiles fetch`` uses the same arithmetic and MBTiles code without a display.
"""
