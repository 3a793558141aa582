"""The desk map's camera layer (issue #17): the registry's cameras by online state, a line of
the 图层 switcher each, read through the seam; and its screenshot."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from console.domain.cases import Actor, Role
from console.domain.coords import Crs
from console.services.cameras import import_cameras, record_online
from console.ui.theme import apply_theme

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ROWS = [(2, ["33082400001320000001", "解放街口", 118.4017, 29.14745, "rtsp://10.0.0.1/1"]),
        (3, ["33082400001320000002", "解放街西", 118.4013, 29.1470, "rtsp://10.0.0.2/1"]),
        (4, ["33082400001320000003", "新华路口", 118.4033, 29.1462, "rtsp://10.0.0.3/1"])]


def _cameras(desk) -> None:
    factory = desk.app.uow_factory
    now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    import_cameras(factory, desk.app.centre, ["编码", "名称", "经度", "纬度", "主码流"], ROWS,
                   Crs.WGS84, dry_run=False, actor=Actor("admin", Role.ADMIN), now=now)
    record_online(factory, {"33082400001320000001": True, "33082400001320000002": False}, now)
    desk.window.camera_layer.refresh()


def test_the_cameras_are_a_layer_by_state(desk_factory, qtbot) -> None:
    desk = desk_factory("zhibanzhang1")
    layer = desk.window.camera_layer
    assert len(layer.items) == 0  # the demo has no cameras
    _cameras(desk)
    assert len(layer.items) == 3
    keys = layer.switcher.layer_keys()
    assert "cameras" in keys
    assert [k for k in keys if k.startswith("cameras:")] == [
        "cameras:offline", "cameras:online", "cameras:unknown"]
    view = desk.window.map.map
    view.zoom_by(60_000.0 / view.zoom)
    view.centerOn(view.to_scene(118.4017, 29.1472))
    view.viewport().grab()
    assert layer.items.drawn == 3
    layer.switcher.set_on("cameras:offline", False)
    view.viewport().grab()
    assert layer.items.drawn == 2
    layer.refresh()  # a refresh keeps what the operator turned off
    assert not layer.switcher.is_on("cameras:offline")
    layer.switcher.set_on("cameras", False)
    assert not layer.items.isVisible()


def test_screenshot_the_map_with_cameras(desk_factory, themed_app, qtbot,
                                         tmp_path: Path) -> None:
    apply_theme(themed_app, "light")
    desk = desk_factory(user="zhibanzhang1")
    w = desk.window
    w.apply_theme_colors("light")
    w.resize(1920, 1080)
    w.reset_layout()
    _cameras(desk)
    qtbot.wait(400)  # the pane's re-fit after the layout change
    view = w.map.map
    for _again in range(2):  # again: a late re-fit of the pane undoes the first
        view.zoom_by(60_000.0 / view.zoom)
        view.centerOn(view.to_scene(118.4021, 29.1471))
        qtbot.wait(300)
    view.viewport().grab()
    assert w.camera_layer.items.drawn == 3
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    image = w.grab().toImage()
    assert (image.width(), image.height()) == (1920, 1080)
    assert image.save(str(folder / "desk_cameras_map_1080.png"))
