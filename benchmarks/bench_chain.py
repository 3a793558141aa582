"""The keyed audit chain's cost on the append path (issue #14): HMAC-SHA256 against SHA-256.

``python -m benchmarks.bench_chain --db URL --db URL [--rounds N] [--batch N] [--actions N]``
takes two empty databases (SQLite files or PostgreSQL databases that exist and are empty),
sets both up with Kaihua's reference data, and then, round by round and alternating which goes
first (so a busy machine weighs on both alike), times on each:

* ``report_many`` of ``--batch`` reports (ms per report),
* ``--actions`` single ``act`` accepts of those reports (ms per action, median and p95),

the first database chained with a fresh key (``hmac-sha256``), the second unkeyed
(``sha256``, as rows before revision 0016).  It also times the chain values alone (canonical
form + MAC) for 20,000 events.  Prints one JSON document; no thresholds (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any

from console.domain.audit import GENESIS, MIN_SECRET, ChainKey, KeyRing, link
from console.domain.calendar import statutory_days
from console.domain.cases import CaseState, Event, Role
from console.reference_files import load_centre_files
from console.services.cases import Report, act, report_many
from console.services.centre import load_centre
from console.services.setup import init_reference
from db.engine import make_engine
from db.schema import upgrade
from db.uow import make_uow_factory

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Kaihua
GRID = "330824001001001"


def chain_values(key: ChainKey | None, n: int = 20_000, repeat: int = 7) -> float:
    """Median µs per row of canonical form + chain value over ``n`` events."""
    events = [Event(case_id=i, type="dispatch", from_state=CaseState.FILED,
                    to_state=CaseState.DISPATCHED, actor="paiqian1", role=Role.DISPATCHER,
                    occurred_at=NOW + timedelta(seconds=i), desk="d", unit="U1", stage="派遣",
                    stage_deadline=NOW, on_time=True, payload={"unit": "U1"}, id=i + 1)
              for i in range(n)]
    runs = []
    for _ in range(repeat):
        started = perf_counter()
        for _pair in link(GENESIS, events, key):
            pass
        runs.append((perf_counter() - started) / n * 1e6)
    return statistics.median(runs)


def run(urls: tuple[str, str], rounds: int, batch: int, actions: int) -> dict[str, Any]:
    """Both variants, alternating; returns the medians."""
    ring = KeyRing((ChainKey(os.urandom(MIN_SECRET)),))
    setups = {}
    for name, url, keys in (("keyed", urls[0], ring), ("unkeyed", urls[1], None)):
        engine = make_engine(url)
        upgrade(engine)
        uows = make_uow_factory(engine, (lambda: ring) if keys is not None else None)
        init_reference(uows(), load_centre_files(), statutory_days([2026]))
        setups[name] = (uows, load_centre(uows()))
    times: dict[str, dict[str, list[float]]] = {n: {"batch": [], "act": []} for n in setups}
    for r in range(rounds):
        order = list(setups.items()) if r % 2 else list(setups.items())[::-1]
        for name, (uows, centre) in order:
            reports = [Report("06010", f"链 {r}-{i}", grid=GRID) for i in range(batch)]
            started = perf_counter()
            made = report_many(uows, centre, centre.actor("caiji01"), NOW, reports)
            times[name]["batch"].append((perf_counter() - started) / batch * 1e3)
            for case in made[:actions]:
                assert case.id is not None
                started = perf_counter()
                act(uows, centre, centre.actor("shouli1"), NOW, case.id, "accept")
                times[name]["act"].append((perf_counter() - started) * 1e3)
    out: dict[str, Any] = {"rounds": rounds, "batch": batch, "actions_per_round": actions,
                           "chain_value_us_per_row": {
                               "keyed": round(chain_values(ring.current), 2),
                               "unkeyed": round(chain_values(None), 2)}}
    for name, t in times.items():
        acts = sorted(t["act"])
        out[name] = {"report_many_ms_per_report": round(statistics.median(t["batch"]), 3),
                     "act_ms_median": round(statistics.median(acts), 2),
                     "act_ms_p95": round(acts[int(len(acts) * 0.95)], 2)}
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: two database URLs, the keyed one first."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_chain")
    parser.add_argument("--db", action="append", required=True,
                        help="two empty databases: keyed, then unkeyed")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--actions", type=int, default=40)
    args = parser.parse_args(argv)
    if len(args.db) != 2:
        parser.error("give --db twice: the keyed database, then the unkeyed one")
    print(json.dumps(run((args.db[0], args.db[1]), args.rounds, args.batch, args.actions),
                     indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
