"""Clustered intake (issue #13 part 6): 5,000 reports on one point against 5,000 spread ones.

Real exports cluster: a fifth of a city's 311 export sat on one default coordinate, and the
duplicate check then read thousands of open cases per report.  Each round runs, on a fresh
copy of a database holding only the reference data:

* ``report_many``: 5,000 reports in batches of 500, once all on one point, once spread over
  the county's cells;
* the Open311 channel: a local HTTP server (``tests/open311_server.py``) serves one
  GeoReport v2 page of 5,000 requests (≈ 5 MB of JSON, about 1 KB a request as real servers
  send them); :func:`console.intake.open311_channel.poll` fetches, parses and takes every
  request in — each one through ``report_case``, duplicate hints included — once with every
  request on one point, once spread.

The "floor" of each pair is the spread run: the ratio clustered / spread says what the
cluster costs (target ≤ 1.3); the page's own time has a target of its own (≤ 60 s).
"""

from __future__ import annotations

import json
import random
import shutil
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from time import perf_counter, process_time
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.measure import Result
from benchmarks.scales import NOW
from console.app import App
from console.cli.gui import ensure_ready
from console.cli.intake import intake_factory
from console.intake.open311_channel import Open311Settings, poll
from console.intake.open311_client import Open311Endpoint
from console.services.cases import Report, report_many
from console.services.centre import Centre
from console.services.intake import IntakeContext
from console.services.intake_problems import set_mapping

N = 5_000
BATCH = 500  # reports per report_many call, as bench_services
CHANNEL = "open311:bench"
CATEGORY = "06010"  # 暴露垃圾: the most common category of the demo mix
SERVICE = "SAN-GARB"
#: The text of a real request is long: the page is ≈ 5 MB with 5,000 requests.
_FILLER = ("市民反映：该处路边垃圾堆放已有数日，塑料袋和纸箱散落在人行道上，气味较大，"
           "影响行人通行和周边商户经营，请尽快安排清运，并在附近增设垃圾桶。")


def points(centre: Centre, n: int, rng: random.Random) -> tuple[list[tuple[float, float]],
                                                                 list[tuple[float, float]]]:
    """``n`` times one point (a cell's centre: the default coordinate), and ``n`` points
    spread over the county's cells (within 30 m of a cell's centre, inside the cell)."""
    cells = sorted(centre.ref.grids.values(), key=lambda c: c.code)
    home = cells[0].centroid
    spread = []
    for _ in range(n):
        lon, lat = rng.choice(cells).centroid
        spread.append((lon + rng.uniform(-3e-4, 3e-4), lat + rng.uniform(-2.5e-4, 2.5e-4)))
    return [home] * n, spread


def georeport_page(where: list[tuple[float, float]], rng: random.Random) -> bytes:
    """One GeoReport v2 JSON page: a request per point, reported over the last 7 hours."""
    start = NOW - timedelta(hours=7)
    items = []
    for i, (lon, lat) in enumerate(where):
        at = (start + timedelta(seconds=5 * i)).isoformat()
        items.append({
            "service_request_id": f"{2026112500000 + i}",
            "status": "open",
            "status_notes": None,
            "service_name": "暴露垃圾 Sanitation: garbage",
            "service_code": SERVICE,
            "description": f"#{i} {_FILLER * rng.randint(1, 3)}",
            "agency_responsible": "开化县综合行政执法局",
            "service_notice": "处理时限：2 个工作小时",
            "requested_datetime": at,
            "updated_datetime": at,
            "expected_datetime": None,
            "address": f"芹阳办事处 芹北路 {rng.randint(1, 400)} 号附近",
            "address_id": f"KH-ADDR-{rng.randint(10_000, 99_999)}",
            "zipcode": "324300",
            "lat": round(lat, 7),
            "long": round(lon, 7),
            "media_url": f"https://311.example.org/media/{2026112500000 + i}.jpg",
        })
    return json.dumps(items, ensure_ascii=False).encode()


class Databases:
    """A template database with the reference data, and fresh copies of it for each run."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = make_url(url).get_backend_name() == "sqlite"
        self.runs = 0
        self._drop(url)
        app = App(url, clock=lambda: NOW)
        try:
            ensure_ready(app)
            self.centre = app.centre
        finally:
            app.close()

    def _drop(self, url: str) -> None:
        sa = make_url(url)
        if self.sqlite:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sa.database}{suffix}").unlink(missing_ok=True)
            return
        admin = create_engine(sa.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{sa.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{sa.database}"'))
        admin.dispose()

    @contextmanager
    def fresh(self) -> Iterator[App]:
        """An app on a new copy of the template (dropped afterwards)."""
        self.runs += 1
        sa = make_url(self.url)
        if self.sqlite:
            source = Path(sa.database or "")
            target = source.with_name(f"{source.stem}-run{self.runs}{source.suffix}")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(source, target)
            url = sa.set(database=str(target)).render_as_string(hide_password=False)
        else:
            name = f"{sa.database}_run{self.runs}"
            admin = create_engine(sa.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{sa.database}"'))
            admin.dispose()
            url = sa.set(database=name).render_as_string(hide_password=False)
        app = App(url, clock=lambda: NOW)
        try:
            yield app
        finally:
            app.close()
            if self.sqlite:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{make_url(url).database}{suffix}").unlink(missing_ok=True)
            else:
                admin = create_engine(sa.set(database="postgres"), isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" '
                                      "WITH (FORCE)"))
                admin.dispose()


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    start, busy = perf_counter(), process_time()
    out = fn()
    return perf_counter() - start, process_time() - busy, out


def run_report_many(app: App, where: list[tuple[float, float]]) -> tuple[float, float]:
    """Seconds (wall, CPU) to take ``where``'s reports in through ``report_many``."""
    actor = app.centre.actor("caiji01", "bench")
    start = NOW - timedelta(hours=7)
    reports = [Report(CATEGORY, f"聚集上报 {i}", lon=lon, lat=lat,
                      reported_at=start + timedelta(seconds=5 * i))
               for i, (lon, lat) in enumerate(where)]

    def go() -> int:
        made = 0
        for i in range(0, len(reports), BATCH):
            made += len(report_many(app.uow_factory, app.centre, actor, NOW,
                                    reports[i:i + BATCH]))
        return made

    wall, cpu, made = _timed(go)
    if made != len(where):
        raise RuntimeError(f"report_many made {made} of {len(where)} cases")
    return wall, cpu


