"""``citydesk demo``: a database with N days of simulated operations and a live queue now.

Every case runs through the real transition function (``domain.transitions.apply``) with the
real calendar, so the event log, deadlines and lights are exactly what real operations would
leave.  Steps are applied in time order across all cases and written in batches.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta

from console.domain.cases import Actor, Case, CaseState, Event, Role
from console.domain.commands import Action, Command
from console.domain.deadlines import countdown
from console.domain.errors import ValidationError
from console.domain.geo import point_in_polygon
from console.domain.reference import GridCell, LimitClass
from console.domain.transitions import apply
from console.services.accounts import set_demo_passwords
from console.services.cases import UowFactory, suggest_route
from console.services.centre import Centre
from console.services.demo_plan import Planner, Step, hourly_counts
from console.services.uow import CaseFilter, UnitOfWork

BATCH = 2000  # steps per flush


@dataclass(frozen=True, slots=True)
class DemoSettings:
    """How much to simulate."""

    days: int = 30
    seed: int = 2018
    per_day: float = 60.0
    live_per_light: int = 4


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the simulation left in the database."""

    days: int
    cases: int
    events: int
    open_cases: int
    by_state: dict[str, int] = field(default_factory=dict)
    lights: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """A short Chinese summary for the terminal."""
        states = "，".join(f"{k} {v}" for k, v in self.by_state.items())
        lights = "，".join(f"{k} {v}" for k, v in self.lights.items())
        return (f"已模拟 {self.days} 天：{self.cases} 件案件、{self.events} 条事件；"
                f"未办结 {self.open_cases} 件（{lights}）\n按状态：{states}")


class _Actors:
    """Demo users by role, by unit and by grid cell (the admin stands in where none exists)."""

    def __init__(self, centre: Centre, rng: random.Random) -> None:
        self.rng = rng
        self.admin = Actor("admin", Role.ADMIN, desk="demo")
        self.by_role: dict[Role, list[Actor]] = {}
        self.by_unit: dict[str, Actor] = {}
        self.by_grid: dict[str, Actor] = {}
        for user in centre.ref.users.values():
            if not user.active or user.role not in {r.value for r in Role}:
                continue
            actor = Actor(user.username, Role(user.role), user.unit, "demo")
            self.by_role.setdefault(actor.role, []).append(actor)
            if actor.role is Role.UNIT and user.unit:
                self.by_unit.setdefault(user.unit, actor)
            for grid in user.grids:
                self.by_grid.setdefault(grid, actor)

    def pick(self, step: Step, case: Case | None) -> Actor:
        if step.role is Role.UNIT:
            unit = step.unit or (case.unit if case else None)
            return self.by_unit.get(unit or "", replace(self.admin, unit=unit))
        if step.role is Role.COLLECTOR:
            grid = case.grid if case else step.fields.get("grid")
            if grid in self.by_grid:
                return self.by_grid[grid]
        pool = self.by_role.get(step.role)
        return self.rng.choice(pool) if pool else self.admin


def _point_in(cell: GridCell, rng: random.Random) -> tuple[float, float]:
    xs = [p[0] for p in cell.polygon]
    ys = [p[1] for p in cell.polygon]
    for _ in range(50):
        lon, lat = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
        if point_in_polygon(lon, lat, cell.polygon):
            return round(lon, 6), round(lat, 6)
    return cell.centroid


def _report(centre: Centre, planner: Planner, cell: GridCell, at: datetime,
            source: str | None = None) -> tuple[dict[str, object], str]:
    rng = planner.rng
    category = planner.category()
    lon, lat = _point_in(cell, rng)
    route = suggest_route(centre, category, cell.code, None)
    where = rng.choice(["路口", "人行道", "小区门口", "沿街店铺前", "公交站旁", "绿化带边"])
    fields: dict[str, object] = {
        "source": source or planner.source().value, "category": category.code,
        "description": f"{cell.street}{cell.community}{where}发现{category.name_zh}",
        "grid": cell.code, "street": cell.street, "lon": lon, "lat": lat,
        "suggested_unit": route.unit, "routing_rule": route.rule, "reported_at": at,
    }
    return fields, route.unit


