"""The intake commands as real processes: SIGKILL in the middle of an import, SIGTERM to the worker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import make_engine
from db.tables import CaseRow, IntakeLinkRow
from tests.cli.conftest import run

ROOT = Path(__file__).resolve().parents[2]
MAPPING = """channel: 历史
columns: {external_id: 编号, reported_at: 上报时间, category: 类别, description: 描述,
          grid: 网格, status: 状态, dispatched_at: 派遣时间, closed_at: 结案时间}
"""
GRIDS = ["330824001001001", "330824001001002", "330824001001003"]


def _csv(path: Path, rows: int) -> None:
    lines = ["编号,上报时间,类别,描述,网格,状态,派遣时间,结案时间"]
    for n in range(rows):
        day = 2 + n % 20
        lines.append(f"H{n:05d},2025-06-{day:02d} 09:00,暴露垃圾,路口垃圾 {n},{GRIDS[n % 3]},已结案,"
                     f"2025-06-{day:02d} 09:30,2025-06-{day:02d} 16:00")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _env() -> dict[str, str]:
    return {**os.environ, "CITYDESK_CONFIG": "", "PYTHONPATH": str(ROOT)}


def _counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            links = conn.scalar(select(func.count()).select_from(IntakeLinkRow)) or 0
            cases = conn.scalar(select(func.count()).select_from(CaseRow)) or 0
    finally:
        engine.dispose()
    return links, cases


def test_sigkill_in_the_middle_of_an_import_leaves_no_duplicate_and_no_gap(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kill.sqlite3'}"
    assert run(url, "init").code == 0
    rows = 50
    _csv(tmp_path / "history.csv", rows)
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    argv = [sys.executable, "-m", "console", "import", str(tmp_path / "history.csv"),
            "--mapping", str(tmp_path / "map.yaml"), "--db", url, "--json",
            "--now", "2026-03-02T10:00:00+08:00"]
    proc = subprocess.Popen(argv, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _counts(url)[0] < 5 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    links, cases = _counts(url)
    assert 0 < links < rows, "the import should have been killed half-way"
    assert cases == links  # every case committed with its link: nothing half-written
    again = run(url, "import", str(tmp_path / "history.csv"), "--mapping",
                str(tmp_path / "map.yaml"), "--json")
    assert again.code == 0, again.err
    data = json.loads(again.out)
    assert data["created"] == rows - links and data["duplicates"] == links
    assert data["quarantined"] == 0
    assert _counts(url) == (rows, rows)
    third = json.loads(run(url, "import", str(tmp_path / "history.csv"), "--mapping",
                           str(tmp_path / "map.yaml"), "--json").out)
    assert third["created"] == 0 and third["duplicates"] == rows


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX")
def test_worker_logs_to_stdout_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    assert run(url, "init").code == 0
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "batch1.json").write_text(json.dumps({"source": "hotline", "records": [{
        "id": "HL-1", "reported_at": "2026-03-02T09:00:00+08:00", "category": "暴露垃圾",
        "description": "热线：路口垃圾", "grid": GRIDS[0]}]}, ensure_ascii=False), encoding="utf-8")
    config = tmp_path / "desk.toml"
    config.write_text(f'[intake]\nuser = "shouli1"\n\n[[intake.feed]]\nname = "feed:12345"\n'
                      f'folder = "{drop}"\ninterval = 1\n', encoding="utf-8")
    anchors = tmp_path / "anchors"
    env = {**_env(), "CITYDESK_CONFIG": str(config), "CITYDESK_ANCHOR_DIR": str(anchors)}
    proc = subprocess.Popen([sys.executable, "-m", "console", "worker", "--db", url], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not (drop / "done" / "batch1.json").exists() and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "intake worker started" in out and "intake worker stopped" in out
    assert "'created': 1" in out
    assert _counts(url) == (1, 1)
    # The worker's daily audit anchor, written at its start (issue #14).
    [written] = anchors.glob("anchors-*.txt")
    assert written.read_text().startswith("CITYDESK-ANCHOR 1 ") and "audit-anchor" in out
