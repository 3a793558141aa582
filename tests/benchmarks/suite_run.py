"""Running ``python -m benchmarks`` as the smoke tests do: a subprocess, its table printed for
the CI log, its JSON report read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_suite(tmp_path: Path, name: str, *arguments: str, timeout: float = 600) -> dict[str, Any]:
    """Run ``--suite name`` on a fresh SQLite file in ``tmp_path``; its report (exit 0 asserted)."""
    out = tmp_path / f"{name}.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    env.pop("CITYDESK_DB", None)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--suite", name,
         "--db", f"sqlite:///{tmp_path / 'bench.sqlite3'}", "--json", str(out), *arguments],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    print(done.stdout)  # the table, for the CI log
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text())
    return report
