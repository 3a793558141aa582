"""``citydesk init``, ``demo``, ``route`` and ``calendar``."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import Any

from console.app import App, database_url, safe_url, sqlite_file_missing
from console.cli.calendar import CALENDAR_YEARS
from console.cli.calendar import add_commands as add_calendar_commands
from console.cli.common import KIND_CHOICES, KIND_HELP, emit
from console.domain.calendar import statutory_days
from console.domain.errors import ValidationError
from console.domain.reference import GridCell, ReferenceSet, Unit
from console.reference_files import DEFAULT_CENTRE, load_centre_files
from console.services.cases import resolve_location, suggest_route
from console.services.centre import build_centre
from console.services.setup import InitReport, init_reference
from console.services.uow import CaseFilter

__all__ = ["CALENDAR_YEARS", "add_commands", "initialise", "open_app"]


def open_app(args: argparse.Namespace, pool_size: int = 5) -> App:
    """Open the database of ``--db``; refuse one that ``citydesk init`` has not set up."""
    if sqlite_file_missing(database_url(args.db)):
        raise ValidationError("数据库尚未初始化：请先运行 citydesk init / run 'citydesk init' first")
    app = App.open(args.db, args.clock, pool_size=pool_size)
    if not app.is_set_up:
        app.close()
        raise ValidationError("数据库尚未初始化：请先运行 citydesk init / run 'citydesk init' first")
    if not app.is_current:
        app.close()
        raise ValidationError(
            "数据库结构版本较旧：请先运行 citydesk init 升级（升级前请备份）/ "
            "the schema is older than this program: run 'citydesk init' to upgrade"
        )
    return app


def initialise(app: App, ref: ReferenceSet) -> InitReport:
    """Create or upgrade the schema and write a centre's reference data (idempotent).

    The audit chain's key file is created first when absent (0600; a group- or
    world-readable one is refused in one line before anything is written).
    """
    app.ensure_chain_key()
    app.upgrade()  # also forgets any loaded centre: the next use reads the new data
    return init_reference(app.uow_factory(), ref, statutory_days(CALENDAR_YEARS))


def cmd_init(args: argparse.Namespace) -> int:

    folder = Path(args.resources) if args.resources else DEFAULT_CENTRE
    # Read and check every file before the database is even opened: a refusal creates no
    # SQLite file and no schema.
    ref = load_centre_files(folder)
    build_centre(ref)
    app = App.open(args.db, args.clock)
    try:
        created_file = sqlite_file_missing(app.url)
        fresh = created_file or not app.is_set_up
        try:
            report = initialise(app, ref)
        except BaseException:
            if fresh:  # a first init that failed (a lost server, say) leaves no empty schema
                app.discard_new_database(created_file=created_file)
            raise
    finally:
        app.close()
    data = {"database": safe_url(app.url), "changed": asdict(report), "total": report.total}
    emit(args, data, lambda: (
        f"数据库已就绪：{safe_url(app.url)}\n"
        + ("参考数据无变化" if report.total == 0 else
           "已写入：" + "，".join(f"{k} {v}" for k, v in asdict(report).items() if v))
    ))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from console.services.demo import DemoSettings, run_demo

    if not 1 <= args.days <= 3650:
        raise ValidationError("--days 应在 1 到 3650 之间 / days out of range")
    app = open_app(args)
    try:
        with app.uow_factory() as uow:
            existing = uow.cases.count(CaseFilter())
        if existing and not args.append:
            if args.if_empty:
                emit(args, {"skipped": True, "cases": existing},
                     f"数据库已有 {existing} 件案件，未生成演示数据")
                return 0
            raise ValidationError(
                f"数据库已有 {existing} 件案件；演示数据只写入空库（追加请加 --append）"
            )
        summary = run_demo(app.uow_factory, app.centre, app.clock(),
                           DemoSettings(days=args.days, seed=args.seed),
                           embedded=app.engine.dialect.name == "sqlite")
    finally:
        app.close()
    emit(args, asdict(summary), lambda: summary.describe())
    return 0


def locality_unit(ref: ReferenceSet, cell: str) -> Unit | None:
    """The active unit whose area is the longest prefix of ``cell`` (the 属地: a street office)."""
    units = [u for u in ref.units.values() if u.active and u.area and cell.startswith(u.area)]
    return max(units, key=lambda u: len(u.area or ""), default=None)


def _cell_data(ref: ReferenceSet, cell: GridCell) -> dict[str, Any]:
    local = locality_unit(ref, cell.code)
    return {"code": cell.code, "name": cell.name, "street": cell.street,
            "community": cell.community,
            "locality_unit": None if local is None else {"code": local.code, "name": local.name}}


def _cell_text(data: dict[str, Any]) -> str:
    name = f" {data['name']}" if data["name"] else ""
    local = data["locality_unit"]
    unit = "" if local is None else f"\n属地单位 / locality: {local['name']}（{local['code']}）"
    return f"网格 {data['code']}{name}（{data['street']} / {data['community']}）{unit}"


def cmd_route(args: argparse.Namespace) -> int:

    app = open_app(args)
    try:
        centre = app.centre
        grid = None
        if args.grid or args.lon is not None or args.lat is not None:
            grid = resolve_location(centre, args.grid, args.lon, args.lat).grid.code
        cell = None if grid is None else _cell_data(centre.ref, centre.ref.grids[grid])
        if args.category is None:
            if cell is None:
                raise ValidationError("请给出 --category，或位置（--grid 或 --lon --lat）/ give "
                                      "a category or a location")
            emit(args, {"cell": cell}, lambda: _cell_text(cell))
            return 0
        category = centre.category(args.category, args.kind)
        if args.component and args.component not in centre.ref.components:
            raise ValidationError(f"未知的部件编号 {args.component!r} / unknown component")
        result = suggest_route(centre, category, grid, args.component, args.condition)
        unit = centre.ref.units[result.unit]
    finally:
        app.close()
    data = {
        "unit": {"code": unit.code, "name": unit.name},
        "rule": result.rule,
        "matched": result.matched,
        "category": {"code": category.code, "name": category.name_zh},
        "cell": cell,
    }
    where = "" if cell is None else _cell_text(cell) + "\n"
    emit(args, data, f"{where}{category.code} {category.name_zh} → {unit.name}（{unit.code}）\n"
                     f"依据：{result.rule}")
    return 0


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register init, demo, route and calendar."""
    p = sub.add_parser("init", parents=[common], help="创建/升级数据库并载入参考数据（可重复运行）")
    p.add_argument("--resources", metavar="DIR", help=f"参考数据目录（默认 {DEFAULT_CENTRE.name}）")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("demo", parents=[common], help="生成 N 天的模拟运行数据（演示用）")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--seed", type=int, default=2018)
    p.add_argument("--if-empty", action="store_true", help="库中已有案件时什么也不做")
    p.add_argument("--append", action="store_true", help="库中已有案件时仍追加")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("route", parents=[common],
                       help="按类别、位置、部件查询责任单位；只给位置时说出所在网格 / the unit, or a "
                       "point's cell")
    p.add_argument("--category", metavar="CODE_OR_NAME")
    p.add_argument("--kind", choices=KIND_CHOICES, help=KIND_HELP)
    p.add_argument("--grid")
    p.add_argument("--lon", type=float)
    p.add_argument("--lat", type=float)
    p.add_argument("--component")
    p.add_argument("--condition", help="立案条件编号 / filing condition id")
    p.set_defaults(handler=cmd_route)

    add_calendar_commands(sub, common)
