"""The video suite (issue #17) runs end to end: two streams for two seconds (no thresholds).

Enough to keep the benchmark working — the loopback server in its own process, the tiles
decoding, the latency probe reading the frame counter back — not to measure.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.suite_run import run_suite


@pytest.mark.slow
def test_video_suite_reports_frames_memory_and_latency(tmp_path: Path) -> None:
    report = run_suite(tmp_path, "video", "--streams", "2", "--seconds", "2", timeout=300)
    grid, latency = report["grid"], report["latency"]
    assert report["suite"] == "video" and grid["streams"] == 2
    assert grid["states"] == ["playing", "playing"]
    assert grid["decoded_fps"]["min"] > 0 and grid["gui_interval_ms"]["n"] > 10
    assert grid["paint_ms"]["n"] > 0 and grid["rss_mb"]["playing"] > 0
    assert latency["matched"] > 0 and latency["latency_ms"]["median"] > 0
