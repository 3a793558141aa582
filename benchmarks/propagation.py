"""Desk-to-desk propagation on PostgreSQL: desk A acts, desk B (another process) sees it.

B runs ``python -m benchmarks.propagation listen|raw URL``: woken by NOTIFY, it reads the new
events from the log and prints ``{"id": newest, "t": time.time()}`` per wake-up.  ``listen``
is CityDesk's :class:`db.notify.EventListener` plus the event log's ``since`` read (what a
desk's poll does when woken); ``raw`` is plain psycopg ``LISTEN`` and a ``SELECT``.  A, in
the runner, acts through the services (``act``: urge) or, for the floor, inserts a row and
NOTIFYs with plain SQL; latency is B's time seen minus A's time before the action.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

from benchmarks.measure import Result
from benchmarks.shadow import ensure_shadows


def _listen(url: str) -> None:
    from console.app import App

    app = App(url)
    last = [app.uow_factory().__enter__().events.last_id()]
    ready = threading.Event()

    def on_event(_newest: int) -> None:
        with app.uow_factory() as uow:
            events = uow.events.since(last[0], 1000)
        if events:
            last[0] = events[-1].id or last[0]
            print(json.dumps({"id": last[0], "t": time.time()}), flush=True)

    def on_status(up: bool) -> None:
        if up:
            ready.set()

    listener = app.event_listener(on_event, on_status)
    assert listener is not None
    listener.start()
    ready.wait(10)
    print(json.dumps({"ready": True}), flush=True)
    sys.stdin.read()  # until the runner closes our stdin
    listener.stop()


def _raw(url: str) -> None:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    conn = psycopg.connect(dsn, autocommit=True)
    reader = psycopg.connect(dsn, autocommit=True)  # notifies() holds the listening one
    conn.execute("LISTEN citydesk_bench_raw")
    print(json.dumps({"ready": True}), flush=True)
    for note in conn.notifies():
        if note.payload == "stop":
            break
        row = reader.execute("SELECT max(id) FROM bench_floor_events").fetchone()
        print(json.dumps({"id": row[0] if row else 0, "t": time.time()}), flush=True)


def _start(mode: str, url: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.propagation", mode, url],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ))
    assert proc.stdout is not None
    json.loads(proc.stdout.readline())  # ready
    return proc


def bench_propagation(app: Any, url: str, repeats: int) -> Result:
    """p95 from A's action to B having read it, CityDesk against raw LISTEN/NOTIFY."""
    from console.domain.cases import CaseState
    from console.services.uow import CaseFilter

    with app.uow_factory() as uow:  # a case being handled: a supervisor may urge it
        case = uow.cases.list(CaseFilter(states=(CaseState.HANDLING,), limit=1))[0]
    n = max(20, repeats * 3)
    ours = _run(_start("listen", url), lambda: _urge(app, case.id), n)
    raw_url = url.replace("postgresql+psycopg://", "postgresql://")
    import psycopg

    ensure_shadows(app.engine)
    with psycopg.connect(raw_url, autocommit=True) as conn:
        floor = _run(_start("raw", url), lambda: _raw_act(conn, case.id), n, stop=conn)
    return Result("desk-to-desk propagation (PostgreSQL)", "ms", ours, floor,
                  "p95 ≤ 500 ms (issue #5: < 1 s)", lambda cd, _r: cd["p95"] <= 500,
                  note=f"{n} actions; B is another process woken by NOTIFY")


def _urge(app: Any, case_id: int) -> None:
    from benchmarks.scales import NOW
    from console.services.cases import act

    act(app.uow_factory, app.centre, app.centre.actor("admin", "bench-a"), NOW, case_id,
        "urge", {"note": "基准催办"})


def _raw_act(conn: Any, case_id: int) -> None:
    with conn.transaction():
        conn.execute(
            "INSERT INTO bench_floor_events (case_id, type, to_state, actor, role, desk, payload, "
            "occurred_at) VALUES (%s, 'urge', '待受理', 'admin', '管理员', 'bench', '{}', now())",
            (case_id,))
        conn.execute("NOTIFY citydesk_bench_raw, 'new'")


def _run(proc: subprocess.Popen[str], action: Any, n: int, stop: Any = None) -> list[float]:
    assert proc.stdout is not None
    assert proc.stdin is not None
    out = []
    try:
        for _ in range(n):
            t0 = time.time()
            action()
            seen = json.loads(proc.stdout.readline())
            out.append((seen["t"] - t0) * 1000)
            time.sleep(0.02)
    finally:
        if stop is not None:
            stop.execute("NOTIFY citydesk_bench_raw, 'stop'")
        proc.stdin.close()
        proc.wait(10)
    return out


if __name__ == "__main__":
    (_listen if sys.argv[1] == "listen" else _raw)(sys.argv[2])
