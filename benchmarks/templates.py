"""Case lives for the generator: simulated once through the real workflow, then replayed.

The demo (``console.services.demo``) runs every case through ``domain.transitions.apply``;
that is what makes its log realistic, and what makes it slow (~270 cases/s with the writes).
The generator simulates a pool of *template lives* the same way — the demo's category and
source mix, hourly rhythm, stage durations and on-time / overdue / rework / return / extension
/ suspension rates, on the real working calendar — over one ordinary week, and replays each
history week as a draw from that pool shifted by whole weeks (so weekday and hour, and with
them working-time deadlines and on-time flags, stay exact; statutory holidays of the target
week are not re-simulated).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from console.domain.cases import Case, Event
from console.domain.commands import Action, Command
from console.domain.transitions import apply
from console.services.centre import Centre
from console.services.demo import _Actors, _report
from console.services.demo_plan import HOURLY, Planner

#: An ordinary working week (no statutory holiday) the templates are simulated in.
TEMPLATE_WEEK = date(2026, 3, 2)  # a Monday
#: Relative intake per weekday, Monday first (weekends are quieter at a county centre).
WEEKDAYS = (1.0, 1.0, 1.0, 1.0, 0.95, 0.75, 0.7)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The case after one step of its life, and the events that step logged."""

    at: datetime
    case: Case
    events: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class Life:
    """A template case's whole life, step by step (``steps[0]`` is the report)."""

    steps: tuple[Snapshot, ...]

    @property
    def reported_at(self) -> datetime:
        """When the report came in."""
        return self.steps[0].at


def simulate(centre: Centre, count: int, seed: int) -> list[Life]:
    """Simulate ``count`` lives reported during :data:`TEMPLATE_WEEK`.

    Parameters
    ----------
    centre : Centre
        Reference data (categories, grids, units, routing) and the work calendar.
    count : int
        How many lives.
    seed : int
        Seed of the draws; the same seed gives the same pool.

    Returns
    -------
    list of Life
        In report-time order.
    """
    rng = random.Random(seed)
    planner = Planner(centre, rng)
    actors = _Actors(centre, random.Random(seed + 1))
    cells = sorted(centre.ref.grids.values(), key=lambda c: c.code)
    lives: list[Life] = []
    for _ in range(count):
        day = rng.choices(range(7), WEEKDAYS)[0]
        hour = rng.choices(range(24), HOURLY)[0]
        at = datetime.combine(TEMPLATE_WEEK + timedelta(days=day), time(hour), centre.tz)
        at += timedelta(seconds=rng.uniform(0, 3599))
        fields, unit = _report(centre, planner, rng.choice(cells), at)
        category = centre.ref.categories[str(fields["category"])]
        plan = planner.life(fields, at, category, unit)
        case: Case | None = None
        steps: list[Snapshot] = []
        for step in plan:
            actor = actors.pick(step, case)
            if step.command is Command.REPORT:
                action = Action(Command.REPORT, dict(step.fields, case_no="-"))
                outcome = apply(None, action, actor, step.at, centre.ctx)
            else:
                assert case is not None
                outcome = apply(case, Action(step.command, step.fields), actor, step.at,
                                centre.ctx)
            case = outcome.case
            steps.append(Snapshot(step.at, case, tuple(outcome.events)))
        lives.append(Life(tuple(steps)))
    lives.sort(key=lambda life: life.reported_at)
    return lives


def mean_open_days(lives: list[Life]) -> float:
    """The mean time from report to the last step, in days (how long a case stays open)."""
    spans = [(life.steps[-1].at - life.reported_at).total_seconds() for life in lives]
    return sum(spans) / max(len(spans), 1) / 86400
