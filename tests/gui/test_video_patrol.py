"""The video-patrol seat and the wall's video page on a real loopback RTSP server (issue #17
parts 3 and 5).  Set CITYDESK_UPDATE_SCREENSHOTS=1 to write the 3×3 screenshot to docs/."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from console.domain.cameras import Camera
from console.ui.video_patrol import PatrolWindow, pages_of
from console.ui.video_tiles import direct_url
from console.ui.wall.video_page import VideoPage
from tests.rtsp_server import Clip, RtspServer
from widgets.video_decode import StreamState

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def camera(index: int, url: str, sub: str = "", group: str = "城东") -> Camera:
    return Camera(id=index, code=f"33082400001320{index:06d}", name=f"城东路口 {index}",
                  group=group, lon=118.41 + index / 1000, lat=29.14, cell=None, platform="",
                  platform_id="", main_url=url, sub_url=sub, ptz=False)


def lookup(cam: Camera, sub: bool, found: Callable[[str], None],
           failed: Callable[[str], None]) -> None:
    url = direct_url(cam, sub)
    if url:
        found(url)
    else:
        failed("no url")


def closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


@pytest.fixture
def patrol(qtbot: QtBot) -> Iterator[PatrolWindow]:
    window = PatrolWindow(lookup, lambda done, failed: None, rotate_seconds=30, tiles=9)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    yield window
    readers = [t.reader for t in window.grid.tiles if t.reader is not None]
    window.close()
    for reader in readers:
        assert reader.stop(wait=5)


def playing(window: PatrolWindow) -> list[bool]:
    return [t.frames_shown > 0 and t.state is StreamState.PLAYING for t in window.grid.tiles
            if t.camera is not None]


def test_pages_of() -> None:
    assert pages_of([], 4) == [[]]
    assert [len(p) for p in pages_of(list(range(10)), 4)] == [4, 4, 2]


def test_a_3x3_page_plays_and_rotates(qtbot: QtBot, patrol: PatrolWindow, rtsp_h264: RtspServer,
                                      tmp_path: Path) -> None:
    cams = [camera(i, rtsp_h264.url) for i in range(12)]
    patrol.set_cameras(cams)
    assert patrol.grid.count == 9 and patrol.pager.text() == "第 1/2 组"
    qtbot.waitUntil(lambda: all(playing(patrol)) and len(playing(patrol)) == 9, timeout=30000)
    assert [t.camera for t in patrol.grid.tiles] == cams[:9]
    assert patrol.timer.isActive() and patrol.timer.interval() == 30000
    qtbot.wait(300)
    folder = DOCS if os.environ.get("CITYDESK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    image = patrol.grab().toImage()
    assert (image.width(), image.height()) == (1920, 1080)
    assert image.save(str(folder / "video_patrol_3x3_1080.png"))
    patrol.resize(1366, 768)  # a laptop seat
    shown = patrol.grid.tiles[8].frames_shown
    qtbot.waitUntil(lambda: patrol.grid.tiles[8].frames_shown > shown + 1, timeout=10000)
    image = patrol.grab().toImage()
    assert (image.width(), image.height()) == (1366, 768)
    assert image.save(str(folder / "video_patrol_3x3_768.png"))

    patrol.timer.timeout.emit()  # 轮巡: the next page
    assert patrol.pager.text() == "第 2/2 组"
    assert [t.camera for t in patrol.grid.tiles[:3]] == cams[9:]
    assert all(t.camera is None and t.state is StreamState.STOPPED
               for t in patrol.grid.tiles[3:])
    qtbot.waitUntil(lambda: len(playing(patrol)) == 3, timeout=20000)
    patrol.timer.timeout.emit()
    assert patrol.pager.text() == "第 1/2 组"


def test_layouts_and_groups(qtbot: QtBot, patrol: PatrolWindow) -> None:
    url = f"rtsp://127.0.0.1:{closed_port()}/x"
    cams = [camera(i, url, group="城东" if i < 5 else "城西") for i in range(8)]
    patrol.set_cameras(cams)
    groups = [patrol.group.itemText(i) for i in range(patrol.group.count())]
    assert groups == ["全部摄像机", "城东", "城西"]
    patrol.group.setCurrentIndex(2)
    assert [t.camera for t in patrol.grid.tiles if t.camera] == cams[5:]
    patrol.layout_box.setCurrentIndex(patrol.layout_box.findData(4))
    assert patrol.grid.count == 4 and patrol.pager.text() == "第 1/1 组"
    patrol.layout_box.setCurrentIndex(patrol.layout_box.findData(1))
    assert patrol.grid.count == 1 and patrol.pager.text() == "第 1/3 组"
    patrol.rotate.setValue(0)
    assert not patrol.timer.isActive()


def test_double_click_enlarges_to_the_main_stream(qtbot: QtBot, patrol: PatrolWindow,
                                                  h264_clip: Clip, rtsp_h264: RtspServer) -> None:
    with RtspServer(h264_clip) as main:
        cams = [camera(i, main.url, sub=rtsp_h264.url) for i in range(4)]
        patrol.set_cameras(cams)
        tile = patrol.grid.tiles[1]
        assert tile.url == rtsp_h264.url  # the grid plays sub-streams
        QTest.mouseDClick(tile, Qt.MouseButton.LeftButton)
        assert patrol.grid.enlarged is tile and tile.url == main.url
        assert not patrol.timer.isActive()  # no rotation under an enlarged picture
        assert [t.isVisible() for t in patrol.grid.tiles] == [False, True] + [False] * 7
        others = [t for t in patrol.grid.tiles if t.camera is not None and t is not tile]
        assert all(t.state is StreamState.STOPPED for t in others)  # hidden: not decoding
        qtbot.waitUntil(lambda: tile.frames_shown > 0 and main.plays >= 1, timeout=15000)
        QTest.keyClick(patrol, Qt.Key.Key_Escape)
        assert patrol.grid.enlarged is None and tile.url == rtsp_h264.url
        assert patrol.timer.isActive()
        assert all(t.state is not StreamState.STOPPED for t in others)  # playing again


def test_f2_hands_over_the_camera_and_its_frame(qtbot: QtBot, patrol: PatrolWindow,
                                                rtsp_h264: RtspServer) -> None:
    cams = [camera(i, rtsp_h264.url) for i in range(3)]
    patrol.set_cameras(cams)
    tile = patrol.grid.tiles[2]
    qtbot.waitUntil(lambda: tile.frames_shown > 0, timeout=15000)
    QTest.mouseClick(tile, Qt.MouseButton.LeftButton)  # the tile looked at
    with qtbot.waitSignal(patrol.file_requested, timeout=2000) as got:
        QTest.keyClick(patrol, Qt.Key.Key_F2)
    chosen, frame = got.args
    assert chosen == cams[2]
    assert frame.jpeg[:2] == b"\xff\xd8" and frame.size == (640, 360)


def test_f2_without_a_picture_files_nothing(qtbot: QtBot, patrol: PatrolWindow) -> None:
    patrol.set_cameras([camera(1, f"rtsp://127.0.0.1:{closed_port()}/x")])
    qtbot.waitUntil(lambda: patrol.grid.tiles[0].state is StreamState.NO_SIGNAL,
                    timeout=10000)
    with qtbot.assertNotEmitted(patrol.file_requested):
        QTest.keyClick(patrol, Qt.Key.Key_F2)
    assert patrol.status.text() == "城东路口 1：尚无画面，无法上报"


def test_the_wall_page_plays_only_on_screen_and_turns(qtbot: QtBot,
                                                      rtsp_h264: RtspServer) -> None:
    cams = [camera(i, rtsp_h264.url) for i in range(6)]
    loads: list[int] = []

    def load(done: Callable[[list[Camera]], None], _failed: Callable[[str], None]) -> None:
        loads.append(1)
        done(cams)

    page = VideoPage(lookup, load, tiles=4)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    assert loads == []  # nothing read, nothing played before the page is on screen
    page.show()
    assert loads == [1]
    assert [t.camera for t in page.grid.tiles] == cams[:4]
    qtbot.waitUntil(lambda: all(t.frames_shown > 0 for t in page.grid.tiles), timeout=20000)
    readers = [t.reader for t in page.grid.tiles]
    page.hide()
    assert all(t.state is StreamState.STOPPED for t in page.grid.tiles)
    page.show()  # the wall came back to the page: the next cameras
    assert [t.camera for t in page.grid.tiles[:2]] == cams[4:]
    assert loads == [1]
    page.hide()
    for reader in readers + [t.reader for t in page.grid.tiles]:
        if reader is not None:
            assert reader.stop(wait=5)
