"""The desk's map with a basemap (issue #16): 「未配置底图」 without one; tiles of a generated
offline MBTiles file under the grid, with the attribution, and the screenshot at 1920×1080."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QColor

from console.domain.basemap import BasemapSource
from console.ui.basemap import show_basemap
from console.ui.theme import apply_theme
from tests.gui.generated_tiles import GROUND, write_generated_mbtiles
from tests.widgets.imaging import count_near, pixels

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CAPTION = "生成的测试瓦片（非真实地图）/ generated test tiles, not a real map"


def test_the_desk_map_draws_an_offline_basemap(desk_factory, themed_app, qtbot,
                                               tmp_path: Path) -> None:
    apply_theme(themed_app, "light")
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    w.apply_theme_colors("light")
    w.resize(1920, 1080)
    w.reset_layout()
    view = w.map.map
    qtbot.wait(100)
    note = view.basemap.note
    assert note.isVisible() and note.text() == "未配置底图"  # the demo centre has none
    before = view.viewport().grab()
    area = before.width() * before.height()
    assert count_near(before, QColor(GROUND), 3) < area // 1000  # a few blended pixels at most
    path = tmp_path / "generated.mbtiles"
    write_generated_mbtiles(path, (118.35, 29.03, 118.44, 29.17), range(11, 16))
    show_basemap(view, (BasemapSource("测试底图", "mbtiles", path=str(path),
                                      attribution=CAPTION),))
    layer = view.basemap.layer
    view.viewport().update()
    qtbot.waitUntil(lambda: layer.zoom_level > 0 and layer.loaded_count() > 0, timeout=10_000)
    qtbot.wait(300)  # the rest of the view's tiles (read in the loader's thread)
    assert note.text() == CAPTION
    assert layer.source is not None and layer.source.matrix == "c"
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    image = w.grab().toImage()
    assert (image.width(), image.height()) == (1920, 1080)
    assert image.save(str(folder / "desk_basemap_1080.png"))
    # the tiles show under most of the map: most pixels changed from the bare map
    changed = (pixels(view.viewport().grab()) != pixels(before)).sum()
    assert changed > area // 2, (changed, area)
