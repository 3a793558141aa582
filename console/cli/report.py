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
from console.domain.evaluation import Period, parse_period

FORMATS = {"xlsx": ".xlsx", "pdf": ".pdf", "csv": ".csv"}


def checked_target(args: argparse.Namespace) -> tuple[str, Path]:
    """The format and the file of ``--out`` (ValidationError for a bad one, nothing opened)."""
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
    from console.desk_local import LocalDeskBackend

    period = parse_period(args.period)  # bad input fails before anything is opened
    fmt, out = checked_target(args)
    app = open_app(args)
    try:
        centre = app.centre
        # --as a unit or collector seat: its own row and its own cases only (the seam scopes).
        seat = LocalDeskBackend(app.uow_factory, centre, app.clock,
                                centre.actor(args.user or "admin", args.desk))
        anchor = latest_anchor_line(app.anchor_dir)
        return write_period_report(args, seat, period, fmt, out, anchor)
    finally:
        app.close()


def write_period_report(args: argparse.Namespace, seat: Any, period: Period, fmt: str,
                        out: Path, anchor: str | None = None) -> int:
    """Read the period through ``seat`` (a ``DeskBackend``), write ``out``, say what was written.

    The one path of ``citydesk report``, embedded or through the server
    (:mod:`console.cli.remote_report`): the seat counts what it may see (a unit seat its own
    unit), this process builds and writes the file.  ``anchor`` None takes the seat's
    (the server's latest anchor line).
    """
    from console.report_builder import ANCHOR_NOTE, period_report, report_notes, table_totals
    from console.reports import write_report

    centre = seat.centre
    data = seat.period_data(period)
    report = period_report(centre, period, data, anchor)
    anchor = anchor if anchor is not None else data.anchor
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
    result: dict[str, Any] = {
        "path": str(path), "format": fmt, "period": period.as_dict(centre.tz),
        "tables": {t.title: len(t.rows) for t in report.tables},
        "totals": {k: dict(v) for k, v in table_totals(report).items()},
        "warnings": [n for n in report_notes(report) if not n.startswith(ANCHOR_NOTE)],
        "anchor": anchor,
    }
    if not args.json:
        for note in result["warnings"]:
            print(f"citydesk: 警告 / warning: {note}", file=sys.stderr)
    emit(args, result, f"已写出 {path}（{len(report.tables)} 张表，{len(cases)} 件案件）"
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
