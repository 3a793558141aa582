"""``python -m benchmarks [--scale quick|county|megacity] [--days N] [--db URL] [--json OUT] [--reuse]``.

Generates (or, with ``--reuse``, keeps) the scale's history in the database, then runs every
benchmark: CityDesk and, in the same run, its floor (the same work in plain SQL through the
driver), with median and p95 over repeated runs, the ratio of medians and peak memory.

``python -m benchmarks --suite clustered [--rounds N] [--db URL] [--json OUT]`` runs the
clustered-intake suite alone (:mod:`benchmarks.bench_clustered`: 5,000 reports on one point
against 5,000 spread, through ``report_many`` and a 5 MB Open311 page); ``--suite all`` runs
it after the scale's benchmarks.

``python -m benchmarks --suite server [--scale S] [--days N] [--db URL] [--reuse] [--desks 50]
[--load-seconds 60] [--dispatches 200] [--loads 30]`` runs the through-the-server suite
(:mod:`benchmarks.bench_server`, issue #14) on the scale's history: a real ``citydesk server``
in front of a copy of it, dispatch, propagation and first load against the in-process seam,
then a load of simulated desks.

``python -m benchmarks --suite field [--scale S] [--days N] [--db URL] [--reuse]
[--collectors 500] [--rates …] [--batch-rates …] [--step-seconds 15] [--nominal-seconds 60]
[--results 40]`` runs the collectors-in-the-field suite (:mod:`benchmarks.bench_field`,
issue #15): simulated phones posting positions and polling their tasks through a real
``citydesk server``, rising to the sustained maximum, task results with two 3 MB photos, and
the map's collector layer.

``python -m benchmarks --suite wall [--scale S] [--days N] [--db URL] [--reuse]
[--wall-repeats 10] [--tile-delay 0.15] [--no-map]`` runs the wall-and-map suite (issue #16
parts 5 and 6) on the scale's history, read only (no working copy): the wall's refresh
(:mod:`benchmarks.bench_wall`: time, CPU, memory) and the desk map panned and zoomed over the
open queue's per-cell markers while basemap tiles load from a slow local server
(:mod:`benchmarks.bench_map_pan`: the GUI thread's time per frame).

``python -m benchmarks --suite video [--streams 9] [--seconds 30] [--json OUT]`` runs the video
suite (:mod:`benchmarks.bench_video`, issue #17): N 640×360 sub-streams from a loopback RTSP
server on one 1920×1080 window, the GUI thread's frame time, decode rates, memory per stream
and glass-to-glass latency.  It needs no database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from benchmarks.bench_services import bench_evaluation, bench_intake, dispatch_floor, tick_floor
from benchmarks.bench_video import add_arguments as add_video_arguments
from benchmarks.bench_video import run_suite as run_video
from benchmarks.database import prepare, working_copy
from benchmarks.measure import Result, peak_rss_mb
from benchmarks.scales import NOW, SCALES


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _probe(mode: str, url: str, repeats: int, office: str) -> dict[str, Any]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CITYDESK_BENCH_T0=repr(time.time()),
               CITYDESK_BENCH_OFFICE=office)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-m", "benchmarks.desk_probe", mode, url,
                           str(repeats)], capture_output=True, text=True, env=env, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"desk probe ({mode}) failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] if values else 0.0


def _desk_results(app: Any, url: str, repeats: int, sqlite: bool) -> list[Result]:
    office = app.centre.ref.config.coordination_office
    ours = _probe("citydesk", url, repeats, office)
    floor = _probe("floor", url, repeats, office)
    colds = [ours["cold_start_ms"][0]]
    colds_cpu = [ours["cold_start_cpu_ms"][0]]
    floor_colds = [floor["cold_start_ms"][0]]
    for _ in range(max(1, repeats // 3)):  # more cold starts: one process each
        cold = _probe("citydesk", url, 0, office)
        colds.append(cold["cold_start_ms"][0])
        colds_cpu.append(cold["cold_start_cpu_ms"][0])
        floor_colds.append(_probe("floor", url, 0, office)["cold_start_ms"][0])
    rows = ours["rows"]
    limit = 50 if sqlite else 100
    return [
        Result(f"open the desk's queues ({rows:,} cases over the panes; first pages read, "
               "models filled, painted)",
               "ms",
               ours["open_queue_ms"], floor["open_queue_ms"], "≤ 300 ms, ratio ≤ 3",
               lambda cd, r: cd["p95"] <= 300 and r is not None and r <= 3,
               cpu=ours["open_queue_cpu_ms"],
               note="floor: the queue panes' first pages and counts (all columns, the same "
                    "rows in the same order) as hand-written SQL over the index that serves "
                    f"each best; {ours['loaded']:,} rows loaded; scrolling a "
                    f"page further (fetchMore) takes {_median(ours['scroll_ms']):.0f} ms"),
        Result("one-click dispatch (run_command → committed and logged)", "ms",
               ours["dispatch_ms"], dispatch_floor(app, len(ours["dispatch_ms"])),
               f"p95 ≤ {limit} ms", lambda cd, _r: cd["p95"] <= limit,
               note="floor: versioned UPDATE + event INSERT in one transaction; with the "
                    "desk's own refresh after it (log poll, panes, map, charts) the median is "
                    f"{_median(ours['dispatch_refreshed_ms']):.0f} ms"),
        Result(f"1 Hz timer tick, CPU ({rows:,} cases in the queues)", "ms CPU",
               ours["tick_cpu_ms"], tick_floor(app), "≤ 2 ms CPU per tick",
               lambda cd, _r: cd["p95"] <= 2,
               note="the timers' callbacks: countdowns of the visible rows + the deadline heap; "
                    f"Qt's repaint after them costs {_median(ours['paint_cpu_ms']):.1f} ms CPU "
                    "more; floor: countdown() of one screenful (40 rows), no Qt"),
        Result(f"memory, RSS with the queues open ({rows:,} cases)", "MB", [ours["rss_mb"]],
               [floor["rss_mb"]], "≤ 400 MB", lambda cd, _r: cd["median"] <= 400,
               note="floor: Qt window + the first pages' rows as plain tuples"),
        Result("cold start to an interactive window", "ms", colds, floor_colds, "≤ 2,000 ms",
               lambda cd, _r: cd["median"] <= 2000, cpu=colds_cpu,
               note=f"process start → window shown; the first start's loads (queues, light counts, "
                    f"charts; on the worker in a real desk) done at "
                    f"{ours['cold_start_filled_ms']:.0f} ms; floor: import Qt + empty window"),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the suite; print a table; write JSON when asked."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="quick")
    parser.add_argument("--db", help="database URL (default: an SQLite file in the temp dir)")
    parser.add_argument("--json", dest="json_out", help="write the results here")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a database that already holds this scale")
    parser.add_argument("--days", type=int,
                        help="override the scale's history length, shorter or longer (county "
                             "with ten years: --days 3650); the report names it")
    parser.add_argument("--suite", choices=("scale", "clustered", "all", "server", "field",
                                            "wall", "video"),
                        default="scale",
                        help="the scale's benchmarks (default), the clustered-intake suite "
                             "alone, both, the through-the-server suite (issue #14), the "
                             "collectors-in-the-field suite (issue #15) or the wall refresh "
                             "and the map's pan/zoom (issue #16)")
    parser.add_argument("--desks", type=int, default=50,
                        help="simulated desks of the server suite's load (0: no load)")
    parser.add_argument("--load-seconds", type=float, default=60.0,
                        help="how long the server suite's load runs")
    parser.add_argument("--dispatches", type=int, default=200,
                        help="dispatches through the server (and as many in process)")
    parser.add_argument("--loads", type=int, default=30,
                        help="first loads through the server (and as many in process)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds of the clustered suite (each: four fresh databases)")
    parser.add_argument("--reports", type=int, default=5000,
                        help="reports per run of the clustered suite (5,000; fewer to try it)")
    _field_arguments(parser)
    _wall_arguments(parser)
    add_video_arguments(parser)
    args = parser.parse_args(argv)
    if args.suite == "video":
        return run_video(args)
    if args.suite == "clustered":
        return _clustered(args.db or "sqlite:////tmp/citydesk-bench-clustered.sqlite3",
                          args.rounds, args.reports, args.json_out)
    scale = SCALES[args.scale]
    if args.days:
        scale = replace(scale, days=args.days)
    url = args.db or f"sqlite:////tmp/citydesk-bench-{scale.name}.sqlite3"
    sqlite = make_url(url).get_backend_name() == "sqlite"
    data = prepare(url, scale, args.reuse, _say)
    if args.suite == "wall":  # reads only: on the generated data itself, no copy
        return _wall(url, scale, data, args)
    url = working_copy(url, _say)
    if args.suite in ("server", "field"):
        return _server(url, scale, data, args)
    from console.app import App

    app = App(url, clock=lambda: NOW)
    results: list[Result] = []
    try:
        _say("evaluation …")
        results.append(bench_evaluation(app, scale))
        _say("desk (separate processes) …")
        results += _desk_results(app, url, scale.desk_repeats or scale.repeats, sqlite)
        if not sqlite:
            from benchmarks.propagation import bench_propagation

            _say("propagation …")
            results.append(bench_propagation(app, url, scale.repeats))
        _say("intake …")  # last: its new reports would join the queues measured above
        results.append(bench_intake(app, scale))
    finally:
        app.close()
    report = {
        "scale": scale.name, "days": scale.days, "per_day": scale.per_day, "db": make_url(url).render_as_string(hide_password=True),
        "backend": "sqlite" if sqlite else "postgresql", "data": data,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "processor": platform.processor()},
        "runner_peak_rss_mb": round(peak_rss_mb(), 1),
        "results": [r.as_dict() for r in results],
    }
    print(table(report))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, ensure_ascii=False, indent=2))
    if args.suite == "all":
        name = f"{args.json_out}.clustered.json" if args.json_out else None
        return _clustered(_beside(url, "clustered"), args.rounds, args.reports, name)
    return 0


def _rates(text: str) -> list[float]:
    try:
        rates = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of rates: {text!r}") from None
    if not rates or any(r <= 0 for r in rates):
        raise argparse.ArgumentTypeError(f"rates must be positive: {text!r}")
    return rates


def _field_arguments(parser: argparse.ArgumentParser) -> None:
    """The field suite's options (issue #15)."""
    field = parser.add_argument_group("--suite field")
    field.add_argument("--collectors", type=int, default=500,
                       help="simulated collectors' phones")
    field.add_argument("--rates", type=_rates,
                       default=_rates("100,200,300,400,500,600,800,1000,1300,1600"),
                       help="positions a second of the ramp's steps, batches of 1")
    field.add_argument("--batch-rates", type=_rates,
                       default=_rates("500,600,700,800,1000,1300,1600,2000,3000"),
                       help="positions a second of the ramp's steps, batches of 10")
    field.add_argument("--step-seconds", type=float, default=15.0,
                       help="how long each step of the ramps runs")
    field.add_argument("--nominal-seconds", type=float, default=60.0,
                       help="how long the nominal load runs (each phone every 10 s)")
    field.add_argument("--poll-seconds", type=float, default=30.0,
                       help="each phone's interval between task polls (0: none, to measure "
                            "the positions alone)")
    field.add_argument("--results", type=int, default=40,
                       help="task results with photos on the idle server (as many under load)")
    field.add_argument("--server-workers", type=int, default=1, metavar="N",
                       help="the server's --workers: processes sharing its port (PostgreSQL)")
    field.add_argument("--map-repeats", type=int, default=30,
                       help="refreshes of the map's collector layer")


