"""The synthetic history: template lives replayed week by week into the real schema.

Each history week draws its reports from the template pool (see :mod:`benchmarks.templates`)
and shifts them by whole weeks; lives are cut at ``now`` (the open queue) and, to reach a
scale's open-case target, some recent cases are cut earlier (a backlog: cases stuck at some
stage, most of them overdue).  Rows go in with SQLAlchemy Core ``executemany`` — the same
column types as the repositories (UTC instants, JSON) — and every event carries its id and
its SHA-256 chain hash (``console.domain.audit``), so ``citydesk audit verify`` passes.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time as clock
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, update

from benchmarks.scales import Scale
from benchmarks.templates import TEMPLATE_WEEK, Life, mean_open_days, simulate
from console.domain.audit import GENESIS, canonical
from console.domain.cases import TERMINAL_STATES, Case, CaseState, Event, Role
from console.services.centre import Centre
from db.case_repo import case_values
from db.tables import CaseNoSeqRow, CaseRow, ChainHeadRow, EventRow

_CASE_TIMES = ("reported_at", "stage_started_at", "stage_deadline", "suspended_at",
               "closed_at", "updated_at")


@dataclass(frozen=True, slots=True)
class Generated:
    """What the generator wrote."""

    cases: int
    events: int
    open_cases: int
    seconds: float
    by_state: dict[str, int]


def _shift_case(case: Case, delta: timedelta) -> Case:
    changes: dict[str, Any] = {
        name: value + delta for name in _CASE_TIMES if (value := getattr(case, name)) is not None
    }
    if case.pending is not None:
        changes["pending"] = replace(case.pending, requested_at=case.pending.requested_at + delta)
    return replace(case, **changes)


class _EventForm:
    """One template event, pre-encoded: what changes per copy is only ids and instants.

    ``canonical`` below rebuilds exactly the bytes of ``console.domain.audit.canonical`` (a
    compact JSON list whose items encode independently), checked against it on every batch.
    """

    __slots__ = ("mid", "occ", "row", "sd", "tail")

    def __init__(self, e: Event) -> None:
        enc = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        from_state = None if e.from_state is None else CaseState(e.from_state).value
        to_state, role = CaseState(e.to_state).value, Role(e.role).value
        self.mid = enc.encode([e.type, from_state, to_state, e.actor, role, e.desk, e.unit,
                               e.stage])[1:-1]
        self.tail = enc.encode([e.on_time, dict(e.payload)])[1:-1]
        self.sd = None if e.stage_deadline is None else e.stage_deadline.astimezone(UTC)
        self.occ = e.occurred_at.astimezone(UTC)
        # Column values that do not change between copies (SQLite form: JSON text, 0/1).
        self.row = (e.type, from_state, to_state, e.actor, role, e.desk, e.unit, e.stage,
                    None if e.on_time is None else int(e.on_time),
                    json.dumps(dict(e.payload)))

    def canonical(self, event_id: int, case_id: int, delta: timedelta) -> tuple[bytes, Any, Any]:
        sd = None if self.sd is None else self.sd + delta
        occ = self.occ + delta
        sd_text = "null" if sd is None else f'"{sd.isoformat(timespec="microseconds")}"'
        text = (f'[1,{event_id},{case_id},{self.mid},{sd_text},{self.tail},'
                f'"{occ.isoformat(timespec="microseconds")}",null]')
        return text.encode(), sd, occ


_EVENT_COLUMNS = ("id", "case_id", "type", "from_state", "to_state", "actor", "role", "desk",
                  "unit", "stage", "on_time", "payload", "stage_deadline", "occurred_at",
                  "request_id", "hash")


def _sqlite_time(value: datetime | None) -> str | None:
    """An instant as CityDesk's SQLite columns hold it: naive UTC text with microseconds."""
    return None if value is None else value.replace(tzinfo=None).isoformat(
        sep=" ", timespec="microseconds")


