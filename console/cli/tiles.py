"""``citydesk tiles fetch``: an MBTiles file of a configured basemap, for offline desks.

The sources are centre.yaml's ``basemap:`` list (``--resources``, default Kaihua's folder);
天地图's key comes from the environment variable the source names.  See docs/map.md for the
terms of use: the key is per user, and fetching for offline use needs the centre's licence.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from console.cli.common import EXIT_OK
from console.domain.errors import ValidationError
from console.reference_files import DEFAULT_CENTRE, load_config
from console.tile_fetch import (
    DEFAULT_MAX_TILES,
    DEFAULT_RATE,
    FetchResult,
    fetch,
    open_output,
    parse_bbox,
    parse_zooms,
    plan,
)
from console.tile_sources import find_source, tile_source


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``tiles fetch``."""
    p = sub.add_parser("tiles", parents=[common], help="底图瓦片 / basemap tiles")
    tiles = p.add_subparsers(dest="tiles_cmd", metavar="ACTION", required=True,
                             parser_class=type(p))
    f = tiles.add_parser("fetch", parents=[common],
                         help="下载底图瓦片到 MBTiles 文件（可续传）/ fetch tiles into an MBTiles file")
    f.add_argument("--source", required=True, metavar="NAME",
                   help="centre.yaml 中 basemap 的名称 / a basemap name of centre.yaml")
    f.add_argument("--bbox", required=True, metavar="W,S,E,N", help="范围（经纬度）/ box in degrees")
    f.add_argument("--zoom", required=True, metavar="FROM-TO", help="层级，如 10-18 / levels")
    f.add_argument("--out", required=True, metavar="FILE.mbtiles", help="输出文件 / output file")
    f.add_argument("--rate", type=float, default=DEFAULT_RATE, metavar="N",
                   help=f"每秒最多请求数（默认 {DEFAULT_RATE:g}）/ requests per second at most")
    f.add_argument("--max-tiles", type=int, default=DEFAULT_MAX_TILES, metavar="N",
                   help=f"瓦片数上限（默认 {DEFAULT_MAX_TILES}）/ refuse more tiles than this")
    f.add_argument("--resources", metavar="DIR",
                   help=f"参考数据目录（默认 {DEFAULT_CENTRE.name}）/ the centre's folder")
    f.set_defaults(handler=cmd_fetch)


def cmd_fetch(args: argparse.Namespace) -> int:
    """Check everything, then fetch; nothing is written before the checks pass."""
    if not 0 < args.rate <= 50:
        raise ValidationError("--rate 须在 0–50 之间（每秒请求数）/ --rate: expected 0 < N ≤ 50")
    bbox = parse_bbox(args.bbox)
    zooms = parse_zooms(args.zoom)
    folder = Path(args.resources) if args.resources else DEFAULT_CENTRE
    config = load_config(folder / "centre.yaml")
    source = tile_source(find_source(config.basemap, args.source))
    job = plan(source, bbox, zooms, args.max_tiles)
    out = open_output(Path(args.out), source)
    bar = _Progress(job.total, sys.stderr)
    try:
        result = fetch(job, out, rate=args.rate, progress=bar.show)
    finally:
        bar.end()
        out.close()
    print(f"已写入 {args.out}：新下载 {result.fetched} 块，已有 {result.skipped} 块，"
          f"服务器无此瓦片 {result.missing} 块 / fetched {result.fetched}, "
          f"skipped {result.skipped}, missing {result.missing}")
    return EXIT_OK


class _Progress:
    """A one-line bar on a terminal (nothing when stderr is a pipe or a file)."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self._total = max(total, 1)
        self._stream = stream
        self._on = stream.isatty()
        self._last = -1

    def show(self, done: int, result: FetchResult) -> None:
        if not self._on:
            return
        percent = done * 100 // self._total
        if percent == self._last and done != self._total:
            return
        self._last = percent
        filled = percent * 30 // 100
        self._stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{self._total} "
                           f"新 {result.fetched} 已有 {result.skipped}")
        self._stream.flush()

    def end(self) -> None:
        if self._on and self._last >= 0:
            self._stream.write("\n")
