"""Through the server (issue #14): dispatch, propagation, first load and a load of desks.

``python -m benchmarks --suite server --scale S [--days N] --db URL [--reuse] [--desks 50]
[--load-seconds 60] [--dispatches 200]`` generates (or reuses) the scale's history, copies it,
starts a real ``citydesk server`` on loopback in front of the copy and measures:

* **one-key dispatch** — ``RemoteDeskBackend.act(case, "dispatch")`` (what **D** sends) until
  the reply is decoded, against the same call on a :class:`~console.desk_local.LocalDeskBackend`
  in this process on the same database: the in-process seam.  The two alternate, so load on
  the shared machine falls on both alike;
* **desk-to-desk propagation** — desk A's dispatch through the server until desk B's
  :class:`~console.client.push.PushListener` (another session, its own thread and HTTP
  connection) hears the event;
* **first queue page** — ``first_load`` of the five panes an administrator's desk opens with
  (100 rows each, the panes' own states and orders), remote against local; the remote time is
  also split into the HTTP exchange and the client's decoding, with the answer's size;
* **load** — :mod:`benchmarks.server_load`: simulated desks, each with a push stream and about
  one read a second, while a writer dispatches.

The "floor" of these results is the in-process seam, so each ratio is the cost of the hop.
"""

from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from benchmarks.measure import Result
from benchmarks.server_proc import ServerProcess, stop_all

#: The password the benchmark gives its seats (a throwaway benchmark database's users).
PASSWORD = "bench-Server-2026"
#: The seats signed in: centre roles whose desks read every open case (no unit scope).
SEATS = ("admin", "paiqian1", "paiqian2", "shouli1", "shouli2", "zhibanzhang1")
ZONE = ZoneInfo("Asia/Shanghai")
PAGE = 100


def server_clock() -> datetime:
    """The machine's clock, as the server stamps (it takes no ``--now``)."""
    return datetime.now(ZONE)


def set_passwords(app: Any) -> None:
    """Give the benchmark's seats (and the report's collector) a password."""
    from console.services.accounts import set_password

    admin = app.centre.actor("admin", "bench")
    for name in {*SEATS, "caiji01"}:
        set_password(app.uow_factory, admin, name, PASSWORD, server_clock())


def filed_cases(app: Any, n: int) -> list[Any]:
    """``n`` new cases brought to 待派遣 (reported, accepted, filed) on the machine's clock."""
    from console.services.cases import Report, act, report_many

    centre, uf = app.centre, app.uow_factory
    made = []
    for start in range(0, n, 500):
        made += report_many(uf, centre, centre.actor("caiji01", "bench"), server_clock(),
                            [Report("06010", f"派遣基准 {i}", grid="330824001001001")
                             for i in range(start, min(n, start + 500))])
    out = []
    for case in made:
        act(uf, centre, centre.actor("shouli1", "bench"), server_clock(), case.id, "accept")
        out.append(act(uf, centre, centre.actor("admin", "bench"), server_clock(), case.id,
                       "file"))
    return out


def desk_queries(centre: Any) -> dict[str, Any]:
    """The first queries of an administrator's five queue panes (as ``desk_panes`` builds them)."""
    from console.services.queue_reads import OPEN_STATES
    from console.services.queue_view import QueueQuery
    from console.ui.models.case_table import (
        BOARD_STATES,
        CHECK_STATES,
        DISPATCH_STATES,
        INTAKE_STATES,
    )

    order = list(type(next(iter(INTAKE_STATES))))

    def states(chosen: Any) -> tuple[Any, ...]:
        return tuple(sorted(chosen, key=order.index))

    return {
        "intake": QueueQuery(states(INTAKE_STATES), "reported", True),
        "dispatch": QueueQuery(states(DISPATCH_STATES), "deadline", False),
        "board": QueueQuery(states(BOARD_STATES), "deadline", False),
        "approvals": QueueQuery(states(OPEN_STATES), "updated", False,
                                decisions_for=centre.ref.config.coordination_office),
        "check": QueueQuery(states(CHECK_STATES), "deadline", False),
    }