class _Writer:
    """Ids, case numbers, the hash chain and batched inserts."""

    def __init__(self, engine: Engine, centre: Centre) -> None:
        self.engine, self.centre = engine, centre
        self.case_id = self.event_id = 0
        self.previous = GENESIS
        self.per_day: Counter[date] = Counter()
        self.states: Counter[str] = Counter()
        self.events = 0
        self.forms: dict[int, _EventForm] = {}

    def _form(self, event: Event) -> _EventForm:
        form = self.forms.get(id(event))
        if form is None:
            form = self.forms[id(event)] = _EventForm(event)
        return form

    def write(self, picked: list[tuple[Life, timedelta, int]]) -> None:
        """Write one week: (template, shift, steps kept) triples in report-time order."""
        cases: list[dict[str, Any]] = []
        pending: list[tuple[datetime, int, Event, timedelta]] = []
        for life, delta, keep in picked:
            self.case_id += 1
            last = life.steps[keep - 1]
            day = self.centre.local(life.reported_at + delta).date()
            self.per_day[day] += 1
            case = _shift_case(last.case, delta)
            values = case_values(case)
            values.update(id=self.case_id, version=keep,
                          case_no=f"{day:%Y%m%d}{self.per_day[day]:05d}")
            cases.append(values)
            self.states[values["state"]] += 1
            for snap in life.steps[:keep]:
                for e in snap.events:
                    pending.append((e.occurred_at + delta, self.case_id, e, delta))
        pending.sort(key=lambda p: p[0])  # the log's id order follows time
        sqlite = self.engine.dialect.name == "sqlite"
        rows: list[Any] = []
        previous = self.previous
        for n, (_at, case_id, e, delta) in enumerate(pending):
            self.event_id += 1
            form = self._form(e)
            body, sd, occ = form.canonical(self.event_id, case_id, delta)
            if n == 0:  # the hand-built bytes must be the audit module's, byte for byte
                check = replace(e, id=self.event_id, case_id=case_id,
                                occurred_at=e.occurred_at + delta,
                                stage_deadline=None if e.stage_deadline is None
                                else e.stage_deadline + delta)
                assert body == canonical(check), (body, canonical(check))
            digest = hashlib.sha256(previous.encode("ascii") + body).hexdigest()
            previous = digest
            if sqlite:
                rows.append((self.event_id, case_id, *form.row, _sqlite_time(sd),
                             _sqlite_time(occ), None, digest))
            else:
                rows.append(dict(zip(_EVENT_COLUMNS, (
                    self.event_id, case_id, *form.row[:8],
                    None if form.row[8] is None else bool(form.row[8]),
                    json.loads(form.row[9]), sd, occ, None, digest), strict=True)))
        self.previous = previous
        with self.engine.begin() as conn:
            if cases:
                conn.execute(insert(CaseRow), cases)
            if rows and sqlite:
                marks = ", ".join("?" * len(_EVENT_COLUMNS))
                conn.exec_driver_sql(
                    f"INSERT INTO case_events ({', '.join(_EVENT_COLUMNS)}) VALUES ({marks})",
                    rows)
            elif rows:
                conn.execute(insert(EventRow), rows)
        self.events += len(rows)

    def finish(self) -> None:
        """Leave the case-number counters and the chain head where the history ends, so new
        reports follow on (the history is chained unkeyed, as rows before revision 0016)."""
        rows = [{"day": f"{d:%Y%m%d}", "last": n} for d, n in self.per_day.items()]
        with self.engine.begin() as conn:
            if rows:
                conn.execute(insert(CaseNoSeqRow), rows)
            if self.event_id:
                conn.execute(update(ChainHeadRow).where(ChainHeadRow.name == "events")
                             .values(last_id=self.event_id, value=self.previous))


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 50:  # normal approximation for a week's thousands of reports
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    n, p = 0, rng.random()
    acc = term = math.exp(-mean)
    while p > acc:
        n += 1
        term *= mean / n
        acc += term
    return n


def generate(engine: Engine, centre: Centre, scale: Scale, now: datetime,
             progress: Any = None) -> Generated:
    """Write ``scale``'s history ending at ``now`` into an initialised, empty database.

    Parameters
    ----------
    engine : Engine
        The database (schema at HEAD, reference data loaded, no cases).
    centre : Centre
        Reference data and calendar of that database.
    scale : Scale
        Reports per day, days, template pool size and open-case target.
    now : datetime
        The end of the history (aware).
    progress : callable, optional
        Called with a line of text after every few weeks.

    Returns
    -------
    Generated
        Counts and the time taken.
    """
    started = clock.perf_counter()
    rng = random.Random(scale.seed)
    lives = simulate(centre, scale.templates, scale.seed)
    natural = scale.per_day * mean_open_days(lives)
    backlog_days = min(120, scale.days)
    cut_share = max(0.0, scale.open_target - natural) / (scale.per_day * backlog_days)
    cut_from = now - timedelta(days=backlog_days)
    first = now - timedelta(days=scale.days)
    template_start = datetime.combine(TEMPLATE_WEEK, datetime.min.time(), centre.tz)
    week0 = centre.local(first).date()
    week0 -= timedelta(days=week0.weekday())
    weeks = (centre.local(now).date() - week0).days // 7 + 1
    writer = _Writer(engine, centre)
    for w in range(weeks):
        monday = datetime.combine(week0 + timedelta(weeks=w), datetime.min.time(), centre.tz)
        delta = monday - template_start
        draws = sorted(rng.randrange(len(lives)) for _ in range(_poisson(rng, scale.per_day * 7)))
        picked: list[tuple[Life, timedelta, int]] = []
        for i in draws:
            life = lives[i]
            reported = life.reported_at + delta
            if reported < first or reported > now:
                continue
            keep = sum(1 for s in life.steps if s.at + delta <= now)
            if reported >= cut_from and len(life.steps) > 2 and rng.random() < cut_share:
                keep = min(keep, rng.randrange(2, len(life.steps)))
            picked.append((life, delta, keep))
        picked.sort(key=lambda p: p[0].reported_at + p[1])
        writer.write(picked)
        if progress is not None and (w % 8 == 7 or w == weeks - 1):
            progress(f"  week {w + 1}/{weeks}: {writer.case_id:,} cases, {writer.events:,} events "
                     f"({clock.perf_counter() - started:.0f} s)")
    writer.finish()
    terminal = {s.value for s in TERMINAL_STATES}
    open_cases = sum(n for s, n in writer.states.items() if s not in terminal)
    return Generated(writer.case_id, writer.events, open_cases,
                     clock.perf_counter() - started, dict(writer.states))
