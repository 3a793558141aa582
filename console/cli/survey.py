"""``citydesk grid import`` and ``citydesk components import``: the centre's own survey.

Both read the file whole and check it before the database is touched; a refused grid prints
one line per problem (exit 2) and writes nothing.  ``--dry-run`` prints the same report and
writes nothing.  Formats, fields and checks: docs/map.md (the centre's own grid).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from console.cli.common import EXIT_INPUT, EXIT_OK, emit
from console.cli.setup import open_app
from console.domain.category_search import search_key
from console.domain.component_rows import Position, position_columns
from console.domain.errors import ValidationError
from console.domain.grid_checks import GridProblem
from console.domain.reference import GridCell
from console.geo_crs import CRS_HELP, SourceCrs, crs_of_wkt, parse_source_crs
from console.geo_read import SourceFile, read_features
from console.services.survey import (
    MAX_MOVED_LISTED,
    GridImport,
    GridRefusedError,
    SurveyUnitOfWork,
    import_components,
    import_grid,
)

if TYPE_CHECKING:
    from console.app import App

#: Headings tried for each grid field when the command does not name one.
GRID_FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("code", "网格编码", "单元网格编码", "bgid", "grid_code", "cell_code", "编码"),
    "name": ("name", "网格名称", "单元网格名称", "bgname", "名称"),
    "street_code": ("street_code", "街道代码", "szjddm"),
    "street": ("street", "街道", "街道名称", "szjdmc"),
    "community_code": ("community_code", "社区代码", "szsqdm"),
    "community": ("community", "社区", "社区名称", "szsqmc"),
    "street_en": ("street_en",),
    "community_en": ("community_en",),
}


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``grid import`` and ``components import``."""
    g = sub.add_parser("grid", parents=[common], help="单元网格 / the centre's grid")
    gsub = g.add_subparsers(dest="grid_cmd", metavar="ACTION", required=True,
                            parser_class=type(g))
    i = gsub.add_parser("import", parents=[common],
                        help="导入本中心的单元网格（GeoJSON、Shapefile、GeoPackage）/ import the grid")
    i.add_argument("file", metavar="FILE")
    _crs_option(i)
    i.add_argument("--code-field", metavar="F", help="网格编码所在字段 / the code's field")
    i.add_argument("--name-field", metavar="F", help="网格名称所在字段 / the name's field")
    i.add_argument("--layer", metavar="NAME", help="GeoPackage 的图层 / GeoPackage layer")
    i.add_argument("--dry-run", action="store_true",
                   help="只检查并报告，不写入 / check and report, store nothing")
    i.set_defaults(handler=cmd_grid_import)
    c = sub.add_parser("components", parents=[common], help="部件普查 / component inventory")
    csub = c.add_subparsers(dest="components_cmd", metavar="ACTION", required=True,
                            parser_class=type(c))
    ci = csub.add_parser("import", parents=[common],
                         help="导入部件普查（CSV、XLSX、Shapefile、GeoPackage）/ import components")
    ci.add_argument("file", metavar="FILE")
    _crs_option(ci)
    ci.add_argument("--layer", "--sheet", dest="layer", metavar="NAME",
                    help="XLSX 工作表或 GeoPackage 图层 / sheet or layer")
    ci.add_argument("--dry-run", action="store_true",
                    help="只检查并报告，不写入 / check and report, store nothing")
    ci.set_defaults(handler=cmd_components_import)


def _crs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--crs", metavar="CRS",
                        help=f"文件坐标系：{CRS_HELP}（默认：文件声明的，否则 wgs84）/ the file's "
                        "coordinate system")


def _crs(args: argparse.Namespace, source: SourceFile) -> SourceCrs:
    if args.crs:
        return parse_source_crs(args.crs)
    return crs_of_wkt(source.declared_crs) or parse_source_crs("wgs84")


def _factory(app: App) -> Callable[[], SurveyUnitOfWork]:
    # db.uow.SqlUnitOfWork implements the survey port too (db/uow.py proves it to mypy).
    return cast(Callable[[], SurveyUnitOfWork], app.uow_factory)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a 15-digit code read as a number
    return "" if value is None else " ".join(str(value).split())


def _field(props: Mapping[str, Any], names: tuple[str, ...]) -> str:
    keys = {search_key(str(k)): k for k in props}
    for name in names:
        key = keys.get(search_key(name))
        if key is not None:
            return _text(props[key])
    return ""


