"""Plan a simulated case's life: which commands, by whom, at what instants.

The mix follows what county centres report: most cases are collector reports handled on time;
a share arrive by hotline and are verified first; some are refused, voided, returned for a
wrong unit, extended, suspended, reworked after a failed check, or finish late.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.domain.cases import Role, Source
from console.domain.commands import Command
from console.domain.reference import Category, LimitClass, UnitKind
from console.services.centre import Centre

#: Source mix of a county centre (collectors dominate; 12345 has overtaken 12319).
SOURCES: tuple[tuple[Source, float], ...] = (
    (Source.COLLECTOR, 0.70), (Source.HOTLINE, 0.12), (Source.PUBLIC, 0.05),
    (Source.WEB, 0.05), (Source.VIDEO, 0.05), (Source.LEADER, 0.02), (Source.MEDIA, 0.01),
)

#: Frequent categories first; codes missing from a centre's set are skipped.
CATEGORY_MIX: tuple[tuple[str, float], ...] = (
    ("06010", 14), ("07001", 12), ("09006", 10), ("09009", 9), ("09005", 8), ("06012", 7),
    ("06036", 6), ("06042", 5), ("09010", 5), ("06001", 4), ("06007", 3), ("01002", 2),
    ("01003", 2), ("01037", 3), ("04002", 2), ("03005", 2), ("06014", 2), ("08004", 2),
    ("06029", 1), ("02014", 1), ("03006", 1), ("06011", 1), ("06045", 1), ("08002", 1),
)

#: Intake per clock hour, relative (collectors patrol by day, the public reports around the clock).
HOURLY = (1, 1, 0, 0, 0, 1, 2, 4, 9, 10, 9, 7, 4, 5, 8, 9, 8, 6, 3, 2, 2, 2, 1, 1)


@dataclass(frozen=True, slots=True)
class Step:
    """One command of a planned life, or the report that starts it (``command`` REPORT)."""

    at: datetime
    command: Command
    role: Role
    fields: dict[str, Any] = field(default_factory=dict)
    unit: str | None = None  # for unit steps: which unit's user acts


@dataclass
class Planner:
    """Draws lives for cases at a centre, deterministic for a given ``random.Random``."""

    centre: Centre
    rng: random.Random
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        cats = self.centre.ref.categories
        mix = [(cats[code], w) for code, w in CATEGORY_MIX if code in cats]
        if not mix:  # a centre with other codes: weight every category the same
            mix = [(c, 1.0) for c in cats.values()]
        self._cats = [c for c, _ in mix]
        self._weights = [w for _, w in mix]
        self._units = [u.code for u in self.centre.ref.units.values()
                       if u.active and u.kind is not UnitKind.OFFICE and u.parent is None]

    def category(self) -> Category:
        """A category drawn from the mix."""
        return self.rng.choices(self._cats, self._weights)[0]

    def source(self) -> Source:
        """A source drawn from the mix."""
        return self.rng.choices([s for s, _ in SOURCES], [w for _, w in SOURCES])[0]

    def _after(self, t: datetime, low: float, high: float, natural: bool = False) -> datetime:
        return self.centre.calendar.add_for(t, round(self.rng.uniform(low, high)), natural)

    def live(self, report: dict[str, Any], dispatch_at: datetime, unit: str) -> list[Step]:
        """A collector's case dispatched at ``dispatch_at`` and still being handled."""
        cal = self.centre.calendar
        at = cal.add(dispatch_at, -round(self.rng.uniform(40, 70)))
        return [
            Step(at, Command.REPORT, Role.COLLECTOR, report),
            Step(cal.add(at, 10), Command.ACCEPT, Role.ACCEPTOR),
            Step(cal.add(at, 25), Command.FILE, Role.SUPERVISOR),
            Step(dispatch_at, Command.DISPATCH, Role.DISPATCHER, {"unit": unit}),
            Step(cal.add(dispatch_at, 5), Command.START, Role.UNIT, unit=unit),
        ]

    def waiting(self, report: dict[str, Any], at: datetime, upto: Command) -> list[Step]:
        """A collector's case reported at ``at`` and taken up to ``upto`` (REPORT, ACCEPT, FILE)."""
        cal = self.centre.calendar
        steps = [Step(at, Command.REPORT, Role.COLLECTOR, report)]
        if upto in (Command.ACCEPT, Command.FILE):
            steps.append(Step(cal.add(at, 3), Command.ACCEPT, Role.ACCEPTOR))
        if upto is Command.FILE:
            steps.append(Step(cal.add(at, 6), Command.FILE, Role.SUPERVISOR))
        return steps

    def life(self, report: dict[str, Any], at: datetime, category: Category, unit: str) -> list[Step]:
        """The steps of one case from its report to its end (some lie after ``now``)."""
        r = self.rng.random
        src = Source(report["source"])
        out = [Step(at, Command.REPORT, Role.COLLECTOR if src is Source.COLLECTOR else Role.ACCEPTOR,
                    report)]
        t = self._after(at, 2, 25)
        if r() < 0.02:
            return [*out, Step(t, Command.REFUSE, Role.ACCEPTOR, {"reason": "不属于城市管理范围"})]
        out.append(Step(t, Command.ACCEPT, Role.ACCEPTOR))
        if src.value in self.centre.ref.config.verify_sources:
            t = self._after(t, 3, 20)
            out.append(Step(t, Command.REQUEST_VERIFY, Role.ACCEPTOR))
            t = self._after(t, 20, 110)
            found = r() >= 0.06
            out.append(Step(t, Command.VERIFY, Role.COLLECTOR, {"found": found}))
            if not found:
                t = self._after(t, 3, 20)
                return [*out, Step(t, Command.REFUSE_FILE, Role.SUPERVISOR, {"reason": "核实无此问题"})]
        if r() < 0.02:
            t = self._after(t, 3, 30)
            out.append(Step(t, Command.REQUEST_VOID, Role.ACCEPTOR, {"reason": "重复录入"}))
            t = self._after(t, 5, 40)
            return [*out, Step(t, Command.APPROVE_VOID, Role.SUPERVISOR)]
        t = self._after(t, 3, 25)
        out.append(Step(t, Command.FILE, Role.SUPERVISOR))
        t = self._after(t, 3, 25)
        if r() < 0.04 and len(self._units) > 1:
            wrong = self.rng.choice([u for u in self._units if u != unit])
            out.append(Step(t, Command.DISPATCH, Role.DISPATCHER,
                            {"unit": wrong, "reason": "现场情况与建议单位职责不符"}))
            t = self._after(t, 30, 200)
            out.append(Step(t, Command.REQUEST_RETURN, Role.UNIT, {"reason": "非本单位职责"}, wrong))
            t = self._after(t, 5, 60)
            out.append(Step(t, Command.APPROVE_RETURN, Role.SUPERVISOR))
            t = self._after(t, 3, 20)
        office = self.centre.ref.config.coordination_office
        if unit == office:  # responsibility unclear: the office designates who fixes it
            unit = self.rng.choice(self._units)
            out.append(Step(t, Command.DESIGNATE, Role.SUPERVISOR,
                            {"unit": unit, "reason": "责任主体不清，指定代整改"}))
        else:
            out.append(Step(t, Command.DISPATCH, Role.DISPATCHER, {"unit": unit}))
        return out + self._handling(t, category, unit)

    def _handling(self, dispatched: datetime, category: Category, unit: str) -> list[Step]:
        r = self.rng.random
        natural = category.natural_time
        limit = category.limit_for(LimitClass.GENERAL)
        out: list[Step] = []
        rounds = 2 if r() < 0.08 else 1  # a failed check sends it back once
        start = dispatched
        for n in range(rounds):
            t = self._after(start, 5, max(6, min(90, limit * 0.15)), natural)
            out.append(Step(t, Command.START, Role.UNIT, unit=unit))
            f = r()
            share = (self.rng.uniform(0.2, 0.75) if f < 0.8 else
                     self.rng.uniform(0.8, 0.99) if f < 0.92 else self.rng.uniform(1.05, 1.8))
            if n == 0 and r() < 0.04:
                mid = self.centre.calendar.add_for(start, round(limit * 0.4), natural)
                mid = max(mid, self._after(t, 1, 5))
                out.append(Step(mid, Command.REQUEST_EXTENSION, Role.UNIT,
                                {"minutes": 480, "reason": "需协调施工机械"}, unit))
                out.append(Step(self._after(mid, 5, 40), Command.APPROVE_EXTENSION, Role.SUPERVISOR))
                share += 480 / max(limit, 1)
            if n == 0 and r() < 0.02:  # seasonal or lacking conditions: 挂账, resumed later
                ask = self._after(out[-1].at, 10, 60)
                ok = self._after(ask, 5, 40)
                back = self._after(ok, 480, 2400)
                out += [
                    Step(ask, Command.REQUEST_SUSPEND, Role.UNIT, {"reason": "雨季无法施工"}, unit),
                    Step(ok, Command.APPROVE_SUSPEND, Role.SUPERVISOR),
                    Step(back, Command.RESUME, Role.SUPERVISOR),
                ]
                share += (back - start).total_seconds() / 60 / max(limit, 1) if natural else 0
                start = back
            if n == 0 and r() < 0.03:
                out.append(Step(self._after(out[-1].at, 1, 10), Command.URGE, Role.SUPERVISOR,
                                {"note": "请加快处置进度"}))
            done = self.centre.calendar.add_for(start, round(limit * share), natural)
            done = max(done, self._after(out[-1].at, 1, 10))
            out.append(Step(done, Command.FEEDBACK, Role.UNIT, {"notes": "已处置完毕"}, unit))
            t = self._after(done, 3, 30)
            out.append(Step(t, Command.REQUEST_CHECK, Role.ACCEPTOR))
            t = self._after(t, 20, 110)
            if n < rounds - 1:
                out.append(Step(t, Command.CHECK_FAIL, Role.COLLECTOR, {"notes": "现场仍未整改到位"}))
                start = t
                continue
            out.append(Step(t, Command.CHECK_PASS, Role.COLLECTOR, {"notes": "已整改"}))
            out.append(Step(self._after(t, 3, 40), Command.CLOSE, Role.SUPERVISOR))
        return out


def hourly_counts(rng: random.Random, per_day: float) -> Callable[[int], int]:
    """Reports per clock hour for a day, drawn around ``per_day`` with the hourly rhythm."""
    total = sum(HOURLY)

    def count(hour: int) -> int:
        mean = per_day * HOURLY[hour] / total
        # Poisson by inversion: fine for the small means of one hour.
        n, p = 0, rng.random()
        acc = term = math.exp(-mean)
        while p > acc and n < 200:
            n += 1
            term *= mean / n
            acc += term
        return n

    return count
