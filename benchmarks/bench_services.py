"""Benchmarks without a window: batched intake and the month evaluation, each beside its floor.

The floors do the same work with plain SQL through the driver (``sqlite3`` or ``psycopg``
under SQLAlchemy's ``exec_driver_sql``): no domain objects, no repositories, no unit of work.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from time import perf_counter, process_time
from typing import Any

from sqlalchemy import Engine

from benchmarks.measure import Result, timed
from benchmarks.scales import NOW, Scale
from benchmarks.shadow import ensure_shadows, shadow_top
from console.app import App
from console.domain.evaluation_period import month_period
from console.services.cases import Report, report_many
from console.services.evaluation import evaluate

BATCH = 500  # reports per report_many call (one transaction)


def _reports(app: App, n: int, rng: random.Random) -> list[Report]:
    cells = sorted(app.centre.ref.grids)
    cats = ["06010", "07001", "09006", "09009", "09005", "06012"]
    return [Report(rng.choice(cats), f"基准上报 {i}", grid=rng.choice(cells)) for i in range(n)]


def _stamp(engine: Engine, value: Any) -> Any:
    """A datetime as the driver wants it (SQLite: naive UTC text, as CityDesk stores it)."""
    if engine.dialect.name == "sqlite":
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


#: A typical routing sentence (70 characters, the Kaihua matrix's most common length band):
#: every new case stores the rule that routed it, so the floor's rows carry one too.
_FLOOR_RULE = ("职责分工：非法小广告 → 县综合执法局（职责分工 1：县综合执法局负责“非法涂写张贴小广告”"
               "等影响城市市容环境的城市管理事件问题的查处工作）")


def _instant_value(engine: Engine, value: datetime) -> Any:
    """An instant as CityDesk stores it (SQLite: naive UTC text with microseconds)."""
    if engine.dialect.name == "sqlite":
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ",
                                                                     timespec="microseconds")
    return value


def _raw_intake(engine: Engine, n: int, start_id: int) -> None:
    """The floor: the same case and event rows inserted with executemany, one transaction.

    Into the shadow tables (same columns and indexes; see :mod:`benchmarks.shadow`).  The rows
    hold what a report's rows hold in CityDesk: the case with its place, suggested unit,
    routing sentence and first stage (受理, its limit and deadline), the event with that stage
    and deadline.  Like CityDesk's log, the events are hash-chained: each row's SHA-256 covers
    its id, its fields (one JSON document) and the previous row's hash, read at the start of
    the transaction; the chain is the audit trail every report must join, so the floor pays
    for it too, in plain ``hashlib`` and ``json``.
    """
    at = _instant_value(engine, NOW)
    due = _instant_value(engine, NOW + timedelta(minutes=30))
    instant = NOW.astimezone(UTC).isoformat(timespec="microseconds")
    deadline = (NOW + timedelta(minutes=30)).astimezone(UTC).isoformat(timespec="microseconds")
    p = "?" if engine.dialect.name == "sqlite" else "%s"
    case_cols = ("id", "case_no", "state", "source", "category", "description", "reported_at",
                 "reporter", "grid", "street", "address", "contact", "limit_class",
                 "suggested_unit", "routing_rule", "substitute", "natural_time", "stage",
                 "stage_started_at", "stage_limit", "stage_deadline", "rework_count",
                 "return_count", "extension_count", "extension_minutes", "suspend_count",
                 "urge_count", "handle_overdue", "version", "updated_at")
    event_cols = ("id", "case_id", "type", "to_state", "actor", "role", "desk", "stage",
                  "stage_deadline", "payload", "occurred_at", "hash")
    with engine.begin() as conn:
        last = conn.exec_driver_sql(
            "SELECT id, hash FROM bench_floor_events ORDER BY id DESC LIMIT 1").first()
        event_id, previous = (0, "0" * 64) if last is None else (int(last[0]), str(last[1]))
        cases, events = [], []
        for i in range(n):
            cid = start_id + i
            event_id += 1
            payload = {"source": "监督员上报", "category": "06010"}
            cases.append((cid, f"B{cid:012d}", "待受理", "监督员上报", "06010", f"基准上报 {i}", at,
                          "caiji01", "330824001001001", "芹阳办事处", "", "", "一般性", "KH-ZHZF",
                          _FLOOR_RULE, False, False, "受理", at, 30, due, 0, 0, 0, 0, 0, 0,
                          False, 1, at))
            doc = [1, event_id, cid, "report", None, "待受理", "caiji01", "监督员", "bench", None,
                   "受理", deadline, None, payload, instant, None]
            previous = hashlib.sha256(previous.encode("ascii") + json.dumps(
                doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
            ).hexdigest()
            events.append((event_id, cid, "report", "待受理", "caiji01", "监督员", "bench", "受理",
                           due, json.dumps(payload), at, previous))
        conn.exec_driver_sql(
            f"INSERT INTO bench_floor_cases ({', '.join(case_cols)}) VALUES ({', '.join([p] * len(case_cols))})",
            cases)
        conn.exec_driver_sql(
            f"INSERT INTO bench_floor_events ({', '.join(event_cols)}) "
            f"VALUES ({', '.join([p] * len(event_cols))})", events)


def bench_intake(app: App, scale: Scale) -> Result:
    """Reports per second through ``report_many`` in batches, and through raw inserts."""
    rng = random.Random(5)
    actor = app.centre.actor("caiji01", "bench")
    rates, floor, cpu = [], [], []
    rounds = max(3, scale.repeats // 2)
    per_round = max(BATCH, scale.intake // rounds)
    for _ in range(rounds):
        reports = _reports(app, per_round, rng)
        start, busy = perf_counter(), process_time()
        for i in range(0, len(reports), BATCH):
            report_many(app.uow_factory, app.centre, actor, NOW, reports[i:i + BATCH])
        rates.append(per_round / (perf_counter() - start))
        cpu.append(per_round / (process_time() - busy))
    ensure_shadows(app.engine)
    for _ in range(rounds):
        top = shadow_top(app.engine)
        start = perf_counter()
        for i in range(0, per_round, BATCH):
            _raw_intake(app.engine, min(BATCH, per_round - i), top + 1 + i)
        floor.append(per_round / (perf_counter() - start))
    target = "≥ 2,000 reports/s (SQLite), ratio ≤ 3"
    sqlite = app.engine.dialect.name == "sqlite"
    return Result("intake (report_many, batched)", "reports/s", rates, floor, target,
                  lambda cd, r: (cd["median"] >= 2000 or not sqlite) and r is not None and r <= 3,
                  higher=True, cpu=cpu,
                  note=f"{rounds} rounds of {per_round} reports, {BATCH} per call; "
                       "cpu: reports per CPU-second of this process")


_FLOOR_EVAL = """
SELECT unit, type, count(*), sum(CASE WHEN on_time THEN 1 ELSE 0 END), count(DISTINCT case_id)
FROM case_events
WHERE occurred_at >= {p} AND occurred_at < {p} AND unit IS NOT NULL
  AND type IN ('dispatch', 'designate', 'subdispatch', 'feedback', 'check-fail',
               'approve-extension', 'approve-return', 'close', 'approve-void')
