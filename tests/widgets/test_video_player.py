"""The video player against a real RTSP server on loopback and a file (issue #17 part 2)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.rtsp_server import Clip, RtspServer, make_clip, mp4_clip, read_counter
from widgets.video_decode import StreamState
from widgets.video_player import VideoPlayer

pytestmark = pytest.mark.slow


def image_array(image: QImage) -> np.ndarray:
    """The image's pixels as an RGB array."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    rows = rows.reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


@pytest.fixture(scope="module")
def hevc(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    return make_clip(tmp_path_factory.mktemp("clip") / "c.hevc", "hevc", width=320,
                     height=180, frames=30)


@pytest.fixture
def player(qtbot: QtBot) -> Iterator[VideoPlayer]:
    widget = VideoPlayer(open_timeout=1.5, read_timeout=1.5, backoff=(0.2, 0.4))
    qtbot.addWidget(widget)
    widget.resize(640, 360)
    widget.show()
    yield widget
    reader = widget.reader
    widget.stop()
    if reader is not None:
        assert reader.stop(wait=5), "the reader's thread did not end"


def wait_frames(qtbot: QtBot, player: VideoPlayer, count: int) -> None:
    start = player.frames_shown
    qtbot.waitUntil(lambda: player.frames_shown >= start + count, timeout=15000)


def test_rtsp_h264_frames_are_painted(qtbot: QtBot, player: VideoPlayer,
                                      rtsp_h264: RtspServer) -> None:
    player.play(rtsp_h264.url)
    assert player.state is StreamState.CONNECTING
    assert player.state_text() == "连接中…"
    wait_frames(qtbot, player, 5)
    assert player.state is StreamState.PLAYING and player.state_text() == ""
    assert rtsp_h264.plays == 1
    first = read_counter(image_array(player.frame.image))  # type: ignore[union-attr]
    wait_frames(qtbot, player, 3)
    second = read_counter(image_array(player.frame.image))  # type: ignore[union-attr]
    assert first != second and 0 <= first < 30 and 0 <= second < 30
    assert player.frame.source_size == (640, 360)  # type: ignore[union-attr]
    shot = player.grab()
    assert not shot.isNull()


def test_file_url_plays_and_loops(qtbot: QtBot, player: VideoPlayer, tmp_path: Path) -> None:
    clip = mp4_clip(tmp_path / "clip.mp4", frames=10)
    player.play(str(clip))
    wait_frames(qtbot, player, 15)  # more frames than the file holds: it looped
    assert player.state is StreamState.PLAYING


def test_h265_decodes(qtbot: QtBot, player: VideoPlayer, hevc: Clip) -> None:
    with RtspServer(hevc) as server:
        player.play(server.url)
        wait_frames(qtbot, player, 5)
        assert player.frame is not None
        assert 0 <= read_counter(image_array(player.frame.image)) < 30


def test_a_dead_stream_says_reconnecting_and_recovers(qtbot: QtBot, player: VideoPlayer,
                                                      rtsp_h264: RtspServer) -> None:
    player.play(rtsp_h264.url)
    wait_frames(qtbot, player, 3)
    rtsp_h264.stop()
    qtbot.waitUntil(lambda: player.state is StreamState.RECONNECTING, timeout=10000)
    assert player.state_text() == "重连中…"
    seen = player.frames_shown
    rtsp_h264.start()  # the same port
    qtbot.waitUntil(lambda: player.frames_shown > seen + 2, timeout=15000)
    assert player.state is StreamState.PLAYING
    assert rtsp_h264.plays == 2


def test_a_closed_port_says_no_signal(qtbot: QtBot, player: VideoPlayer) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    player.play(f"rtsp://127.0.0.1:{port}/none")
    qtbot.waitUntil(lambda: player.state is StreamState.NO_SIGNAL, timeout=10000)
    assert player.state_text() == "无信号"
    assert player.detail  # the reason is in the tooltip
    assert player.grab_frame() is None


def test_a_silent_server_never_blocks_the_gui_thread(qtbot: QtBot, player: VideoPlayer) -> None:
    # Accepts the connection and never answers: the open waits for its timeout (1.5 s).
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(silent.accept()[0]), daemon=True).start()
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        player.play(f"rtsp://127.0.0.1:{silent.getsockname()[1]}/x")
        assert player.state is StreamState.CONNECTING
        qtbot.waitUntil(lambda: player.state is StreamState.NO_SIGNAL, timeout=10000)
        assert len(ticks) >= 20  # the event loop kept turning during the 1.5 s open
    finally:
        timer.stop()
        silent.close()
        for sock in held:
            sock.close()


def test_a_busy_gui_thread_gets_the_newest_frame_not_a_queue(
        qtbot: QtBot, player: VideoPlayer, rtsp_h264: RtspServer) -> None:
    player.play(rtsp_h264.url)
    wait_frames(qtbot, player, 2)
    reader = player.reader
    assert reader is not None
    decoded, shown = reader.frames, player.frames_shown
    threading.Event().wait(1.0)  # the GUI thread is stuck; the reader decodes on (15 fps)
    QApplication.processEvents()
    assert reader.frames >= decoded + 8
    # One frame taken for all of them (two if one more came during processEvents), the newest.
    assert shown + 1 <= player.frames_shown <= shown + 2
    assert player.frame is not None and player.frame.index >= decoded + 8


def test_grab_frame_is_a_full_size_jpeg_with_its_time(qtbot: QtBot, rtsp_h264: RtspServer,
                                                      player: VideoPlayer) -> None:
    player.resize(200, 120)  # painted small; the snapshot is still full size
    player.play(rtsp_h264.url)
    wait_frames(qtbot, player, 2)
    grabbed = player.grab_frame()
    assert grabbed is not None
    assert grabbed.jpeg[:2] == b"\xff\xd8"
    assert grabbed.size == (640, 360)
    assert grabbed.taken_at.tzinfo is not None
    assert player.frame is not None and player.frame.image.width() <= 200