def plan_lives(centre: Centre, now: datetime, settings: DemoSettings) -> list[list[Step]]:
    """Every simulated case's steps (some lie after ``now`` and will not run)."""
    rng = random.Random(settings.seed)
    planner = Planner(centre, rng)
    cells = sorted(centre.ref.grids.values(), key=lambda c: c.code)
    lives: list[list[Step]] = []
    first = centre.local(now).date() - timedelta(days=settings.days)
    for d in range(settings.days + 1):
        count = hourly_counts(rng, settings.per_day)
        for hour in range(24):
            for _ in range(count(hour)):
                at = datetime.combine(first + timedelta(days=d), time(hour), centre.tz)
                at += timedelta(seconds=rng.uniform(0, 3599))
                if at >= now:
                    continue
                fields, unit = _report(centre, planner, rng.choice(cells), at)
                category = centre.ref.categories[str(fields["category"])]
                lives.append(planner.life(fields, at, category, unit))
    # A live queue in every light, whatever the random draw gave.
    for fraction in (0.4, 0.9, 1.4):
        for _ in range(settings.live_per_light):
            live = _live_case(centre, planner, rng.choice(cells), now, fraction)
            if live is not None:
                lives.append(live)
    # Requests waiting for the supervisor now: an extension and a return.
    requests: tuple[tuple[Command, dict[str, object]], ...] = (
        (Command.REQUEST_EXTENSION, {"minutes": 960, "reason": "需协调机械清运"}),
        (Command.REQUEST_RETURN, {"reason": "非本单位职责范围"}),
    )
    for command, request in requests:
        live = _live_case(centre, planner, rng.choice(cells), now, 0.5)
        if live is not None:
            asked = max(centre.calendar.add(now, -5), live[-1].at)
            live.append(Step(asked, command, Role.UNIT, dict(request), live[-1].unit))
            lives.append(live)
    # And work waiting at the desks now: new reports, accepted ones, filed ones.
    for upto in (Command.REPORT, Command.ACCEPT, Command.FILE):
        for _ in range(settings.live_per_light):
            at = centre.calendar.add(now, -round(rng.uniform(8, 25)))
            fields, _unit = _report(centre, planner, rng.choice(cells), at, source="监督员上报")
            lives.append(planner.waiting(fields, at, upto))
    return lives


def _live_case(centre: Centre, planner: Planner, cell: GridCell, now: datetime,
               fraction: float) -> list[Step] | None:
    """A collector's case whose 处置 clock stands at ``fraction`` of its limit at ``now``."""
    fields, unit = _report(centre, planner, cell, now, source="监督员上报")
    if unit == centre.ref.config.coordination_office:
        return None
    category = centre.ref.categories[str(fields["category"])]
    limit = category.limit_for(LimitClass.GENERAL)
    dispatch_at = centre.calendar.add_for(now, -round(fraction * limit), category.natural_time)
    steps = planner.live(fields, dispatch_at, unit)
    fields["reported_at"] = steps[0].at
    return steps


def refuse_live_database(uow_factory: UowFactory, embedded: bool) -> None:
    """Refuse a demo anywhere but an embedded database or an empty central one.

    A demo gives every user without a password the demo password and writes a month of
    invented cases: on a centre's live PostgreSQL that is 41 accounts anyone can sign in to.
    A central database qualifies only while it holds no case and no user with a password
    (a training database just set up); nothing is changed when it does not.

    Raises
    ------
    ValidationError
        A central database with cases or with users who have passwords.
    """
    if embedded:
        return
    with uow_factory() as uow:
        cases = uow.cases.count(CaseFilter())
        keyed = sum(1 for account in uow.accounts.list() if account.password_hash is not None)
    if cases or keyed:
        raise ValidationError(
            f"演示数据只写入内嵌数据库或全新的中心库（本库已有 {cases} 件案件、{keyed} 个设了密码的用户），"
            "未作任何更改 / demo data goes only into an embedded database or an empty central one")