GROUP BY unit, type
"""


def bench_evaluation(app: App, scale: Scale) -> Result:
    """Evaluate every unit for the last whole month, against one hand-written GROUP BY."""
    local = app.centre.local(NOW)
    # The last whole month when the history covers it, else the month so far.
    last = local.replace(day=1) - timedelta(days=1) if scale.days > 62 else local
    period = month_period(last.year, last.month)
    start, end = period.bounds(app.centre.tz)
    n = scale.repeats
    cpu: list[float] = []
    ours = timed(lambda: evaluate(app.uow_factory(), app.centre, period, "unit"), n, cpu)
    p = "?" if app.engine.dialect.name == "sqlite" else "%s"
    sql = _FLOOR_EVAL.format(p=p)
    args = (_stamp(app.engine, start), _stamp(app.engine, end))

    def floor() -> None:
        with app.engine.connect() as conn:
            conn.exec_driver_sql(sql, args).fetchall()

    return Result(f"month evaluation, all units ({period.label})", "ms", ours, timed(floor, n),
                  "≤ 2,000 ms, ratio ≤ 1.5",
                  lambda cd, r: cd["p95"] <= 2000 and r is not None and r <= 1.5, cpu=cpu)


def dispatch_floor(app: App, n: int) -> list[float]:
    """One dispatch in plain SQL: a versioned UPDATE and an event INSERT, one transaction."""
    ensure_shadows(app.engine)
    top = shadow_top(app.engine)
    rng = random.Random(9)
    _raw_intake(app.engine, n, top + 1)
    p = "?" if app.engine.dialect.name == "sqlite" else "%s"
    at = _stamp(app.engine, NOW)
    out = []
    for cid in range(top + 1, top + 1 + n):
        start = perf_counter()
        with app.engine.begin() as conn:
            conn.exec_driver_sql(
                f"UPDATE bench_floor_cases SET state = '待处置', unit = {p}, version = version + 1, "
                f"updated_at = {p} WHERE id = {p} AND version = {p}", ("kh-cgj", at, cid, 1))
            conn.exec_driver_sql(
                "INSERT INTO bench_floor_events (case_id, type, from_state, to_state, actor, role, "
                f"desk, unit, payload, occurred_at, hash) VALUES ({p}, 'dispatch', '待派遣', "
                f"'待处置', 'admin', '派遣员', 'bench', 'kh-cgj', '{{}}', {p}, {p})",
                (cid, at, f"{rng.getrandbits(256):064x}"))
        out.append((perf_counter() - start) * 1000)
    return out


def tick_floor(app: App, rows: int = 40, ticks: int = 30) -> list[float]:
    """CPU of recomputing the countdowns of one screenful of open cases (no Qt)."""
    from console.domain.deadlines import countdown
    from console.services.uow import CaseFilter

    with app.uow_factory() as uow:
        cases = uow.cases.list(CaseFilter(open_only=True, order="id", limit=rows))
    cal, yellow = app.centre.calendar, app.centre.ref.config.yellow_at
    out = []
    for i in range(ticks):
        now = NOW + timedelta(seconds=i)
        start = process_time()
        for case in cases:
            countdown(case, now, cal, yellow)
        out.append((process_time() - start) * 1000)
    return out
