"""The through-the-server suite (issue #14) runs end to end at quick scale (no thresholds).

A real ``citydesk server`` in front of a quick SQLite history: a few dispatches, first loads
and a short load of three simulated desks — enough to keep the benchmark working, not to
measure anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmarks.suite_run import run_suite

EXPECTED = ("one-key dispatch through the server", "desk-to-desk propagation through the server",
            "first queue page through the server", "load: 3 desks",
            "dispatch through the server under the load")


@pytest.mark.slow
def test_server_suite_reports_every_benchmark(tmp_path: Path) -> None:
    report = run_suite(tmp_path, "server", "--scale", "quick", "--dispatches", "3",
                       "--loads", "2", "--desks", "3", "--load-seconds", "3")
    assert report["suite"] == "server" and report["data"]["cases"] > 0
    names = [r["name"] for r in report["results"]]
    for expected in EXPECTED:
        assert any(n.startswith(expected) for n in names), (expected, names)
    for r in report["results"]:
        assert r["citydesk"]["n"] >= 1 and r["citydesk"]["median"] > 0, r
        assert r["met"] in (True, False) or r["target"].startswith("–"), r
    by_name = {r["name"].split(" (")[0]: r for r in report["results"]}
    # Remote against in process: both sides measured, so the hop's cost is a real ratio.
    assert by_name["one-key dispatch through the server"]["floor"]["n"] == 3
    assert by_name["first queue page through the server"]["floor"]["n"] == 2
    server = report["server"]
    assert server["propagation_lost"] == 0
    assert server["first_load_bytes"] > 0 and server["first_load_rows"] > 0
    load = server["load"]
    assert load["streams_up"] == 3 and load["read_errors"] == 0, load
    assert load["reads"] >= 3 and load["dispatches"] >= 1, load
    assert load["server"]["server_rss_mb_peak"] > 0, load
    herd = server["load_at_once"]  # the desks woken at once by every push
    assert herd["streams_up"] == 3 and herd["read_errors"] == 0 and herd["reads"] >= 1, herd
