"""A real ``citydesk server`` subprocess for the through-the-server benchmarks (issue #14).

:class:`ServerProcess` starts ``python -m console server --bind 127.0.0.1:PORT --db URL`` on a
free loopback port, waits for ``/api/v1/health`` and stops it with SIGTERM.  The server finds
the audit chain's key through ``$CITYDESK_CHAIN_KEY_FILE`` — the same file the runner's own
``App`` appends with — and reads no ``desk.toml`` of the caller.

:class:`ProcWatch` samples a process's RSS and CPU time and the machine's CPU once a second
(``/proc``), for the load benchmark's server figures.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
_TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A loopback TCP port nobody listens on now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """``citydesk server`` on ``db_url`` (a context manager: started on entry, stopped on exit).

    Parameters
    ----------
    db_url : str
        The database the server holds.
    key_file : Path
        The audit chain's key file (the runner's App uses the same one).
    workers : int
        ``--workers``: server processes sharing the port (1: the server alone).
    """

    def __init__(self, db_url: str, key_file: Path, workers: int = 1) -> None:
        self.db_url = db_url
        self.key_file = key_file
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.start_s = 0.0

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if k != "CITYDESK_DB"}
        env.update(CITYDESK_CONFIG="", CITYDESK_CHAIN_KEY_FILE=str(self.key_file),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "console", "server", "--bind", f"127.0.0.1:{self.port}",
             "--db", self.db_url, "--workers", str(self.workers)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"citydesk server exited {self.process.returncode}:\n"
                                   f"{err[-3000:]}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    self.start_s = time.perf_counter() - started
                    # uvicorn's access log goes to stderr: drain it so a full pipe never
                    # blocks the server in the middle of a measurement.
                    threading.Thread(target=self._drain, daemon=True).start()
                    return self
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError("citydesk server did not answer within 90 s")

    def _drain(self) -> None:
        assert self.process is not None
        assert self.process.stderr is not None
        for _line in self.process.stderr:
            pass

    def __exit__(self, *exc: object) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process descended from it now (``citydesk server --workers N``: the
    supervisor and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, ()))
    return tree


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds so far of process ``pid`` and its descendants."""
    total = 0.0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


def proc_rss_mb(pid: int) -> float:
    """Resident set size now of process ``pid`` and its descendants, in MB."""
    total = 0.0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot (``/proc/stat``)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return (total - idle) / _TICK, total / _TICK


class ProcWatch:
    """Once a second: ``pid``'s RSS, and over the whole watch its CPU and the machine's.

    Parameters
    ----------
    pid : int
        The process to watch (the server).
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.rss: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._t0 = self._cpu0 = self._busy0 = self._total0 = 0.0
        self.result: dict[str, Any] = {}

    def __enter__(self) -> ProcWatch:
        self._t0 = time.perf_counter()
        self._cpu0 = proc_cpu_s(self.pid)
        self._busy0, self._total0 = machine_cpu()
        self._load0 = os.getloadavg()
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            with contextlib.suppress(OSError):
                self.rss.append(proc_rss_mb(self.pid))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(3)
        wall = time.perf_counter() - self._t0
        cpu = proc_cpu_s(self.pid) - self._cpu0
        busy, total = machine_cpu()
        cores = os.cpu_count() or 1
        self.result = {
            "wall_s": round(wall, 1), "server_cpu_s": round(cpu, 1),
            "server_cpu_share": round(cpu / wall, 3) if wall else None,  # 1.0 = one core
            "server_rss_mb_start": round(self.rss[0], 1) if self.rss else None,
            "server_rss_mb_peak": round(max(self.rss), 1) if self.rss else None,
            "machine_busy_share": round((busy - self._busy0) / max(total - self._total0, 1e-9), 3),
            "cores": cores,
            "loadavg_before": [round(v, 2) for v in self._load0],
            "loadavg_after": [round(v, 2) for v in os.getloadavg()],
        }


def stop_all(listeners: list[Any]) -> None:
    """Stop push listeners side by side, waiting at most a few seconds in all.

    ``PushListener.stop`` closes the stream from the calling thread, and that close waits for
    the stream's reading thread to come out of its read — until the next message or the
    server's ping (up to 15 s).  One after another, 50 of them took minutes; the threads are
    daemons, so whatever is still closing ends with the process.
    """
    stoppers = [threading.Thread(target=listener.stop, args=(1.0,), daemon=True)
                for listener in listeners]
    for stopper in stoppers:
        stopper.start()
    deadline = time.monotonic() + 5
    for stopper in stoppers:
        stopper.join(max(0.0, deadline - time.monotonic()))
