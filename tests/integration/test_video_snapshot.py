"""One frame of a camera (``console.video.snapshot.grab_frame``) over RTSP on loopback (the
tests' RTSP server, RTP over TCP) and from a file; a camera that is not there is one line."""

from __future__ import annotations

import io
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from console.video.snapshot import SnapshotError, grab_frame
from tests.rtsp_server import RtspServer, h264_clip, make_clip, mp4_clip, rtsp_h264

__all__ = ["h264_clip", "rtsp_h264"]  # fixtures

AT = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def _size(jpeg: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"
        return image.size


def test_a_frame_over_rtsp(rtsp_h264: RtspServer) -> None:
    frame = grab_frame(rtsp_h264.url, 10.0, clock=lambda: AT)
    assert (frame.width, frame.height, frame.taken_at) == (640, 360, AT)
    assert _size(frame.jpeg) == (640, 360)


def test_h265_over_rtsp(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "c.hevc", "hevc", width=320, height=180, frames=15)
    with RtspServer(clip) as server:
        assert _size(grab_frame(server.url, 10.0).jpeg) == (320, 180)


def test_a_frame_from_a_file_url(tmp_path: Path) -> None:
    clip = mp4_clip(tmp_path / "clip.mp4", width=64, height=36, frames=10)
    assert _size(grab_frame(clip.as_uri()).jpeg) == (64, 36)


def test_a_camera_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: the connection is refused
        with pytest.raises(SnapshotError) as refused:
            grab_frame(f"rtsp://127.0.0.1:{port}/cam", 3.0)
    assert "\n" not in refused.value.message and "无法从摄像机取得画面" in refused.value.message
    with pytest.raises(SnapshotError):
        grab_frame((tmp_path / "missing.mp4").as_uri(), 3.0)


def test_a_camera_that_answers_nothing_gives_up_after_the_timeout() -> None:
    # A host that accepts the connection and then says nothing (a hung camera): without the
    # timeouts the grab would wait forever (the suite's faulthandler_timeout would end it).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with pytest.raises(SnapshotError):
            grab_frame(f"rtsp://127.0.0.1:{silent.getsockname()[1]}/cam", 2.0)
