"""The three scales of the benchmark suite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

#: The end of every generated history: a Wednesday afternoon (as the GUI tests use).
NOW = datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass(frozen=True, slots=True)
class Scale:
    """How big a history to generate, and how often to repeat each measurement.

    Parameters
    ----------
    name : str
        ``quick``, ``county`` or ``megacity``.
    per_day : float
        Mean reports per day.
    days : int
        Length of the history.
    templates : int
        Size of the pool of simulated lives the history is drawn from.
    open_target : int
        Open cases wanted at ``NOW`` (a backlog is cut to reach it; 0: what the rates give).
    repeats : int
        Runs of each timed benchmark (median and p95 are over these).
    intake : int
        Reports written by the intake benchmark.
    desk_repeats : int
        Reloads of the whole queue timed in the desk process (0: as ``repeats``).
    """

    name: str
    per_day: float
    days: int
    templates: int
    open_target: int
    repeats: int
    intake: int
    desk_repeats: int = 0
    seed: int = 2018


SCALES = {
    "quick": Scale("quick", per_day=150, days=14, templates=300, open_target=0, repeats=3,
                   intake=500),
    "county": Scale("county", per_day=300, days=3 * 365, templates=3000, open_target=0,
                    repeats=9, intake=3000),
    "megacity": Scale("megacity", per_day=8000, days=365, templates=6000,
                      open_target=100_000, repeats=3, intake=6_000, desk_repeats=5),
}