def run_demo(uow_factory: UowFactory, centre: Centre, now: datetime,
             settings: DemoSettings, *, embedded: bool = False) -> DemoSummary:
    """Simulate ``settings.days`` days up to ``now`` and write the result.

    ``embedded``: the database is this machine's own SQLite file; otherwise it must be an
    empty central one (:func:`refuse_live_database`).
    """
    refuse_live_database(uow_factory, embedded)
    lives = plan_lives(centre, now, settings)
    schedule = sorted(
        ((step.at, i, j, step) for i, life in enumerate(lives) for j, step in enumerate(life)
         if step.at <= now),
        key=lambda item: (item[0], item[1], item[2]),
    )
    actors = _Actors(centre, random.Random(settings.seed + 1))
    cases: dict[int, Case] = {}
    stored: dict[int, int] = {}
    dirty: set[int] = set()
    pending: list[Event] = []
    total_events = 0
    uow = uow_factory()
    uow.__enter__()
    try:
        for n, (at, i, _j, step) in enumerate(schedule, 1):
            case = cases.get(i)
            actor = actors.pick(step, case)
            if step.command is Command.REPORT:
                fields = dict(step.fields, case_no=uow.cases.next_case_no(centre.local(at).date()))
                outcome = apply(None, Action(Command.REPORT, fields), actor, at, centre.ctx)
                saved = uow.cases.add(outcome.case)
                assert saved.id is not None
                cases[i], stored[i] = saved, saved.version
                pending.extend(replace(e, case_id=saved.id) for e in outcome.events)
            else:
                assert case is not None
                outcome = apply(case, Action(step.command, step.fields), actor, at, centre.ctx)
                cases[i] = outcome.case
                dirty.add(i)
                pending.extend(outcome.events)
            if n % BATCH == 0:  # bound memory; one commit at the end keeps the demo all-or-nothing
                total_events += _flush(uow, cases, stored, dirty, pending)
        total_events += _flush(uow, cases, stored, dirty, pending)
        uow.commit()
    finally:
        uow.__exit__(None, None, None)
    # A demo is for trying the desks: every demo seat signs in with the demo password.
    set_demo_passwords(uow_factory, now)
    return _summarise(uow_factory(), centre, now, settings.days, len(cases), total_events)


def _flush(uow: UnitOfWork, cases: dict[int, Case], stored: dict[int, int], dirty: set[int],
           pending: list[Event]) -> int:
    for i in sorted(dirty):
        saved = uow.cases.update(cases[i], stored[i])
        cases[i], stored[i] = saved, saved.version
    dirty.clear()
    written = len(uow.events.append(pending))
    pending.clear()
    return written


def _summarise(uow: UnitOfWork, centre: Centre, now: datetime, days: int, cases: int,
               events: int) -> DemoSummary:
    with uow:
        open_cases = uow.cases.list(CaseFilter(open_only=True))
        by_state = {s.value: n for s in CaseState if (n := uow.cases.count(CaseFilter(states=(s,))))}
    lights = Counter(
        cd.light.value for c in open_cases
        if (cd := countdown(c, now, centre.calendar, centre.ref.config.yellow_at)) is not None
    )
    return DemoSummary(days, cases, events, len(open_cases), by_state,
                       {k: lights[k] for k in ("green", "yellow", "red")})


def has_demo_data(uow: UnitOfWork) -> bool:
    """True when the log starts with simulated operations (the console shows a banner)."""
    with uow:
        first = uow.events.since(0, 1)
    return bool(first) and first[0].desk == "demo"