def _wall_arguments(parser: argparse.ArgumentParser) -> None:
    """The wall suite's options (issue #16 parts 5 and 6)."""
    wall = parser.add_argument_group("--suite wall")
    wall.add_argument("--wall-repeats", type=int, default=10, help="wall refreshes timed")
    wall.add_argument("--tile-delay", type=float, default=0.15,
                      help="seconds the slow tile server waits before each tile")
    wall.add_argument("--no-map", action="store_true",
                      help="the wall refresh only, not the map's pan and zoom")


def _wall(url: str, scale: Any, data: dict[str, Any], args: argparse.Namespace) -> int:
    """The wall suite on ``url`` (read only); print and save its table."""
    from benchmarks.bench_wall import bench_wall
    from console.app import App

    load_before = os.getloadavg()
    app = App(url, clock=lambda: NOW)
    try:
        results, extras = bench_wall(app, args.wall_repeats, _say)
        if not args.no_map:
            from benchmarks.bench_map_pan import bench_map_pan

            more, map_extras = bench_map_pan(app, _say, args.tile_delay)
            results += more
            extras.update(map_extras)
    finally:
        app.close()
    report = _suite_report("wall", url, scale, data, load_before, results)
    report["wall"] = extras
    _save(report, args.json_out)
    return 0


