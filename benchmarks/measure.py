"""Timing and memory helpers shared by the benchmarks."""

from __future__ import annotations

import resource
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter, process_time
from typing import Any


def p95(samples: list[float]) -> float:
    """The 95th percentile by nearest rank (the largest sample for fewer than 20)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def summary(samples: list[float]) -> dict[str, float]:
    """Median, p95, min and count of a list of samples."""
    return {"median": statistics.median(samples), "p95": p95(samples), "min": min(samples),
            "n": len(samples)}


def timed(fn: Callable[[], Any], repeats: int, cpu: list[float] | None = None) -> list[float]:
    """Run ``fn`` ``repeats`` times; the wall times in milliseconds.

    When ``cpu`` is given, this process's CPU time of each run (ms) is appended to it: on a
    shared machine the wall time includes waiting for a core, the CPU time does not.
    """
    out = []
    for _ in range(repeats):
        start, busy = perf_counter(), process_time()
        fn()
        out.append((perf_counter() - start) * 1000)
        if cpu is not None:
            cpu.append((process_time() - busy) * 1000)
    return out


def rss_mb() -> float:
    """This process's resident set size now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Result:
    """One benchmark: CityDesk's samples, the floor's, the unit and the target.

    ``higher`` marks a rate (reports/s): bigger is better and the ratio is floor / CityDesk.
    ``target`` is a predicate on the CityDesk p95 (or median for rates) and the ratio.
    """

    name: str
    unit: str
    citydesk: list[float]
    floor: list[float] | None
    target: str
    check: Callable[[dict[str, float], float | None], bool] | None = None
    higher: bool = False
    peak_mb: float = field(default_factory=peak_rss_mb)
    note: str = ""
    cpu: list[float] | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: summaries, the ratio of medians and whether the target is met."""
        cd = summary(self.citydesk)
        fl = summary(self.floor) if self.floor else None
        ratio = None
        if fl is not None and fl["median"] > 0 and cd["median"] > 0:
            ratio = fl["median"] / cd["median"] if self.higher else cd["median"] / fl["median"]
        met = None if self.check is None else bool(self.check(cd, ratio))
        return {"name": self.name, "unit": self.unit, "citydesk": cd, "floor": fl,
                "ratio": ratio, "target": self.target, "met": met,
                "citydesk_cpu_ms": summary(self.cpu) if self.cpu else None,
                "peak_rss_mb": round(self.peak_mb, 1), "note": self.note}