def _ring(geometry: Mapping[str, Any] | None, crs: SourceCrs
          ) -> tuple[tuple[tuple[float, float], ...] | None, str]:
    """The outer ring in WGS-84, or the problem (Chinese / English) that keeps it out."""
    if geometry is None:
        return None, "没有几何图形 / no geometry"
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "MultiPolygon" and isinstance(coords, list | tuple) and len(coords) == 1:
        kind, coords = "Polygon", coords[0]
    if kind == "MultiPolygon":
        return None, "多部分多边形：一个网格应为一个多边形 / a cell must be one polygon"
    if kind != "Polygon" or not isinstance(coords, list | tuple) or not coords:
        return None, f"几何类型应为 Polygon，实为 {str(kind)[:20]} / not a polygon"
    if len(coords) > 1:
        return None, "多边形有内环（洞）：网格不应有洞 / a cell must have no holes"
    outer = coords[0]
    if not isinstance(outer, list | tuple) or len(outer) < 4:
        size = len(outer) if isinstance(outer, list | tuple) else 0
        return None, f"外环只有 {size} 个点（至少 4 个，首尾相同）/ too few positions"
    points = []
    for pos in outer:
        if (not isinstance(pos, list | tuple) or len(pos) < 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool)
                           for v in pos[:2])):
            return None, f"坐标应为 [x, y]，实为 {str(pos)[:30]} / not a position"
        try:
            points.append((float(pos[0]), float(pos[1])))
        except OverflowError:
            return None, f"坐标超出范围 {str(pos)[:30]} / coordinate out of range"
    if points[0] != points[-1]:
        first, last = points[0], points[-1]
        return None, (f"外环未闭合：首点 {first[0]:g}, {first[1]:g} 与末点 {last[0]:g}, "
                      f"{last[1]:g} 不同 / the ring is not closed")
    try:
        return tuple(crs.point(x, y) for x, y in points), ""
    except ValidationError as exc:
        return None, exc.message


def read_grid(args: argparse.Namespace, source: SourceFile, crs: SourceCrs
              ) -> tuple[list[tuple[int, GridCell]], dict[int, dict[str, str]],
                         list[GridProblem]]:
    """The file's cells in WGS-84, the codes each gave, and the features that are unusable."""
    fields = dict(GRID_FIELDS)
    for name, chosen in (("code", args.code_field), ("name", args.name_field)):
        if chosen:
            if search_key(chosen) not in {search_key(c) for c in source.columns}:
                shown = "、".join(source.columns[:20]) or "无"
                raise ValidationError(f"文件没有字段 {chosen!r}（有：{shown}）/ no such field")
            fields[name] = (chosen,)
    cells, given, problems = [], {}, []
    for feature in source.features:
        value = {name: _field(feature.props, names) for name, names in fields.items()}
        code = value["code"]
        if not code:
            problems.append(GridProblem(feature.number, "", "没有网格编码 / no grid code"))
            continue
        ring, problem = _ring(feature.geometry, crs)
        if ring is None:
            problems.append(GridProblem(feature.number, code, problem))
            continue
        given[feature.number] = {k: value[k] for k in ("street_code", "community_code")}
        cells.append((feature.number, GridCell(
            code=code, street_code=code[:9], street=value["street"],
            community_code=code[:12], community=value["community"], polygon=ring,
            street_en=value["street_en"], community_en=value["community_en"],
            name=value["name"])))
    return cells, given, problems


def cmd_grid_import(args: argparse.Namespace) -> int:
    """Read, convert and check the grid; print the report (or every problem, exit 2)."""
    path = Path(args.file)
    source = read_features(path, layer=args.layer)
    crs = _crs(args, source)
    cells, given, problems = read_grid(args, source, crs)
    app = open_app(args)
    try:
        actor = app.centre.actor(args.user or "admin", args.desk)
        try:
            result = import_grid(_factory(app), actor, cells, given, keep=not args.dry_run,
                                 source=path.name, crs=crs.name, earlier=problems)
        except GridRefusedError as refused:
            _print_refusal(args, refused, path)
            return EXIT_INPUT
    finally:
        app.close()
    emit(args, {**result.as_dict(), "file": path.name, "crs": crs.name},
         lambda: grid_text(result))
    return EXIT_OK


def _print_refusal(args: argparse.Namespace, refused: GridRefusedError, path: Path) -> None:
    lines = refused.lines
    if getattr(args, "json", False):
        emit(args, {"file": path.name, "refused": True, "problems": lines}, "")
    for line in lines:
        print(f"citydesk: {path.name} {line}", file=sys.stderr)