def _suite_report(suite: str, url: str, scale: Any, data: dict[str, Any],
                  load_before: tuple[float, float, float], results: list[Result],
                  ) -> dict[str, Any]:
    """The JSON report of a suite run on one database (the server, field and wall suites)."""
    return {
        "suite": suite, "scale": scale.name, "days": scale.days, "per_day": scale.per_day,
        "db": make_url(url).render_as_string(hide_password=True),
        "backend": "sqlite" if make_url(url).get_backend_name() == "sqlite" else "postgresql",
        "data": data, "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "processor": platform.processor(),
                    "loadavg_before": [round(v, 2) for v in load_before],
                    "loadavg_after": [round(v, 2) for v in os.getloadavg()]},
        "runner_peak_rss_mb": round(peak_rss_mb(), 1),
        "results": [r.as_dict() for r in results],
    }


def _save(report: dict[str, Any], json_out: str | None) -> None:
    """Print a report's table; write its JSON when asked."""
    print(table(report))
    if json_out:
        Path(json_out).write_text(json.dumps(report, ensure_ascii=False, indent=2))


def _server(url: str, scale: Any, data: dict[str, Any], args: argparse.Namespace) -> int:
    """The through-the-server or the field suite on ``url`` (a working copy); print and save
    its table."""
    from console.app import App

    app = App(url)
    try:
        key_file = app.chain_key_path
        app.chain_keys()  # refuses a missing or unsafe key file here, before a server starts
    finally:
        app.close()
    load_before = os.getloadavg()
    if args.suite == "field":
        from benchmarks.bench_field import run as run_field

        results, extras = run_field(url, key_file, _say, args)
    else:
        from benchmarks.bench_server import run

        results, extras = run(url, key_file, _say, args.dispatches, args.loads, args.desks,
                              args.load_seconds)
    report = _suite_report(args.suite, url, scale, data, load_before, results)
    report["floor_label"] = "in process" if args.suite == "server" else "floor"
    report["server"] = extras
    _save(report, args.json_out)
    return 0


