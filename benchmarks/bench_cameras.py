"""The camera registry benchmark (issue #17): a county's cameras, 「附近视频」 per case, a frame.

``python -m benchmarks.bench_cameras [--cameras 5000] [--db URL] [--json OUT]``

The cameras are GENERATED (seeded): each at a random point inside a random cell of Kaihua's
grid, half with a GB/T 28181 code, half with a local one — not a real police registry.  The
benchmark

1. imports them through ``import_cameras`` (the path of ``citydesk camera import``) into a
   fresh database with Kaihua's reference data (an SQLite file unless ``--db``);
2. reports 100 cases at random places and times ``cameras_near_case`` (the desk's
   「附近视频」: the case, the box and cell reads, the ranking) for each at 300 m: median, p95,
   max, and the cameras listed;
3. grabs one frame of a 640×360 H.264 stream from the tests' loopback RTSP server
   (``grab_frame``: connect, DESCRIBE/SETUP/PLAY, first key frame, JPEG) five times.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console.domain.calendar import statutory_days
from console.domain.cases import Actor, Role
from console.domain.coords import Crs
from console.domain.geo import ring_bbox
from console.reference_files import load_centre_files
from console.services.cameras import cameras_near_case, import_cameras
from console.services.cases import Report, report_case
from console.services.centre import load_centre
from console.services.setup import init_reference
from db.engine import make_engine
from db.schema import upgrade
from db.uow import make_uow_factory

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
ADMIN = Actor("admin", Role.ADMIN)
ACCEPTOR = Actor("shouli1", Role.ACCEPTOR)


def _point(rng: random.Random, ring: Any) -> tuple[float, float]:
    x0, x1, y0, y1 = ring_bbox(ring)
    return rng.uniform(x0, x1), rng.uniform(y0, y1)


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"median": round(statistics.median(ordered) * 1000, 2),
            "p95": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
            "max": round(ordered[-1] * 1000, 2)}


def run(url: str, count: int, seed: int = 17) -> dict[str, Any]:
    """Import ``count`` cameras into ``url``, time 「附近视频」 for 100 cases and a snapshot."""
    engine = make_engine(url)
    upgrade(engine)
    factory = make_uow_factory(engine)
    init_reference(factory(), load_centre_files(), statutory_days([2026]))
    centre = load_centre(factory())
    rng = random.Random(seed)
    cells = sorted(centre.ref.grids.values(), key=lambda c: c.code)
    rows = []
    for n in range(count):
        cell = rng.choice(cells)
        lon, lat = _point(rng, cell.polygon)
        code = f"3308240000132{n:07d}" if n % 2 else f"cam-{n:06d}"
        rows.append((n + 2, [code, f"摄像机{n}", f"组{n % 40}", lon, lat, f"rtsp://10.{n // 65536}."
                             f"{n // 256 % 256}.{n % 256}/h264/main"]))
    start = time.perf_counter()
    result = import_cameras(factory, centre, ["编码", "名称", "分组", "经度", "纬度", "主码流"], rows,
                            Crs.WGS84, dry_run=False, actor=ADMIN, now=NOW)
    imported = time.perf_counter() - start
    if not result.kept:
        raise SystemExit(f"import refused: {result.problems[:3]}")
    case_ids = []
    for _ in range(100):
        cell = rng.choice(cells)
        lon, lat = _point(rng, cell.polygon)
        report = Report("06010", "基准测试", source="公众举报", grid=cell.code, lon=lon, lat=lat)
        case_ids.append(report_case(factory, centre, ACCEPTOR, NOW, report).case.id)
    times, listed = [], []
    for case_id in case_ids:
        start = time.perf_counter()
        near = cameras_near_case(factory, centre, ACCEPTOR, case_id or 0, 300.0)
        times.append(time.perf_counter() - start)
        listed.append(len(near))
    engine.dispose()
    return {"cameras": count, "import_s": round(imported, 2), "near_ms": _ms(times),
            "near_listed": {"median": statistics.median(listed), "max": max(listed)},
            "snapshot_ms": _snapshots()}


def _snapshots() -> dict[str, float]:
    from console.video.snapshot import grab_frame
    from tests.rtsp_server import RtspServer, make_clip

    with tempfile.TemporaryDirectory() as folder:
        clip = make_clip(Path(folder) / "c.h264", "h264", frames=30)
        with RtspServer(clip) as server:
            times = []
            for _ in range(5):
                start = time.perf_counter()
                grab_frame(server.url, 10.0)
                times.append(time.perf_counter() - start)
    return _ms(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_cameras")
    parser.add_argument("--cameras", type=int, default=5000)
    parser.add_argument("--db", metavar="URL", help="an empty database (default: a temp SQLite)")
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'cameras.sqlite3'}"
        figures = run(url, args.cameras)
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