def run_open311(app: App, body: bytes, n: int) -> tuple[float, float]:
    """Seconds (wall, CPU) for one poll of a channel whose server answers ``body``."""
    from tests.open311_server import Answer, Open311Server

    server = Open311Server()
    server.route("GET", "/v2/requests.json", Answer(body))
    server.start()
    try:
        ctx = IntakeContext(intake_factory(app, True), app.centre,
                            app.centre.actor("admin", "bench"), app.clock)
        set_mapping(ctx.uow_factory, app.centre, ctx.actor, NOW, CHANNEL, SERVICE, CATEGORY)
        settings = Open311Settings(CHANNEL, Open311Endpoint(
            f"{server.url}/v2", fmt="json", timeout=120.0, page_size=n, max_pages=1))
        wall, cpu, counts = _timed(lambda: poll(ctx, settings))
    finally:
        server.stop()
    if counts.created != n:
        raise RuntimeError(f"the Open311 page made {counts.as_dict()}, not {n} cases")
    return wall, cpu


def bench_clustered(url: str, rounds: int, say: Callable[[str], None], n: int = N
                    ) -> tuple[list[Result], dict[str, Any]]:
    """Each round: report_many and the Open311 page, clustered then spread, on fresh copies.

    ``n`` reports per run (5,000; fewer only to try the suite out).
    """
    say("reference data …")
    dbs = Databases(url)
    clustered, spread = points(dbs.centre, n, random.Random(6))
    pages = {"clustered": georeport_page(clustered, random.Random(1)),
             "spread": georeport_page(spread, random.Random(1))}
    where = {"clustered": clustered, "spread": spread}
    times: dict[str, dict[str, list[float]]] = {
        kind: {"many": [], "many_cpu": [], "page": [], "page_cpu": []}
        for kind in ("clustered", "spread")}
    for turn in range(1, rounds + 1):
        for kind in ("clustered", "spread"):
            say(f"round {turn}/{rounds}: report_many, {kind} …")
            with dbs.fresh() as app:
                wall, cpu = run_report_many(app, where[kind])
            times[kind]["many"].append(wall)
            times[kind]["many_cpu"].append(cpu)
            say(f"round {turn}/{rounds}: Open311 page, {kind} …")
            with dbs.fresh() as app:
                wall, cpu = run_open311(app, pages[kind], n)
            times[kind]["page"].append(wall)
            times[kind]["page_cpu"].append(cpu)
            say(f"  {wall:.1f} s")
    mb = len(pages["clustered"]) / 1e6
    c, s = times["clustered"], times["spread"]

    def ratio_ok(_cd: dict[str, float], r: float | None) -> bool:
        return r is not None and r <= 1.3

    results = [
        Result(f"report_many: {n:,} reports on one point (floor: {n:,} spread)", "s",
               c["many"], s["many"], "ratio ≤ 1.3", ratio_ok, cpu=c["many_cpu"],
               note=f"batches of {BATCH}; the spread run took {_median(s['many']):.2f} s "
                    f"(CPU {_median(s['many_cpu']):.2f} s); fresh database each run"),
        Result(f"Open311 channel: a {mb:.1f} MB GeoReport v2 page, {n:,} requests on one point "
               "(floor: the same page spread)", "s",
               c["page"], s["page"], "ratio ≤ 1.3", ratio_ok, cpu=c["page_cpu"],
               note="poll(): fetch over HTTP from 127.0.0.1, parse, take each request in "
                    "(report_case with duplicate hints, link, commit); the spread page took "
                    f"{_median(s['page']):.1f} s (CPU {_median(s['page_cpu']):.1f} s)"),
        Result(f"the {mb:.1f} MB page through the channel, slower of clustered and spread", "s",
               [max(a, b) for a, b in zip(c["page"], s["page"], strict=True)], None, "≤ 60 s",
               lambda cd, _r: cd["p95"] <= 60,
               note=f"{n:,} cases created per run, every run checked"),
    ]
    data = {"reports": n, "page_bytes": len(pages["clustered"]), "rounds": rounds,
            "point": list(clustered[0]), "samples_s": times}
    return results, data


def _median(values: list[float]) -> float:
    # as the tables' medians (benchmarks.measure.summary): two samples give their mean
    return statistics.median(values) if values else 0.0
