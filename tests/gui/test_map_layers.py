"""The desk map's layers (issue #16 part 2): the switcher turns the basemap, the grid, the
components (by type too) and the cases on and off; a click on a component shows its card and
「对此部件上报」 opens the report form pre-filled, so the report routes to the owner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console.domain.basemap import BasemapSource
from console.services.uow import CaseFilter
from console.ui.basemap import show_basemap
from console.ui.theme import apply_theme
from tests.gui.generated_tiles import write_generated_mbtiles
from tests.gui.remote import BOTH
from tests.widgets.imaging import pixels

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CAPTION = "生成的测试瓦片（非真实地图）/ generated test tiles, not a real map"

COMPONENT = "33082403006000001"  # 03006, owned by 县宣传部 (KH-XCB); the category's unit: KH-ZHZF


def _zoom_to(view, lon: float, lat: float, scale: float = 60_000.0) -> None:
    view.zoom_by(scale / view.zoom)
    view.centerOn(view.to_scene(lon, lat))


def test_the_switcher_turns_layers_on_and_off(desk_factory, qtbot) -> None:
    desk = desk_factory("zhibanzhang1")
    pane = desk.window.map
    view, layers = pane.map, pane.layers
    switcher = layers.switcher
    assert switcher.layer_keys()[:4] == ["basemap", "grid", "components", "cases"]
    assert "components:03006" in switcher.layer_keys()
    shown = next(k for k in view.marker_keys() if view.is_marker_shown(k))
    switcher.set_on("cases", False)
    assert not view.is_marker_shown(shown)
    switcher.set_on("cases", True)
    assert view.is_marker_shown(shown)
    comp = desk.app.centre.ref.components[COMPONENT]
    _zoom_to(view, comp.lon, comp.lat)
    assert view.labels_visible
    switcher.set_on("grid", False)
    assert not view.cells_visible and not view.labels_visible
    switcher.set_on("grid", True)
    assert view.labels_visible
    switcher.set_on("cases", False)
    with_icons = view.viewport().grab()
    drawn = layers.components.drawn
    assert drawn > 0  # icons are painted at this zoom
    switcher.set_on("components:03006", False)
    view.viewport().grab()
    assert 0 < layers.components.drawn < drawn  # that type's icons are gone, others stay
    switcher.set_on("components", False)
    without = view.viewport().grab()
    assert not layers.components.isVisible()
    assert (pixels(with_icons) != pixels(without)).any()
    view.zoom_by(2_000 / view.zoom)  # the county at a glance: no icons below the threshold
    switcher.set_on("components", True)
    view.viewport().grab()
    assert layers.components.drawn == 0


@pytest.mark.parametrize("backend", BOTH, indirect=True)
def test_a_component_click_offers_a_prefilled_report(desk_factory, qtbot) -> None:
    desk = desk_factory("shouli1")
    window = desk.window
    pane = window.map
    view, layers = pane.map, pane.layers
    comp = desk.app.centre.ref.components[COMPONENT]
    layers.switcher.set_on("cases", False)  # no case marker over the component
    _zoom_to(view, comp.lon, comp.lat)
    at = view.mapFromScene(layers.scene_pos(COMPONENT))
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert layers.card.isVisible()
    text = layers.card.text.text()
    assert COMPONENT in text and comp.name in text and "县宣传部" in text
    layers.card.report.click()
    dialog = window.reports.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.category_code() == "03006"
    assert dialog.component_id == COMPONENT
    assert (dialog.lon, dialog.lat) == (comp.lon, comp.lat)
    assert dialog.grid_code() is not None
    dialog.description.setPlainText("广告牌松动")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: window.reports.dialog is None, timeout=5000)
    with desk.app.uow_factory() as uow:
        (case,) = uow.cases.list(CaseFilter(words=("广告牌松动",)))
    assert case.component_id == COMPONENT
    assert case.suggested_unit == "KH-XCB"  # owner first (先属主): not the category's KH-ZHZF


def test_a_click_away_from_components_shows_no_card(desk_factory, qtbot) -> None:
    desk = desk_factory("shouli1")
    pane = desk.window.map
    view, layers = pane.map, pane.layers
    comp = desk.app.centre.ref.components[COMPONENT]
    layers.switcher.set_on("cases", False)
    _zoom_to(view, comp.lon, comp.lat)
    at = view.mapFromScene(layers.scene_pos(COMPONENT))
    at.setX(at.x() + 40)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert not layers.card.isVisible()


def test_screenshot_components_over_a_generated_basemap(desk_factory, themed_app, qtbot,
                                                        tmp_path: Path) -> None:
    apply_theme(themed_app, "light")
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    w.apply_theme_colors("light")
    w.resize(1920, 1080)
    w.reset_layout()
    view, layers = w.map.map, w.map.layers
    path = tmp_path / "generated.mbtiles"
    write_generated_mbtiles(path, (118.35, 29.03, 118.44, 29.17), range(11, 18))
    show_basemap(view, (BasemapSource("测试底图", "mbtiles", path=str(path),
                                      attribution=CAPTION),))
    comp = desk.app.centre.ref.components[COMPONENT]
    qtbot.wait(400)  # the pane's re-fit after the layout change (150 ms) is over
    _zoom_to(view, comp.lon, comp.lat, 45_000.0)
    layer = view.basemap.layer
    view.viewport().update()
    qtbot.waitUntil(lambda: layer.zoom_level > 0 and layer.loaded_count() > 0, timeout=10_000)
    layers.show_component(COMPONENT)
    qtbot.wait(300)
    _zoom_to(view, comp.lon, comp.lat, 45_000.0)  # again: a late re-fit of the pane undoes it
    qtbot.wait(600)  # that zoom's tiles
    view.viewport().grab()
    assert layers.components.drawn > 10 and layers.card.isVisible()
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    image = w.grab().toImage()
    assert (image.width(), image.height()) == (1920, 1080)
    assert image.save(str(folder / "desk_components_1080.png"))
    w.resize(1366, 768)
    w.reset_layout()
    qtbot.wait(400)
    _zoom_to(view, comp.lon, comp.lat, 45_000.0)
    qtbot.wait(600)
    view.viewport().grab()
    assert layers.components.drawn > 5 and layers.card.isVisible()
    small = w.grab().toImage()
    assert (small.width(), small.height()) == (1366, 768)
    assert small.save(str(folder / "desk_components_768.png"))
