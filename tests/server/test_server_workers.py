"""``citydesk server --workers N``: several processes on one port, over real HTTP (PostgreSQL).

Sessions and positions live in the database, so a token signed in through one worker works
through any other; a worker that dies is replaced by the supervisor; stopping the server stops
every worker.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from db.engine import make_engine
from tests.server.conftest import running_server


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _workers(pid: int) -> list[int]:
    # The supervisor's children that serve (multiprocessing's resource tracker aside).
    return [c for c in _children(pid)
            if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]


def _post_fix(url: str, token: str, at: datetime) -> int:
    with requests.Session() as fresh:  # a new connection: either worker may take it
        reply = fresh.post(f"{url}/api/v1/positions", timeout=30,
                           headers={"Authorization": f"Bearer {token}"},
                           json={"positions": [{"t": at.isoformat(), "lon": 118.4141,
                                                "lat": 29.1365}]})
    return reply.status_code


def test_workers_share_the_port_sessions_and_survive_a_lost_worker(pg_db: str) -> None:
    with running_server(pg_db, "--workers", "2") as server:
        parent = server.process.pid
        deadline = time.monotonic() + 20
        while len(_workers(parent)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = _workers(parent)
        assert len(workers) == 2
        token = server.as_user("caiji01")
        start = datetime.now(UTC) - timedelta(seconds=60)
        assert [_post_fix(server.url, token, start + timedelta(seconds=i))
                for i in range(12)] == [200] * 12
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = _workers(parent)
            if len(now) == 2 and workers[0] not in now:
                break
            time.sleep(0.2)
        assert len(_workers(parent)) == 2 and workers[0] not in _workers(parent)
        assert [_post_fix(server.url, token, start + timedelta(seconds=20 + i))
                for i in range(6)] == [200] * 6
        engine = make_engine(pg_db)
        try:
            with engine.connect() as conn:
                stored = conn.execute(text(
                    "SELECT count(*) FROM collector_positions WHERE username = 'caiji01' "
                    "AND t >= :start"), {"start": start}).scalar_one()
        finally:
            engine.dispose()
        assert stored == 18
        server.process.terminate()
        server.process.wait(20)
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{w}").exists() for w in _workers(parent)) \
                and time.monotonic() < deadline:
            time.sleep(0.2)
    assert not any(Path(f"/proc/{w}/stat").exists()
                   and ") Z" not in Path(f"/proc/{w}/stat").read_text()
                   for w in workers[1:])


def test_a_server_process_keeps_a_pool_for_its_threads(pg_db: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Five connections (a desk's) made the server open and close PostgreSQL backends all
    the time under load: its threads run dozens of requests at once."""
    import socket

    import uvicorn

    from console.cli.main import main
    from console.server.workers import SERVER_POOL

    sizes: list[int] = []

    def run(self: uvicorn.Server, sockets: list[socket.socket] | None = None) -> None:
        sizes.append(self.config.app.state.citydesk.app.engine.pool.size())
        for sock in sockets or []:
            sock.close()

    monkeypatch.setattr(uvicorn.Server, "run", run)
    monkeypatch.setenv("CITYDESK_CONFIG", "")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["server", "--bind", f"127.0.0.1:{port}", "--db", pg_db]) == 0
    assert sizes == [SERVER_POOL] and SERVER_POOL >= 20
    assert make_engine(pg_db).pool.size() == 5  # a desk's, as before
