"""Headless Qt for the widget tests."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.rtsp_server import h264_clip, rtsp_h264  # noqa: F401  (fixtures)
