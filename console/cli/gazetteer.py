"""``citydesk gazetteer import`` and ``citydesk geocode``: the centre's 门牌 / POI gazetteer.

``gazetteer import FILE`` reads a CSV or XLSX file (docs/gazetteer.md: the columns, the
datums, the quarantine reasons) and, like every import here, changes nothing unless told:
without ``--keep`` it is a dry run that reports what would land and what would be
quarantined.  It needs the database itself (through a server it is refused in one line).
``geocode TEXT`` searches the stored places as the desk's location field does — embedded, or
through the server's seam (``geocode`` of the desk protocol) when a server is configured.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from console.cli.common import EXIT_OK, emit
from console.cli.setup import open_app
from console.domain.gazetteer import DEFAULT_LIMIT
from console.domain.gazetteer_rows import CRS_CHOICES, parse_crs
from console.geocode_online import geocoder_from, with_online
from console.services.gazetteer import (
    MAX_LIMIT,
    GazetteerHit,
    GazetteerSearch,
    GazetteerUnitOfWork,
    import_places,
)

if TYPE_CHECKING:
    from console.app import App


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``gazetteer import`` and ``geocode``."""
    g = sub.add_parser("gazetteer", parents=[common], help="地名地址库（门牌 / POI）/ gazetteer")
    gsub = g.add_subparsers(dest="gazetteer_cmd", metavar="ACTION", required=True,
                            parser_class=type(g))
    i = gsub.add_parser("import", parents=[common],
                        help="导入门牌 / POI（CSV 或 XLSX；默认试运行）/ import places (dry run)")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--crs", choices=CRS_CHOICES, default="wgs84",
                   help="文件坐标的坐标系（默认 wgs84）/ the file's datum")
    i.add_argument("--sheet", metavar="NAME", help="XLSX 的工作表（默认第一张）/ XLSX sheet")
    i.add_argument("--keep", action="store_true",
                   help="写入数据库（不给时只检查、统计）/ store (otherwise a dry run)")
    i.set_defaults(handler=cmd_import)
    c = sub.add_parser("geocode", parents=[common],
                       help="按名称、地址或拼音首字母查找地点 / find a place by name or initials")
    c.add_argument("text", metavar="TEXT")
    c.add_argument("--limit", type=_limit, default=DEFAULT_LIMIT, metavar="N",
                   help=f"最多列出几个（1–{MAX_LIMIT}，默认 {DEFAULT_LIMIT}）/ at most N places")
    c.set_defaults(handler=cmd_geocode)


def _limit(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"应为 1–{MAX_LIMIT} 的整数 / expected 1–{MAX_LIMIT}")
    return number


def _factory(app: App) -> Callable[[], GazetteerUnitOfWork]:
    # db.uow.SqlUnitOfWork implements the gazetteer port too (db/uow.py proves it to mypy).
    return cast(Callable[[], GazetteerUnitOfWork], app.uow_factory)


def cmd_import(args: argparse.Namespace) -> int:
    """Read the file first (a bad file changes nothing), then sort its rows."""
    from console.intake.file_import import headed_rows

    crs = parse_crs(args.crs)
    path = Path(args.file)
    headers, body = headed_rows(path, args.sheet)
    app = open_app(args)
    try:
        actor = app.centre.actor(args.user or "admin", args.desk)
        result = import_places(_factory(app), app.centre, headers, body, crs, keep=args.keep,
                               source=path.name, actor=actor, now=app.clock())
    finally:
        app.close()
    data = {**result.as_dict(), "file": path.name, "crs": args.crs}

    def text() -> str:
        head = "" if args.keep else "（试运行，未写入；加 --keep 写入）/ dry run: nothing stored\n"
        lines = [f"{head}导入 {result.landed} 个地点，隔离 {len(result.quarantined)} 行"
                 f" / {result.landed} places landed, {len(result.quarantined)} rows quarantined"]
        lines += [f"第 {q.row} 行 {q.name}：{q.text}" for q in result.quarantined]
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_OK


def hits_text(hits: list[GazetteerHit]) -> str:
    """One line a place: name, address, position, cell, how it was found."""
    if not hits:
        return "没有找到地点 / no place found"
    return "\n".join(f"{h.name}\t{h.address}\t{h.lon:.6f},{h.lat:.6f}\t{h.cell or '-'}\t{h.match}"
                     for h in hits)


def hits_data(hits: list[GazetteerHit]) -> list[dict[str, Any]]:
    """The places as ``--json`` prints them."""
    return [{"id": h.id, "name": h.name, "address": h.address, "lon": h.lon, "lat": h.lat,
             "cell": h.cell, "match": h.match, "score": h.score} for h in hits]


def cmd_geocode(args: argparse.Namespace) -> int:
    """Search the embedded database's gazetteer."""
    app = open_app(args)
    try:
        search = GazetteerSearch(_factory(app))
        hits = with_online(search.search(app.centre, args.text, args.limit), args.text.strip(),
                           args.limit, search.finder(app.centre), geocoder_from())
    finally:
        app.close()
    emit(args, hits_data(hits), lambda: hits_text(hits))
    return EXIT_OK


def cmd_geocode_remote(args: argparse.Namespace, server: str) -> int:
    """Search through the server's seam (the saved session)."""
    from console.cli.remote import open_seat

    hits = open_seat(server).geocode(args.text, args.limit)
    emit(args, hits_data(hits), lambda: hits_text(hits))
    return EXIT_OK
