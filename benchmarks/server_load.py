"""A load of simulated desks on one ``citydesk server`` (issue #14).

Each simulated desk signs in (its own session), holds the push stream open with the real
:class:`~console.client.push.PushListener` and makes about one read a second through the desk
seam, as a desk's timers and wake-ups do: after a push it asks the log what changed
(``events_since`` after its last poll, leaving out the ids of the grace window it already has
— the poll a woken desk makes); otherwise a queue's first page with its count
(``queue_page``), the queues' sizes (``recount``) or the stages due within three minutes
(``due_soon``).  Meanwhile a writer (another session) dispatches filed cases at a steady rate.

Two ways of waking: at the desk's own tick (``at_once`` False: the polls of the fifty desks
spread over each second — the load the issue's target is stated for), or at once on every push,
as the desk controller does (``DeskController._on_listener_event_notified``): then the fifty
desks ask the same poll together after every event, a herd the server answers with one read
(``console/server/feed_share.py``) — measured beside it, without a target.

A read is timed from the request to the last byte of the answer; the simulated desk does not
decode it into ``Case`` objects (a real desk does that on its own machine, and here it would
take CPU from the server it measures on the same two cores).
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests

from benchmarks.bench_server import (
    PAGE,
    SEATS,
    desk_queries,
    filed_cases,
    sign_in,
)
from benchmarks.measure import Result, summary
from benchmarks.server_proc import ProcWatch, ServerProcess, stop_all
from console.services.feed import GRACE

#: Dispatches per second of the writer: a megacity centre's day (8,000 reports, ≈ 8 events
#: each) is ≈ 0.7 events a second on average; 2 is a busy hour with margin.
WRITE_RATE = 2.0
#: The mix of a desk's timed reads when no push is waiting (weights).
MIX = (("queue_page", 0.4), ("recount", 0.4), ("due_soon", 0.2))


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else 0.0


class _Desk:
    """One simulated desk: a session, a push stream and a reader thread."""

    def __init__(self, index: int, base: str, bodies: dict[str, Any], rng: random.Random,
                 stop: threading.Event, at_once: bool = False) -> None:
        self.index = index
        self.at_once = at_once
        self.root = sign_in(base, SEATS[index % len(SEATS)], f"bench-load-{index}")
        self.base = base
        self.bodies = bodies
        self.rng = rng
        self.stop = stop
        self.http = requests.Session()
        self.headers = {"Authorization": f"Bearer {self.root.token}"}
        self.pushes = 0
        self.pushed = threading.Event()
        self.up = threading.Event()
        self.last_id = 0
        self.polled = 0  # where this desk's last poll of the log ended
        self.seen: set[int] = set()  # ids within the grace window this desk already has
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.listener = self.root.event_listener(self._on_event, self._on_status)
        self.thread = threading.Thread(target=self._run, daemon=True, name=f"desk-{index}")

    def _on_event(self, newest: int) -> None:
        self.pushes += 1
        self.last_id = max(self.last_id, newest)
        self.pushed.set()

    def _on_status(self, up: bool) -> None:
        if up:
            self.up.set()

    def _read(self, kind: str, body: dict[str, Any], timed: bool = True) -> bytes | None:
        start = time.perf_counter()
        try:
            reply = self.http.post(f"{self.base}/api/v1/desk/{kind}", json=body,
                                   headers=self.headers, timeout=30)
            content = reply.content
            if reply.status_code != 200:
                self.errors.append(f"{kind}: HTTP {reply.status_code}")
                return None
        except requests.RequestException as exc:
            self.errors.append(f"{kind}: {type(exc).__name__}")
            return None
        if timed:
            self.samples[kind].append((time.perf_counter() - start) * 1000)
        return content

    def poll(self, timed: bool = True) -> None:
        """Ask the log what changed, as a woken desk does: after where its last poll ended,
        leaving out the ids of the grace window it already has (``seen``)."""
        since = self.polled or self.last_id
        content = self._read("events_since", {"since": since, "seen": sorted(self.seen),
                                              "limit": 500}, timed)
        if content is None:
            return
        batch = json.loads(content)["result"]
        self.polled = max(since, int(batch["last_id"]))
        self.seen |= {int(e["id"]) for e in batch["events"] if e.get("id") is not None}
        self.seen = {i for i in self.seen if i > self.polled - GRACE}

    def _run(self) -> None:
        kinds, weights = zip(*MIX, strict=True)
        due = time.perf_counter() + self.rng.random()  # desks do not tick in step
        while not self.stop.is_set():
            pause = due - time.perf_counter()
            if pause > 0:
                # At its tick, or woken at once by a push (as the desk controller is).
                (self.pushed if self.at_once else self.stop).wait(pause)
                if self.stop.is_set():
                    return
            if self.pushed.is_set():
                self.pushed.clear()
                self.poll()
            else:
                kind = self.rng.choices(kinds, weights)[0]
                self._read(kind, self.rng.choice(self.bodies[kind]))
            # About once a second; a slow answer delays the next read, never piles reads up.
            due = max(due + self.rng.uniform(0.8, 1.2), time.perf_counter())


def _bodies(centre: Any) -> dict[str, list[dict[str, Any]]]:
    """The encoded arguments of each read kind (every pane's first page for queue_page)."""
    from console.desk_backend import LOCAL_PARAMETERS, DeskBackend
    from console.services import wire

    queries = desk_queries(centre)

    def enc(name: str, **arguments: Any) -> dict[str, Any]:
        return wire.encode_arguments(getattr(DeskBackend, name), arguments, LOCAL_PARAMETERS)

    return {
        "queue_page": [enc("queue_page", query=q, offset=0, limit=PAGE, with_count=True)
                       for q in queries.values()],
        "recount": [enc("recount", queries=queries)],
        "due_soon": [enc("due_soon", horizon=timedelta(minutes=3))],
    }


def _writer(seat: Any, cases: list[Any], stop: threading.Event, out: list[float],
            errors: list[str]) -> None:
    due = time.perf_counter()
    for case in cases:
        pause = due - time.perf_counter()
        if pause > 0 and stop.wait(pause):
            return
        if stop.is_set():
            return
        start = time.perf_counter()
        try:
            seat.act(case.id, "dispatch", {}, case.version, uuid.uuid4().hex, [])
            out.append((time.perf_counter() - start) * 1000)
        except Exception as exc:  # counted and reported: the load goes on
            errors.append(f"dispatch: {type(exc).__name__}")
        due += 1.0 / WRITE_RATE


def bench_load(app: Any, server: ServerProcess, desks: int, seconds: float,
               say: Callable[[str], None], at_once: bool = False,
               ) -> tuple[list[Result], dict[str, Any]]:
    """``desks`` simulated desks for ``seconds`` while a writer dispatches; the read times
    (``at_once``: each desk polls the moment a push arrives, as the real desk does)."""
    rng = random.Random(14)
    bodies = _bodies(app.centre)
    writes = int(seconds * WRITE_RATE) + 5
    say(f"load: {writes} filed cases for the writer, {desks} desks signing in …")
    cases = filed_cases(app, writes)
    stop = threading.Event()
    crowd = [_Desk(i, server.url, bodies, random.Random(rng.random()), stop, at_once)
             for i in range(desks)]
    for desk in crowd:
        desk.listener.start()
    streams_up = sum(desk.up.wait(30) for desk in crowd)
    for desk in crowd:  # a desk starts following from its first load's grace window
        desk.last_id = desk.listener.last_id or 0
        desk.poll(timed=False)
        desk.pushed.clear()
    writer_seat = sign_in(server.url, "admin", "bench-writer").seat()
    dispatched: list[float] = []
    write_errors: list[str] = []
    say(f"load: {streams_up} of {desks} push streams up; reading for {seconds:.0f} s …")
    with ProcWatch(server.pid) as watch:
        writer = threading.Thread(target=_writer, daemon=True,
                                  args=(writer_seat, cases, stop, dispatched, write_errors))
        for desk in crowd:
            desk.thread.start()
        writer.start()
        time.sleep(seconds)
        stop.set()
        writer.join(30)
        for desk in crowd:
            desk.thread.join(30)
    stop_all([desk.listener for desk in crowd])
    by_kind: dict[str, list[float]] = defaultdict(list)
    for desk in crowd:
        for kind, samples in desk.samples.items():
            by_kind[kind] += samples
    reads = [s for samples in by_kind.values() for s in samples]
    errors = [e for desk in crowd for e in desk.errors]
    pushes = [desk.pushes for desk in crowd]
    load = {
        "desks": desks, "seconds": seconds, "streams_up": streams_up,
        "reads": len(reads), "reads_per_s": round(len(reads) / seconds, 1),
        "read_errors": len(errors), "error_kinds": sorted(set(errors))[:10],
        "read_ms": {**summary(reads), "p99": _p(reads, 0.99), "max": max(reads)} if reads else {},
        "by_kind_ms": {k: {**summary(v), "p99": _p(v, 0.99)} for k, v in sorted(by_kind.items())},
        "dispatches": len(dispatched), "dispatch_errors": write_errors[:10],
        "dispatch_ms": summary(dispatched) if dispatched else {},
        "pushes_per_desk": {"min": min(pushes), "max": max(pushes)} if pushes else {},
        "server": watch.result,
    }
    srv = watch.result
    kinds = ", ".join(f"{k} {v['median']:.0f}/{v['p95']:.0f}" for k, v in
                      load["by_kind_ms"].items())
    if at_once:
        label = (f"load, woken at once: {desks} desks each polling the moment a push arrives "
                 f"(as the desk does) for {seconds:.0f} s, per read")
        target, check = "– (beside the target)", None
    else:
        label = f"load: {desks} desks (push stream each, ~1 read/s) for {seconds:.0f} s, per read"
        target, check = "p95 ≤ 50 ms", (lambda cd, _r: cd["p95"] <= 50)
    results = [Result(
        label, "ms", reads or [0.0], None, target, check,
        note=f"{len(reads):,} reads ({load['reads_per_s']}/s), p99 "
             f"{load['read_ms'].get('p99', 0):.0f} ms, {len(errors)} errors; median/p95 by "
             f"kind: {kinds}; {streams_up}/{desks} streams up; writer {len(dispatched)} "
             f"dispatches at {WRITE_RATE:g}/s; server CPU {srv['server_cpu_share']:.2f} of a "
             f"core, RSS {srv['server_rss_mb_start']} → {srv['server_rss_mb_peak']} MB peak; "
             f"machine busy {srv['machine_busy_share']:.0%} of {srv['cores']} cores, load "
             f"{srv['loadavg_before'][0]} → {srv['loadavg_after'][0]}")]
    if dispatched:
        results.append(Result(
            f"dispatch through the server under the load of {desks} desks"
            + (" woken at once" if at_once else ""), "ms", dispatched,
            None, "p95 ≤ 100 ms", lambda cd, _r: cd["p95"] <= 100,
            note=f"the writer's {len(dispatched)} dispatches at {WRITE_RATE:g}/s; "
                 f"{len(write_errors)} errors"))
    return results, load
