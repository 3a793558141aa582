"""With several basemap sources configured (天地图 矢量 and 影像, an offline file) the map's
图层 switcher chooses the one drawn, as radio buttons; with one there is no choice to make."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from console.domain.basemap import BasemapSource
from console.reference_files import load_centre_files
from console.services.centre import build_centre
from console.ui.basemap import show_basemap
from console.ui.panes.map_layers import MapLayers
from tests.gui.generated_tiles import write_generated_mbtiles
from widgets.grid_map import GridMapView


def test_the_switcher_chooses_the_source_drawn(qtbot, tmp_path: Path) -> None:
    sources = []
    for name in ("矢量", "影像"):
        path = tmp_path / f"{name}.mbtiles"
        write_generated_mbtiles(path, (118.35, 29.03, 118.44, 29.17), range(11, 13))
        sources.append(BasemapSource(name, "mbtiles", path=str(path), attribution=name))
    ref = load_centre_files()
    centre = build_centre(replace(ref, config=replace(ref.config, basemap=tuple(sources))))
    view = GridMapView()
    qtbot.addWidget(view)
    layers = MapLayers(view, centre)
    show_basemap(view, centre.ref.config.basemap)  # as the pane does: the first source
    assert view.basemap.layer.source.name == "矢量" and layers.source_name == "矢量"
    layers.switcher.set_on("basemap:1", True)
    assert view.basemap.layer.source.name == "影像" and layers.source_name == "影像"
    assert not layers.switcher.is_on("basemap:0")
    layers.switcher.set_on("basemap:1", False)  # the chosen one stays chosen
    assert layers.switcher.is_on("basemap:1") and view.basemap.layer.source.name == "影像"
    single = MapLayers(GridMapView(), build_centre(replace(
        ref, config=replace(ref.config, basemap=(sources[0],)))))
    assert not [k for k in single.switcher.layer_keys() if k.startswith("basemap:")]
