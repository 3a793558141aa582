"""The gazetteer benchmark (issue #16 part 3): 100 000 generated places, search per keystroke.

``python -m benchmarks.bench_gazetteer [--places 100000] [--db URL] [--json OUT]``

The places are GENERATED (seeded): shop and institution names from a few hundred made-up
words and branch numbers, addresses on made-up roads of Kaihua's towns, each point inside a
random cell of Kaihua's grid — not a real 门牌 survey.  The benchmark

1. imports them through ``import_places`` (the same path as ``citydesk gazetteer import
   --keep``) into a fresh database with Kaihua's reference data (SQLite file by default);
2. opens a seat (``LocalDeskBackend``) and times its first ``geocode`` (the index is read and
   built) and then every keystroke of typed queries — each prefix of a partial name, of
   pinyin initials, of a name with its road, and of a name with a wrong character — as the
   desk's location field would ask them: median, p95 and max per keystroke, which include
   the newest-id query and each hit's cell.
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

from console.desk_local import LocalDeskBackend
from console.domain.calendar import statutory_days
from console.domain.coords import Crs
from console.domain.geo import ring_bbox
from console.reference_files import load_centre_files
from console.services.centre import load_centre
from console.services.gazetteer import import_places
from console.services.setup import init_reference
from db.engine import make_engine
from db.schema import upgrade
from db.uow import make_uow_factory

_BRANDS = ["新华", "惠民", "钱源", "根博", "阳光", "金色", "绿源", "华联", "联华", "永辉", "百姓", "同心",
           "平安", "和谐", "东方", "红星", "天成", "万家", "好又多", "如意", "吉祥", "兴旺", "富康", "安居"]
_KINDS = ["超市", "药店", "小学", "幼儿园", "银行", "加油站", "酒店", "饭店", "五金店", "菜市场", "社区服务中心",
          "卫生院", "派出所", "邮政所", "书店", "理发店", "修车铺", "茶楼", "宾馆", "诊所"]
_TOWNS = ["芹阳办事处", "华埠镇", "马金镇", "池淮镇", "桐村镇", "杨林镇", "苏庄镇", "齐溪镇", "音坑乡", "林山乡"]
_ROADS = ["解放", "人民", "建设", "中山", "芹江", "凤凰", "钱江", "城南", "城北", "江滨", "文化", "新华",
          "朝阳", "东升", "西湖", "振兴", "园林", "和平", "光明", "幸福"]
_WAYS = ["路", "街", "大道", "巷", "弄"]

#: Typed queries (each keystroke of each is a search): a partial name, initials, a name and
#: its road, a road and number, a wrong character.
QUERIES = ["新华超市", "阳光药店", "xhcs", "hmyd", "tcjyz", "新华超市解放路", "解放路12", "人民路3",
           "好又多超市", "联华超是", "平安卫生院", "钱源小学", "ysxx", "芹江街", "万家饭店", "东方书店"]


def generate(count: int, seed: int = 16) -> list[tuple[int, list[Any]]]:
    """``count`` generated rows (名称, 地址, 经度, 纬度) with distinct name and address."""
    rng = random.Random(seed)
    cells = [ring_bbox(c.polygon) for c in load_centre_files().grids.values()]
    rows: list[tuple[int, list[Any]]] = []
    seen: set[tuple[str, str]] = set()
    while len(rows) < count:
        name = rng.choice(_BRANDS) + rng.choice(_KINDS)
        if rng.random() < 0.5:
            name += f"{rng.randint(1, 300)}号店" if rng.random() < 0.5 else "分店"
        address = (f"{rng.choice(_TOWNS)}{rng.choice(_ROADS)}{rng.choice(_WAYS)}"
                   f"{rng.randint(1, 500)}号")
        if (name, address) in seen:
            continue
        seen.add((name, address))
        x0, x1, y0, y1 = rng.choice(cells)
        lon = x0 + (x1 - x0) * rng.uniform(0.1, 0.9)
        lat = y0 + (y1 - y0) * rng.uniform(0.1, 0.9)
        rows.append((len(rows) + 2, [name, address, round(lon, 6), round(lat, 6)]))
    return rows


def _ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {"n": len(ordered), "median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(p95 * 1000, 2), "max_ms": round(ordered[-1] * 1000, 2)}


def run(places: int, url: str) -> dict[str, Any]:
    """Import, then time the searches; the figures as a dict."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        factory = make_uow_factory(engine)
        now = datetime.now(UTC)
        init_reference(factory(), load_centre_files(), statutory_days([now.year]))
        centre = load_centre(factory())
        rows = generate(places)
        t0 = time.perf_counter()
        result = import_places(factory, centre, ["名称", "地址", "经度", "纬度"], rows,
                               Crs.WGS84, keep=True, source="generated.csv",
                               actor=centre.actor("admin"), now=now)
        imported = time.perf_counter() - t0
        seat = LocalDeskBackend(factory, centre, lambda: now, centre.actor("shouli1"))
        t0 = time.perf_counter()
        seat.geocode("新华", 8)
        first = time.perf_counter() - t0
        times: list[float] = []
        kinds: dict[str, list[float]] = {}
        for query in QUERIES:
            for n in range(1, len(query) + 1):
                t0 = time.perf_counter()
                hits = seat.geocode(query[:n], 8)
                spent = time.perf_counter() - t0
                times.append(spent)
                kinds.setdefault(hits[0].match if hits else "none", []).append(spent)
        return {"places": result.landed, "quarantined": len(result.quarantined),
                "backend": engine.dialect.name, "import_s": round(imported, 2),
                "first_search_s": round(first, 3), "keystrokes": _ms(times),
                "by_tier": {k: _ms(v) for k, v in sorted(kinds.items())}}
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Run once and print the figures (JSON to ``--json`` too)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_gazetteer")
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--db", metavar="URL", help="an EMPTY database (default: a temp SQLite)")
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="citydesk-gazetteer-") as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'gazetteer.sqlite3'}"
        figures = run(args.places, url)
    text = json.dumps(figures, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
