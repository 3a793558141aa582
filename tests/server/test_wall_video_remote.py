"""The wall's video page through a server (issue #17 part 5): a wall session reads the camera
registry over the wire and plays the cameras from the loopback RTSP server."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from console.app import App
from console.domain.camera_rows import NewCamera
from tests.rtsp_server import RtspServer, make_clip
from tests.server.conftest import Server

pytestmark = pytest.mark.slow

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the application


def test_the_wall_video_page_through_a_wall_session(server: Server, qtbot: Any,
                                                    tmp_path: Path) -> None:
    from console.cli.remote_wall import WallRoot
    from console.ui.ops import OpRunner
    from console.ui.wall.video_page import VideoPage
    from console.ui.wall.window import WallWindow

    clip = make_clip(tmp_path / "c.h264", "h264", width=320, height=180, frames=30)
    with RtspServer(clip) as rtsp:
        app = App.open(server.db_url, lambda: datetime.now(UTC))
        try:
            cell = next(iter(app.centre.ref.grids.values()))
            lon, lat = cell.centroid
            with app.uow_factory() as uow:
                uow.cameras.upsert(
                    [NewCamera(i, f"WALL-{i}", f"墙面路口 {i}", "墙面", lon, lat, cell.code, "", "",
                               rtsp.url, "", False) for i in range(1, 4)],
                    "wgs84", "admin", datetime.now(UTC))
                uow.commit()
        finally:
            app.close()
        root = WallRoot(server.url, server.token("dapin1", kind="wall"), saved=True)
        window = WallWindow(root, OpRunner(synchronous=True), lambda: datetime.now(UTC),
                            rotate_seconds=0, video_tiles=4)
        qtbot.addWidget(window)
        window.show()
        page = window.pages[-1]
        assert isinstance(page, VideoPage)
        window.show_page(len(window.pages) - 1)
        shown = [t for t in page.grid.tiles if t.camera is not None]
        assert [t.camera.code for t in shown if t.camera] == ["WALL-1", "WALL-2", "WALL-3"]
        qtbot.waitUntil(lambda: all(t.frames_shown > 0 for t in shown), timeout=30_000)
        readers = [t.reader for t in shown]
        window.stop()
        window.close()
        for reader in readers:
            assert reader is not None and reader.stop(wait=5)