def sign_in(base: str, user: str, desk: str) -> Any:
    """A ServerRoot signed in as ``user``."""
    from console.client.remote import ServerRoot

    root = ServerRoot(base, desk)
    root.sign_in(user, PASSWORD)
    return root


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def bench_dispatch(app: Any, base: str, n: int,
                   say: Callable[[str], None]) -> tuple[Result, Result, dict[str, Any]]:
    """Dispatch (remote against in-process) and desk-to-desk propagation over ``n`` of each."""
    from console.desk_local import LocalDeskBackend

    say(f"server: {2 * n} filed cases for the dispatches …")
    cases = filed_cases(app, 2 * n)
    local = LocalDeskBackend(app.uow_factory, lambda: app.centre, server_clock,
                             app.centre.actor("admin", "bench-local"))
    desk_a = sign_in(base, "admin", "bench-a").seat()
    desk_b = sign_in(base, "paiqian1", "bench-b")
    heard: queue.Queue[float] = queue.Queue()
    up = queue.Queue[bool]()
    listener = desk_b.event_listener(lambda _id: heard.put(time.perf_counter()), up.put)
    listener.start()
    if not up.get(timeout=30):
        raise RuntimeError("desk B's push stream did not come up")

    def drain(wait: float) -> None:
        try:
            heard.get(timeout=wait)
        except queue.Empty:
            return
        time.sleep(0.02)  # a second batch of the same commit, if the hub split it
        while not heard.empty():
            heard.get_nowait()

    ours, floor, seen, lost = [], [], [], 0
    say(f"server: {n} dispatches through the server, {n} in process …")
    try:
        for i in range(n):
            case = cases[2 * i]
            start = time.perf_counter()
            local.act(case.id, "dispatch", {}, case.version, uuid.uuid4().hex, [])
            floor.append(_ms(start))
            drain(5.0)  # the server pushes the in-process desk's event too: not B's sample
            case = cases[2 * i + 1]
            start = time.perf_counter()
            desk_a.act(case.id, "dispatch", {}, case.version, uuid.uuid4().hex, [])
            ours.append(_ms(start))
            try:
                seen.append((heard.get(timeout=10) - start) * 1000)
            except queue.Empty:
                lost += 1
            drain(0.0)
    finally:
        stop_all([listener])  # its stop can wait for the stream's next ping (up to 15 s)
    dispatch = Result(
        "one-key dispatch through the server (RemoteDeskBackend.act → reply decoded)", "ms",
        ours, floor, "p95 ≤ 100 ms (PostgreSQL)", lambda cd, _r: cd["p95"] <= 100,
        note=f"{n} dispatches each way, alternating; floor: the same act() on the in-process "
             "seam (LocalDeskBackend) on the same database — the ratio is the hop's cost")
    propagation = Result(
        "desk-to-desk propagation through the server (A's act → B's push heard)", "ms", seen,
        None, "p95 ≤ 500 ms", lambda cd, _r: cd["p95"] <= 500,
        note=f"{len(seen)} of {n} heard ({lost} not within 10 s); B is another session's "
             "PushListener (own thread, own connection) in the runner process")
    return dispatch, propagation, {"propagation_lost": lost}


def bench_first_load(app: Any, base: str, n: int,
                     say: Callable[[str], None]) -> tuple[Result, dict[str, Any]]:
    """``first_load`` of the five panes through the server against in process, ``n`` each."""
    from console.desk_backend import LOCAL_PARAMETERS, DeskBackend
    from console.desk_local import LocalDeskBackend
    from console.services import wire

    queries = desk_queries(app.centre)
    local = LocalDeskBackend(app.uow_factory, lambda: app.centre, server_clock,
                             app.centre.actor("admin", "bench-local"))
    root = sign_in(base, "admin", "bench-first")
    seat = root.seat()
    spec = DeskBackend.first_load
    body = wire.encode_arguments(spec, {"queries": queries, "limit": PAGE}, LOCAL_PARAMETERS)
    http = requests.Session()
    headers = {"Authorization": f"Bearer {root.token}"}
    say(f"server: {n} first loads through the server, {n} in process …")
    ours, floor, exchange, decode, size = [], [], [], [], 0
    rows = 0
    for _ in range(n):
        start = time.perf_counter()
        first = local.first_load(queries, PAGE)
        floor.append(_ms(start))
        start = time.perf_counter()
        seat.first_load(queries, PAGE)
        ours.append(_ms(start))
        start = time.perf_counter()
        reply = http.post(f"{base}/api/v1/desk/first_load", json=body, headers=headers,
                          timeout=60)
        data = reply.json()
        exchange.append(_ms(start))
        start = time.perf_counter()
        wire.decode_result(spec, data["result"])
        decode.append(_ms(start))
        size = len(reply.content)
        rows = sum(len(p.cases) for p in first.pages.values())
    from benchmarks.measure import summary

    split = {"first_load_http_ms": summary(exchange), "first_load_decode_ms": summary(decode),
             "first_load_bytes": size, "first_load_rows": rows}
    result = Result(
        f"first queue page through the server (first_load: 5 panes, {rows} rows)", "ms", ours,
        floor, "p95 ≤ 300 ms", lambda cd, _r: cd["p95"] <= 300,
        note=f"floor: LocalDeskBackend.first_load in process (SQL + Case objects, no Qt); the "
             f"answer is {size / 1024:,.0f} KiB of JSON; of the remote median, the HTTP "
             f"exchange (server: SQL, encoding; transfer; json parse) "
             f"{summary(exchange)['median']:.0f} ms and the client's decoding into Cases "
             f"{summary(decode)['median']:.0f} ms; no painting on either side")
    return result, split


def run(url: str, key_file: Path, say: Callable[[str], None], dispatches: int, loads: int,
        desks: int, seconds: float) -> tuple[list[Result], dict[str, Any]]:
    """Every through-the-server benchmark on ``url`` (a working copy); results and extras."""
    from benchmarks.server_load import bench_load
    from console.app import App

    app = App(url, clock=server_clock)
    try:
        set_passwords(app)
        with ServerProcess(url, key_file) as server:
            say(f"server up on {server.url} in {server.start_s:.1f} s (pid {server.pid})")
            extras: dict[str, Any] = {"server_start_s": round(server.start_s, 2)}
            dispatch, propagation, more = bench_dispatch(app, server.url, dispatches, say)
            extras |= more
            first, split = bench_first_load(app, server.url, loads, say)
            extras |= split
            results = [dispatch, propagation, first]
            if desks > 0 and seconds > 0:
                load_results, load = bench_load(app, server, desks, seconds, say)
                results += load_results
                extras["load"] = load
                herd_results, herd = bench_load(app, server, desks, seconds / 2, say,
                                                at_once=True)
                results += herd_results
                extras["load_at_once"] = herd
    finally:
        app.close()
    return results, extras
