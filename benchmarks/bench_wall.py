"""The wall screen's refresh at scale (issue #16 part 5).

The wall (``citydesk wall``) asks for its figures every few seconds: :func:`~console.desk_local.
open_wall`'s ``wall_data`` — today's and the month's counts from the log, the lights and the
unit ranking counted per (unit, cell, state) in SQL, the red list's first page, the map's
cells and the 监督员在岗 count.  Measured here on the benchmark's database, in this process:

* the first refresh after the database was opened (the process's caches empty; the operating
  system's page cache is whatever the machine holds — not a cold boot);
* ``repeats`` refreshes after it: wall time and this process's CPU time;
* memory per refresh: the peak of Python's allocations during one refresh (tracemalloc, a
  separate run: tracing slows the code) and the growth of the process's peak RSS over all
  refreshes (what a wall process must have room for);
* for comparison, once, the core of the refresh before issue #16: every open case read and
  timed (``cases.list`` + ``countdown``), with its time and the RSS growth it caused.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks.measure import Result, peak_rss_mb, rss_mb, timed
from benchmarks.scales import NOW


def _walk_every_open_case(app: Any) -> int:
    """What the wall did before: read every open case and time each one's countdown."""
    from console.domain.deadlines import countdown
    from console.services.uow import CaseFilter

    centre = app.centre
    with app.uow_factory() as uow:
        cases = uow.cases.list(CaseFilter(open_only=True, order="id"))
    return sum(1 for c in cases
               if countdown(c, NOW, centre.calendar, centre.ref.config.yellow_at) is not None)


def bench_wall(app: Any, repeats: int, say: Callable[[str], None],
               before: bool = True) -> tuple[list[Result], dict[str, Any]]:
    """Time the wall's refresh on ``app``'s database; results and extras for the report."""
    from console.desk_local import open_wall

    source = open_wall(app, lambda: NOW)
    rss_before = rss_mb()
    say("wall: first refresh …")
    start, busy = time.perf_counter(), time.process_time()
    data = source.wall_data()
    first_ms = (time.perf_counter() - start) * 1000
    first_cpu = (time.process_time() - busy) * 1000
    say(f"wall: {repeats} refreshes …")
    cpu: list[float] = []
    warm = timed(source.wall_data, repeats, cpu)
    rss_growth = peak_rss_mb() - rss_before
    say("wall: one refresh under tracemalloc …")
    tracemalloc.start()
    source.wall_data()
    _now, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    traced_mb = traced_peak / 2**20
    extras: dict[str, Any] = {
        "wall_first_ms": round(first_ms, 1), "wall_first_cpu_ms": round(first_cpu, 1),
        "wall_open_cases": data.open_cases, "wall_red": data.overdue_now,
        "wall_red_listed": len(data.red_list), "wall_cells": len(data.cells),
        "wall_units": len(data.units), "wall_traced_peak_mb": round(traced_mb, 1),
        "wall_rss_growth_mb": round(rss_growth, 1), "wall_rss_before_mb": round(rss_before, 1),
    }
    what = (f"{data.open_cases:,} open, {data.overdue_now:,} red ({len(data.red_list)} "
            f"listed), {len(data.cells)} cells, {len(data.units)} units")
    results = [
        Result(f"wall refresh ({what})", "ms", warm, None, "≤ 1,000 ms",
               lambda cd, _r: cd["p95"] <= 1000, cpu=cpu,
               note=f"open_wall(app).wall_data(), in process; the first after opening the "
                    f"database {first_ms:.0f} ms ({first_cpu:.0f} ms CPU)"),
        Result("wall refresh: memory (Python's peak allocations in one refresh; the process's "
               "peak RSS growth over all refreshes beside it)", "MB", [traced_mb], None,
               "≤ 300 MB", lambda cd, _r: cd["median"] <= 300 and rss_growth <= 300,
               note=f"tracemalloc peak {traced_mb:.1f} MB; peak RSS grew {rss_growth:.1f} MB "
                    f"over {repeats + 1} refreshes (from {rss_before:.0f} MB)"),
    ]
    if before:
        say("wall: the walk over every open case (the refresh before issue #16) …")
        rss_then = peak_rss_mb()
        start = time.perf_counter()
        walked = _walk_every_open_case(app)
        walk_ms = (time.perf_counter() - start) * 1000
        walk_growth = peak_rss_mb() - rss_then
        extras.update(wall_walk_ms=round(walk_ms, 1), wall_walk_rss_growth_mb=round(walk_growth, 1),
                      wall_walk_timed=walked)
        results.append(Result(
            "for comparison: every open case read and timed (the wall's refresh before issue "
            "#16, its core only)", "ms", [walk_ms], None, "–", None,
            note=f"{walked:,} countdowns; peak RSS grew {walk_growth:.0f} MB more"))
    return results, extras
