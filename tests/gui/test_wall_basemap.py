"""The wall's area maps draw the centre's basemap under the cells (issue #16 part 5), from a
generated offline MBTiles file; without one configured they draw none and say nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from console.domain.basemap import BasemapSource
from console.reference_files import load_centre_files
from console.services.centre import build_centre
from console.ui.wall.overview import OverviewPage
from tests.gui.generated_tiles import write_generated_mbtiles

CAPTION = "生成的测试瓦片（非真实地图）/ generated test tiles, not a real map"


def test_the_wall_maps_draw_the_centres_basemap(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "generated.mbtiles"
    write_generated_mbtiles(path, (118.35, 29.03, 118.44, 29.17), range(11, 16))
    ref = load_centre_files()
    source = BasemapSource("测试底图", "mbtiles", path=str(path), attribution=CAPTION)
    centre = build_centre(replace(ref, config=replace(ref.config, basemap=(source,))))
    page = OverviewPage(centre)
    qtbot.addWidget(page)
    page.resize(1920, 900)
    page.show()
    area = page.maps[0]
    layer = area.map.basemap.layer
    area.map.viewport().update()
    qtbot.waitUntil(lambda: layer.source is not None and layer.loaded_count() > 0,
                    timeout=10_000)
    area.set_scale(1.5)  # a 4K wall builds its map again: with the basemap
    assert area.map.basemap.layer.source is not None
    bare = OverviewPage(build_centre(ref))
    qtbot.addWidget(bare)
    bare.show()
    assert bare.maps[0].map.basemap.layer.source is None
    assert not bare.maps[0].map.basemap.note.isVisible()  # no 「未配置底图」 on a hall's screen
