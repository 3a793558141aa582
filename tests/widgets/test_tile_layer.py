"""The basemap under GridMapView: tiles from a loopback server and an MBTiles file, drawn
where their known colour must show; the disk cache; the corner note; no fake basemap."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from tests.tile_server import EVEN, ODD, TileServer, solid_png, tile_server  # noqa: F401
from tests.widgets.imaging import color_at
from widgets.grid_map import GridMapView, MapCell
from widgets.tiles.cache import TileCache
from widgets.tiles.grid import tile_at, tile_bounds, tiles_in_bbox
from widgets.tiles.mbtiles import MBTiles
from widgets.tiles.source import TileSource

LON0, LAT0, SIZE = 118.40, 29.14, 0.02


@pytest.fixture
def view(qtbot: QtBot) -> GridMapView:
    widget = GridMapView()
    qtbot.addWidget(widget)
    widget.resize(480, 360)
    ring = ((LON0, LAT0), (LON0 + SIZE, LAT0), (LON0 + SIZE, LAT0 + SIZE), (LON0, LAT0 + SIZE),
            (LON0, LAT0))
    widget.set_cells([MapCell("c", ring)])
    widget.show()
    qtbot.waitExposed(widget)
    widget.fit_all()
    return widget


def visible_tiles(view: GridMapView, matrix: str, z: int) -> list[tuple[int, int]]:
    rect = view.mapToScene(view.viewport().rect()).boundingRect()
    west, north = view.to_lonlat(rect.topLeft())
    east, south = view.to_lonlat(rect.bottomRight())
    return list(tiles_in_bbox(matrix, z, (west, south, east, north)))  # type: ignore[arg-type]


def pixel_of(view: GridMapView, matrix: str, z: int, x: int, y: int, fx: float = 0.3,
             fy: float = 0.3) -> QColor:
    """The colour grabbed at a point inside tile (z, x, y), away from the cell's border."""
    w, s, e, n = tile_bounds(matrix, z, x, y)  # type: ignore[arg-type]
    point = view.mapFromScene(view.to_scene(w + (e - w) * fx, n - (n - s) * fy))
    return color_at(view.viewport().grab(), point.x(), point.y())


def near(color: QColor, rgb: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(
        (color.red(), color.green(), color.blue()), rgb, strict=True))


def centre_tile(view: GridMapView, matrix: str, z: int) -> tuple[int, int]:
    lon, lat = view.to_lonlat(view.mapToScene(view.viewport().rect().center()))
    return tile_at(matrix, z, lon, lat)  # type: ignore[arg-type]


def test_no_source_says_so_and_draws_nothing(view: GridMapView, qtbot: QtBot) -> None:
    before = view.viewport().grab().toImage()
    assert not view.basemap.note.isVisible()  # the wall's maps never ask: no note there
    view.basemap.set_source(None)
    assert view.basemap.note.isVisible() and view.basemap.note.text() == "未配置底图"
    qtbot.wait(50)
    assert view.viewport().grab().toImage() == before  # nothing drawn under the grid


def test_tiles_from_the_network_are_drawn_and_cached(view: GridMapView, qtbot: QtBot,
                                                     tile_server: TileServer,  # noqa: F811
                                                     tmp_path: Path) -> None:
    source = TileSource("local", "w", urls=(tile_server.url + "/{z}/{x}/{y}.png",),
                        attribution="生成的测试瓦片 / generated test tiles")
    cache = TileCache(tmp_path / "cache")
    view.basemap.set_source(source, cache)
    layer = view.basemap.layer
    view.viewport().update()
    qtbot.waitUntil(lambda: layer.zoom_level > 0)
    z = layer.zoom_level
    wanted = visible_tiles(view, "w", z)
    qtbot.waitUntil(lambda: layer.loaded_count() >= len(wanted), timeout=10_000)
    x, y = centre_tile(view, "w", z)
    assert near(pixel_of(view, "w", z, x, y), EVEN if (x + y) % 2 == 0 else ODD)
    assert near(pixel_of(view, "w", z, x + 1, y), ODD if (x + y) % 2 == 0 else EVEN)
    assert view.basemap.note.text() == "生成的测试瓦片 / generated test tiles"
    fetched = layer.loader.requested
    assert fetched == len(wanted)
    assert cache.get("local", 0, z, x, y) == solid_png(EVEN if (x + y) % 2 == 0 else ODD)
    # A second map with the same cache draws the same tiles without asking the server.
    hits = len(tile_server.hits)
    view.basemap.set_source(source, cache)
    view.viewport().update()
    qtbot.waitUntil(lambda: layer.loaded_count() >= len(wanted), timeout=10_000)
    assert layer.loader.requested == 0 and len(tile_server.hits) == hits
    assert near(pixel_of(view, "w", z, x, y), EVEN if (x + y) % 2 == 0 else ODD)


def test_a_failing_server_is_said_in_the_corner(view: GridMapView, qtbot: QtBot,
                                                tile_server: TileServer,  # noqa: F811
                                                tmp_path: Path) -> None:
    view.basemap.set_source(
        TileSource("bad", urls=(tile_server.url + "/missing/{z}/{x}/{y}.png",),
                   attribution="X"), TileCache(tmp_path), failed_note="底图瓦片未能加载")
    view.viewport().update()
    qtbot.waitUntil(lambda: "HTTP 404" in view.basemap.note.text(), timeout=10_000)
    assert view.basemap.note.text().startswith("X · 底图瓦片未能加载")
    assert view.basemap.layer.loaded_count() == 0
    view.basemap.set_source(TileSource("text", urls=(tile_server.url + "/text/{z}/{x}/{y}",)),
                            TileCache(tmp_path))
    view.viewport().update()
    qtbot.waitUntil(lambda: "not an image" in view.basemap.note.text(), timeout=10_000)


@pytest.mark.parametrize("matrix", ["c", "w"])
def test_an_mbtiles_file_is_drawn_with_its_rows_flipped(view: GridMapView, qtbot: QtBot,
                                                        tmp_path: Path, matrix) -> None:
    green, grey = (30, 170, 60), (120, 120, 120)
    z = 15
    path = tmp_path / "city.mbtiles"
    f = MBTiles(path, writable=True, matrix=matrix)
    rect = view.mapToScene(view.viewport().rect()).boundingRect()
    west, north = view.to_lonlat(rect.topLeft())
    east, south = view.to_lonlat(rect.bottomRight())
    tiles = list(tiles_in_bbox(matrix, z, (west, south, east, north)))
    _, y0 = tiles[0]
    for x, y in tiles:  # the top row grey, the others green: a flip would show them swapped
        f.put(z, x, y, solid_png(grey if y == y0 else green))
    f.close()
    view.basemap.set_source(TileSource("file", matrix, mbtiles=path, min_zoom=z, max_zoom=z,
                                       attribution="生成的测试瓦片"))
    view.viewport().update()
    layer = view.basemap.layer
    qtbot.waitUntil(lambda: layer.loaded_count() >= len(tiles), timeout=10_000)
    assert layer.zoom_level == z
    x, y = centre_tile(view, matrix, z)
    assert y != y0
    assert near(pixel_of(view, matrix, z, x, y), green)
    # the first (northernmost) row of tiles, where it shows at the top of the view
    w, s, _, _ = tile_bounds(matrix, z, x, y0)
    bottom = view.mapFromScene(view.to_scene(w, s)).y()
    if bottom >= 4:  # (a sliver of a row is blended with its edge)
        assert near(color_at(view.viewport().grab(), view.viewport().width() // 2,
                             bottom // 2), grey)
