"""Tile arithmetic against known tile boundaries, MBTiles' TMS rows, the disk cache's bound.

Known boundaries:

* XYZ / 天地图 ``w`` (Web Mercator): tile 0/0/0 is the world to ±85.0511287798°; OSM's wiki
  ("Slippy map tilenames") gives lon = x / 2^z · 360 − 180 and
  lat = atan(sinh(π (1 − 2y / 2^z))); tile 1/1/0 is (0, 0, 180, 85.0511); at z 13, 13.40°E
  52.52°N is column ⌊193.40 / 360 · 8192⌋ = 4400, row ⌊(1 − asinh(tan 52.52°) / π) / 2 ·
  8192⌋ = ⌊2686.6⌋ = 2686 (worked by hand from the wiki's formulas).
* 天地图 ``c`` (geographic): its capabilities (t0.tianditu.gov.cn/vec_c/wmts?request=
  GetCapabilities&service=wmts) give TileMatrix 1 as MatrixWidth 2, MatrixHeight 1,
  TopLeftCorner "90.0 -180.0" and ScaleDenominator 2.958293554545656E8 (256 px × 0.703125°
  per px at 0.28 mm per px ≈ 180° per tile); each level halves the tile.  So tile 1/0/0 is
  (−180, −90, 0, 90), 1/1/0 is (0, −90, 180, 90), 2/3/0 is (90, 0, 180, 90).
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pytest

from widgets.tiles.cache import TileCache
from widgets.tiles.grid import (
    MERCATOR_MAX_LAT,
    matrix_size,
    tile_at,
    tile_bounds,
    tile_count,
    tiles_in_bbox,
    zoom_for_scale,
)
from widgets.tiles.mbtiles import MBTiles, MBTilesError
from widgets.tiles.source import TileSource, expand, tianditu_url


def close(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(math.isclose(p, q, abs_tol=1e-9) for p, q in zip(a, b, strict=True))


def test_web_mercator_known_tiles() -> None:
    assert math.isclose(MERCATOR_MAX_LAT, 85.0511287798, abs_tol=1e-9)
    assert close(tile_bounds("w", 0, 0, 0), (-180, -MERCATOR_MAX_LAT, 180, MERCATOR_MAX_LAT))
    assert close(tile_bounds("w", 1, 1, 0), (0, 0, 180, MERCATOR_MAX_LAT))
    assert close(tile_bounds("w", 1, 0, 1), (-180, -MERCATOR_MAX_LAT, 0, 0))
    assert tile_at("w", 13, 13.40, 52.52) == (4400, 2686)
    w, s, e, n = tile_bounds("w", 13, 4400, 2686)
    assert w <= 13.40 < e and s <= 52.52 < n
    assert math.isclose(w, 4400 / 8192 * 360 - 180)


def test_geographic_c_matrix_known_tiles() -> None:
    assert matrix_size("c", 1) == (2, 1)
    assert matrix_size("c", 18) == (2**18, 2**17)
    assert close(tile_bounds("c", 1, 0, 0), (-180, -90, 0, 90))
    assert close(tile_bounds("c", 1, 1, 0), (0, -90, 180, 90))
    assert close(tile_bounds("c", 2, 3, 0), (90, 0, 180, 90))
    # 开化县 (118.41°E 29.14°N) at level 10: tiles of 360/1024 = 0.3515625°
    x, y = tile_at("c", 10, 118.41, 29.14)
    assert (x, y) == (int((118.41 + 180) / 0.3515625), int((90 - 29.14) / 0.3515625))
    w, s, e, n = tile_bounds("c", 10, x, y)
    assert w <= 118.41 < e and s <= 29.14 < n
    assert math.isclose(e - w, 0.3515625) and math.isclose(n - s, 0.3515625)
    with pytest.raises(ValueError, match="level 1"):
        matrix_size("c", 0)


@pytest.mark.parametrize("matrix", ["w", "c"])
def test_bounds_and_tile_at_agree_and_boxes_cover(matrix) -> None:
    for z in (3, 12, 18):
        x, y = tile_at(matrix, z, 118.41, 29.14)
        w, s, e, n = tile_bounds(matrix, z, x, y)
        assert tile_at(matrix, z, (w + e) / 2, (s + n) / 2) == (x, y)
        assert tile_at(matrix, z, w, n) == (x, y)  # the north-west corner is the tile's own
        # a box exactly one tile big takes that tile only; a hair more takes the neighbours
        assert list(tiles_in_bbox(matrix, z, (w, s, e, n))) == [(x, y)]
        assert tile_count(matrix, z, (w, s - 1e-9, e + 1e-9, n)) == 4
    bbox = (118.30, 29.05, 118.50, 29.25)
    tiles = list(tiles_in_bbox(matrix, 14, bbox))
    assert len(tiles) == tile_count(matrix, 14, bbox) == len(set(tiles))
    covered = [tile_bounds(matrix, 14, x, y) for x, y in tiles]
    assert min(b[0] for b in covered) <= bbox[0] and max(b[2] for b in covered) >= bbox[2]
    assert min(b[1] for b in covered) <= bbox[1] and max(b[3] for b in covered) >= bbox[3]


def test_zoom_for_scale() -> None:
    # 256 px per tile: at z a degree of longitude is 256 · 2^z / 360 px
    for z in (5, 12, 17):
        assert zoom_for_scale("w", 256 * 2**z / 360, 29, 1, 18) == z
    assert zoom_for_scale("c", 1e9, 29, 1, 18) == 18
    assert zoom_for_scale("c", 1e-9, 29, 3, 18) == 3


def test_urls() -> None:
    url = tianditu_url("vec", "c")
    assert url.startswith("https://t{s}.tianditu.gov.cn/vec_c/wmts?SERVICE=WMTS&REQUEST=GetTile")
    assert "TILEMATRIXSET=c" in url and "LAYER=vec" in url
    filled = expand(url, 12, 3400, 700, ("0", "1"), "KEY")
    assert "TILEMATRIX=12&TILEROW=700&TILECOL=3400&tk=KEY" in filled
    assert filled.startswith("https://t0.")
    source = TileSource("osm", urls=("https://{s}.tile.example/{z}/{x}/{y}.png",),
                        subdomains=("a", "b"))
    assert source.url(0, 3, 1, 2) == "https://b.tile.example/3/1/2.png"


@pytest.mark.parametrize("matrix", ["w", "c"])
def test_mbtiles_rows_are_tms(tmp_path: Path, matrix) -> None:
    path = tmp_path / "t.mbtiles"
    f = MBTiles(path, writable=True, matrix=matrix)
    f.put(5, 3, 1, b"north")
    f.close()
    raw = sqlite3.connect(path)
    rows = matrix_size(matrix, 5)[1]
    # TMS: row 0 is the southernmost; XYZ row 1 is stored as rows - 1 - 1
    assert raw.execute("SELECT zoom_level, tile_column, tile_row FROM tiles").fetchall() == \
        [(5, 3, rows - 2)]
    assert dict(raw.execute("SELECT name, value FROM metadata"))["citydesk_matrix"] == matrix
    raw.close()
    again = MBTiles(path)
    assert again.matrix == matrix
    assert again.get(5, 3, 1) == b"north" and again.has(5, 3, 1)
    assert again.get(5, 3, rows - 2) is None
    assert again.zooms() == [5] and again.count() == 1


def test_mbtiles_refuses_missing_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(MBTilesError, match="找不到"):
        MBTiles(tmp_path / "none.mbtiles")
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(MBTilesError, match="不是 MBTiles"):
        MBTiles(junk)


def test_cache_keeps_and_prunes_oldest_first(tmp_path: Path) -> None:
    cache = TileCache(tmp_path, max_bytes=2500, prune_every=1000)
    for i in range(5):
        cache.put("天地图 vec", 0, 10, i, 0, bytes(1000))
        path = cache.path("天地图 vec", 0, 10, i, 0)
        import os

        os.utime(path, (1000 + i, 1000 + i))
    assert cache.get("天地图 vec", 0, 10, 4, 0) == bytes(1000)
    assert cache.size() == 5000
    assert cache.prune() == 3
    assert cache.get("天地图 vec", 0, 10, 0, 0) is None
    assert cache.get("天地图 vec", 0, 10, 4, 0) is not None
    assert cache.size() <= 2500
    assert "/" not in cache.path("a/../b", 0, 1, 2, 3).relative_to(tmp_path).parts[0]
