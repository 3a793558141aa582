"""``citydesk report --period P --format xlsx|pdf|csv --out FILE``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from console.cli.arguments import shorten
from console.cli.common import emit
from console.cli.setup import open_app
from console.domain.errors import ValidationError
from console.domain.evaluation import parse_period
from console.services.access import scoped_factory

FORMATS = {"xlsx": ".xlsx", "pdf": ".pdf", "csv": ".csv"}


def _target(args: argparse.Namespace) -> tuple[str, Path]:
    try:
        return _checked_target(args)
    except OSError as exc:  # ENAMETOOLONG, EACCES … from the checks' stat calls
        raise ValidationError(f"无法写出报表 {shorten(args.out)}：{exc.strerror or exc} / "
                              "cannot write the report") from None


def _checked_target(args: argparse.Namespace) -> tuple[str, Path]:
    out = Path(args.out)
    fmt = args.format or out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValidationError(f"未知的报表格式 {fmt!r}（xlsx / pdf / csv）/ unknown format")
    if out.suffix.lower() != FORMATS[fmt]:
        raise ValidationError(f"输出文件 {out.name} 的扩展名应为 {FORMATS[fmt]} / wrong extension")
    if not out.parent.is_dir():
        raise ValidationError(f"输出目录 {out.parent} 不存在 / no such folder")
    if out.is_dir():
        raise ValidationError(f"{out} 是目录 / is a folder")
    return fmt, out


def cmd_report(args: argparse.Namespace) -> int:
    from console.audit_files import latest_anchor_line
    from console.report_builder import (
        ANCHOR_NOTE,
        make_period_report,
        report_notes,
        table_totals,
    )
    from console.reports import write_report

    period = parse_period(args.period)  # bad input fails before anything is opened
    fmt, out = _target(args)
    app = open_app(args)
    try:
        centre = app.centre
        # --as a unit or collector seat: its own row and its own cases only.
        seat = scoped_factory(app.uow_factory, centre.actor(args.user or "admin", args.desk))
        anchor = latest_anchor_line(app.anchor_dir)
        report = make_period_report(seat, centre, period, app.clock(), anchor)
    finally:
        app.close()
    cases = report.tables[-1].rows
    interactive = sys.stderr.isatty() and not args.json

    def progress(done: int, total: int) -> bool:
        if interactive:
            print(f"\r写出报表 {done * 100 // max(total, 1):3d}%", end="", file=sys.stderr)
        return True

    try:
        path = write_report(report, out, progress)
    except OSError as exc:  # /proc, a full disk, a name too long: say so about --out itself
        raise ValidationError(f"无法写出报表 {shorten(str(out))}：{exc.strerror or exc} / "
                              "cannot write the report") from None
    if interactive:
        print(file=sys.stderr)
    data: dict[str, Any] = {
        "path": str(path), "format": fmt, "period": period.as_dict(centre.tz),
        "tables": {t.title: len(t.rows) for t in report.tables},
        "totals": {k: dict(v) for k, v in table_totals(report).items()},
        "warnings": [n for n in report_notes(report) if not n.startswith(ANCHOR_NOTE)],
        "anchor": anchor,
    }
    if not args.json:
        for note in data["warnings"]:
            print(f"citydesk: 警告 / warning: {note}", file=sys.stderr)
    emit(args, data, f"已写出 {path}（{len(report.tables)} 张表，{len(cases)} 件案件）"
         + (f"\n{ANCHOR_NOTE}{anchor}" if anchor else ""))
    return 0


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``report``."""
    p = sub.add_parser("report", parents=[common],
                       help="导出考核评价与案件清单（XLSX / PDF / CSV）")
    p.add_argument("--period", required=True, help="2026-10、2026-Q3、2026、2026-W43 或 起..止")
    p.add_argument("--format", choices=sorted(FORMATS), help="默认按 --out 的扩展名")
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(handler=cmd_report)
