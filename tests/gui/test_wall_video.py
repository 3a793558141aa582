"""The wall's video page (issue #17 part 5): `citydesk wall --video N`, the page in the rotation,
cameras read through the wall's own backend and played from the loopback RTSP server.

Set CITYDESK_UPDATE_SCREENSHOTS=1 to write docs/screenshots/wall_video_1080.png.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from console.app import App
from console.domain.camera_rows import NewCamera
from console.domain.errors import ValidationError
from console.ui.ops import OpRunner
from console.ui.theme import apply_theme
from console.ui.wall import start as wall_start
from console.ui.wall.start import wall_density
from console.ui.wall.video_page import VideoPage
from console.ui.wall.window import WallWindow
from tests.gui.desk import NOW
from tests.gui.test_wall import _parse
from tests.rtsp_server import RtspServer
from widgets.video_decode import StreamState

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_cli_wall_video_tiles(demo_template, tmp_path, monkeypatch) -> None:
    path = tmp_path / "cli.sqlite3"
    shutil.copy(demo_template, path)
    calls = []
    monkeypatch.setattr(wall_start, "run_wall", lambda backend, **kw: calls.append(kw) or 0)
    args = _parse(["wall", "--db", f"sqlite:///{path}", "--video", "9"])
    assert args.handler(args) == 0
    assert calls[-1]["video_tiles"] == 9
    args = _parse(["wall", "--db", f"sqlite:///{path}"])
    assert args.handler(args) == 0 and calls[-1]["video_tiles"] == 0
    bad = _parse(["wall", "--db", f"sqlite:///{path}", "--video", "5"])
    with pytest.raises(ValidationError, match="--video"):
        bad.handler(bad)
    assert len(calls) == 2


def test_the_video_page_turns_with_the_wall(demo_template, tmp_path, qtbot, themed_app,
                                            rtsp_h264: RtspServer) -> None:
    apply_theme(themed_app, "dark", wall_density(1080))
    path = tmp_path / "wall.sqlite3"
    shutil.copy(demo_template, path)
    app = App.open(f"sqlite:///{path}", lambda: NOW)
    cell = next(iter(app.centre.ref.grids.values()))
    lon, lat = cell.centroid
    with app.uow_factory() as uow:
        uow.cameras.upsert([NewCamera(i, f"3308240000132{i:07d}", f"城区路口 {i}", "城区",
                                      lon + i / 2000, lat, cell.code, "", "", rtsp_h264.url,
                                      "", False) for i in range(1, 13)],
                           "wgs84", "admin", datetime.now(UTC))
        uow.commit()
    window = WallWindow(app, OpRunner(synchronous=True), lambda: NOW, rotate_seconds=20,
                        video_tiles=9)
    qtbot.addWidget(window)
    try:
        window.resize(1920, 1080)
        window.show()
        window.start()
        page = window.pages[-1]
        assert isinstance(page, VideoPage)
        assert all(t.state is StreamState.STOPPED for t in page.grid.tiles)  # not on screen
        window.show_page(len(window.pages) - 1)
        assert window.page_title.text() == "视频监控"
        assert [t.camera.name for t in page.grid.tiles if t.camera] == [
            f"城区路口 {i}" for i in range(1, 10)]
        qtbot.waitUntil(lambda: all(t.frames_shown > 0 for t in page.grid.tiles),
                        timeout=30000)
        qtbot.wait(300)
        folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        image = window.grab().toImage()
        assert (image.width(), image.height()) == (1920, 1080)
        assert image.save(str(folder / "wall_video_1080.png"))
        readers = [t.reader for t in page.grid.tiles]
        window.next_page()  # the wall turns away: the streams stop
        assert all(t.state is StreamState.STOPPED for t in page.grid.tiles)
        window.show_page(len(window.pages) - 1)  # and back: the next cameras
        assert [t.camera.name for t in page.grid.tiles if t.camera] == [
            f"城区路口 {i}" for i in range(10, 13)]
        for reader in readers:
            assert reader is not None and reader.stop(wait=5)
    finally:
        window.stop()
        window.close()
        app.close()