def _beside(url: str, suffix: str) -> str:
    """A database URL next to ``url`` (same server or directory), named with ``suffix``."""
    sa = make_url(url)
    base = str(sa.database or "")
    if sa.get_backend_name() == "sqlite":
        path = Path(base)
        return sa.set(database=str(path.with_name(f"{path.stem}-{suffix}{path.suffix}"))
                      ).render_as_string(hide_password=False)
    return sa.set(database=f"{base}_{suffix}").render_as_string(hide_password=False)


def _clustered(url: str, rounds: int, reports: int, json_out: str | None) -> int:
    """Run the clustered-intake suite on ``url`` (recreated); print and save its table."""
    from benchmarks.bench_clustered import bench_clustered

    results, data = bench_clustered(url, rounds, _say, reports)
    sqlite = make_url(url).get_backend_name() == "sqlite"
    report = {
        "suite": "clustered", "scale": "clustered", "db": make_url(url).render_as_string(hide_password=True),
        "backend": "sqlite" if sqlite else "postgresql", "data": data,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "processor": platform.processor()},
        "runner_peak_rss_mb": round(peak_rss_mb(), 1),
        "results": [r.as_dict() for r in results],
    }
    print(table(report))
    if json_out:
        Path(json_out).write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _fmt(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}" if abs(v) < 10 else f"{v:,.1f}"


def table(report: dict[str, Any]) -> str:
    """A Markdown table of a report's results."""
    size = (f" ({report['per_day']:g} reports/day, {report['days']} days)"
            if "per_day" in report else "")
    data = report["data"]
    if report.get("suite") == "clustered":
        head = (f"clustered intake on {report['backend']} — {data['reports']:,} reports per run, "
                f"a {data['page_bytes'] / 1e6:.1f} MB page, {data['rounds']} rounds "
                "(floor: the same work spread)")
    else:
        head = (f"scale {report['scale']}{size} on {report['backend']} — "
                f"{data['cases']:,} cases, {data['events']:,} events")
    if report.get("suite") == "server":
        head = f"through the server: {head}"
    elif report.get("suite") == "field":
        head = f"collectors in the field, through the server: {head}"
    elif report.get("suite") == "wall":
        head = f"the wall's refresh and the map's pan/zoom: {head}"
    label = report.get("floor_label", "floor")
    lines = [head,
             "", f"| benchmark | CityDesk median / p95 | {label} median / p95 | ratio | target "
                 "| met? |",
             "|---|---|---|---|---|---|"]
    for r in report["results"]:
        cd, fl = r["citydesk"], r["floor"]
        floor = "–" if fl is None else f"{_fmt(fl['median'])} / {_fmt(fl['p95'])}"
        met = {True: "yes", False: "**no**", None: "–"}[r["met"]]
        busy = r.get("citydesk_cpu_ms")
        cpu = "" if not busy else f" (CPU: {_fmt(busy['median'])})"
        lines.append(f"| {r['name']} | {_fmt(cd['median'])} / {_fmt(cd['p95'])} {r['unit']}{cpu} | "
                     f"{floor} | {_fmt(r['ratio'])} | {r['target']} | {met} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