def grid_text(result: GridImport) -> str:
    """The import's report, as printed."""
    d = result.diff
    head = "" if result.kept else "（试运行，未写入）/ dry run: nothing stored\n"
    lines = [f"{head}网格：新增 {len(d.added)}，变更 {len(d.changed)}，删除 {len(d.removed)}，"
             f"不变 {d.unchanged} / cells: {len(d.added)} added, {len(d.changed)} changed, "
             f"{len(d.removed)} removed, {d.unchanged} unchanged"]
    for label, codes in (("新增 added", d.added), ("变更 changed", d.changed),
                         ("删除 removed", d.removed)):
        if codes:
            more = f" … 共 {len(codes)} 个" if len(codes) > 20 else ""
            lines.append(f"  {label}: {' '.join(codes[:20])}{more}")
    lines.append(f"未办结案件落入另一网格：{len(result.moved)} 件（案件保留原网格，仅列出）/ "
                 f"{len(result.moved)} open cases now lie in another cell (they keep theirs)")
    lines += [f"  {m.case_no}: {m.grid or '-'} → {m.now or '（不在任何网格内 / in no cell）'}"
              for m in result.moved[:MAX_MOVED_LISTED]]
    lines.append(f"部件改属新网格：{result.components_moved} 个 / components moved to another cell")
    if result.components_outside:
        lines.append(f"部件不在任何新网格内（保留原网格）：{len(result.components_outside)} 个 "
                     f"{' '.join(result.components_outside[:10])} / components in no cell")
    for user, removed in sorted(result.collectors_on_removed.items()):
        more = f" 等 {len(removed)} 个" if len(removed) > 5 else ""
        lines.append(f"监督员 {user} 的负责网格将被删除：{'、'.join(removed[:5])}{more}"
                     "（请在系统管理中改派）/ a collector's cells are removed")
    return "\n".join(lines)


def _positions(source: SourceFile, crs: SourceCrs) -> list[tuple[int, Mapping[str, Any],
                                                                Position]]:
    rows: list[tuple[int, Mapping[str, Any], Position]] = []
    for feature in source.features:
        point: Position
        geometry = feature.geometry
        if geometry is not None:
            kind, coords = geometry.get("type"), geometry.get("coordinates")
            if kind == "MultiPoint" and isinstance(coords, list | tuple) and len(coords) == 1:
                kind, coords = "Point", coords[0]
            if kind != "Point" or not isinstance(coords, list | tuple) or len(coords) < 2:
                point = f"几何类型 {str(kind)[:20]}，应为点 / not a point"
            else:
                point = _xy(coords)
        else:
            point = position_columns(feature.props, source.columns)
        if isinstance(point, tuple):
            try:
                point = crs.point(*point)
            except ValidationError:
                point = f"{point[0]:g}, {point[1]:g}（{crs.name}）"
        rows.append((feature.number, feature.props, point))
    return rows


def _xy(coords: Any) -> Position:
    """A point's first two numbers, or what it held instead."""
    try:
        x, y = float(coords[0]), float(coords[1])
    except (TypeError, ValueError, OverflowError):
        return f"{str(coords)[:30]}"
    return (x, y) if math.isfinite(x) and math.isfinite(y) else f"{x:g}, {y:g}"


def cmd_components_import(args: argparse.Namespace) -> int:
    """Read the survey, sort its rows, print the report (and store unless ``--dry-run``)."""
    path = Path(args.file)
    source = read_features(path, tables=True, layer=args.layer)
    crs = _crs(args, source)
    rows = _positions(source, crs)
    app = open_app(args)
    try:
        centre = app.centre
        actor = centre.actor(args.user or "admin", args.desk)
        result = import_components(
            _factory(app), actor, rows, source.columns,
            lambda text: [c.code for c in centre.category_index.search(text)],
            keep=not args.dry_run, source=path.name, crs=crs.name)
    finally:
        app.close()

    def text() -> str:
        head = "" if result.kept else "（试运行，未写入）/ dry run: nothing stored\n"
        lines = [f"{head}部件：新增 {result.added}，更新 {result.changed}，隔离 "
                 f"{len(result.reading.quarantined)} 行 / {result.added} added, "
                 f"{result.changed} changed, {len(result.reading.quarantined)} quarantined"]
        lines += [f"第 {q.row} 行 {q.id}：{q.text}" for q in result.reading.quarantined]
        return "\n".join(lines)

    emit(args, {**result.as_dict(), "file": path.name, "crs": crs.name}, text)
    return EXIT_OK
