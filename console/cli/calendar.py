"""``citydesk calendar``: working-time arithmetic, what the calendar knows, importing a year.

``between`` and ``add`` answer from the centre's calendar (the package's alone before
``citydesk init``) and warn when the answer reaches a year whose statutory holidays are not
known: ``"warnings"`` in ``--json``, a line on stderr otherwise.  ``status`` lists the years
known.  ``import-notice`` reads the State Council's notice, ``import`` a YAML or CSV day list;
both print the days, ask before storing (``--yes`` stores at once, ``--dry-run`` only shows)
and store them as an administrator's overrides.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from console.app import App, database_url, sqlite_file_missing
from console.cli.common import emit, parse_instant
from console.domain.calendar import WorkCalendar, statutory_days
from console.domain.errors import ValidationError
from console.domain.holiday_notice import WEEKDAYS, HolidayNotice, parse_notice
from console.domain.reference import CalendarDay
from console.services.calendar_year import (
    MAX_FILE_BYTES,
    CalendarCoverage,
    calendar_coverage,
    calendar_warnings,
    decode_text,
    default_coverage,
    import_notice,
    import_year,
    read_day_list,
    year_span,
)

#: Years whose statutory holidays ``init`` seeds: every year the package knows (2004 to its
#: release); years it lacks are skipped.  Imported history from before 2018 keeps its holidays.
CALENDAR_YEARS = range(2004, 2101)


def _calendar(args: argparse.Namespace) -> tuple[WorkCalendar, CalendarCoverage | None]:
    """The centre's calendar and coverage when the database is set up, else the package's."""
    if not sqlite_file_missing(database_url(args.db)):
        app = App.open(args.db, args.clock)
        try:
            if app.is_set_up:
                return app.centre.calendar, calendar_coverage(app.centre)
        finally:
            app.close()
    return default_calendar(), None


def default_calendar() -> WorkCalendar:
    """Asia/Shanghai with the installed package's holidays (no database yet)."""
    from zoneinfo import ZoneInfo

    return WorkCalendar(ZoneInfo("Asia/Shanghai"), days=statutory_days(CALENDAR_YEARS))


def print_warnings(args: argparse.Namespace, warnings: list[str]) -> None:
    """Warnings on stderr in text mode (with ``--json`` they are the output's ``warnings``)."""
    if not getattr(args, "json", False):
        for line in warnings:
            print(f"citydesk: 警告 / warning: {line}", file=sys.stderr)


def _warn(args: argparse.Namespace, data: dict[str, Any], warnings: list[str]) -> None:
    data["warnings"] = warnings
    print_warnings(args, warnings)


def cmd_arithmetic(args: argparse.Namespace) -> int:
    """``between FROM TO`` and ``add FROM MINUTES``."""
    cal, _coverage = _calendar(args)
    start = parse_instant(args.start)
    data: dict[str, Any]
    if args.calendar_cmd == "between":
        end = parse_instant(args.end)
        minutes = cal.between(start, end)
        data, text = {"minutes": minutes}, f"{minutes} 工作分钟"
    else:
        try:
            minutes = int(args.minutes)
        except ValueError:
            raise ValidationError(f"分钟数 {args.minutes!r} 应为整数 / minutes must be a whole number") from None
        end = cal.add(start, minutes)
        data, text = {"result": end.isoformat()}, end.isoformat()
    _warn(args, data, calendar_warnings(cal, start, end))
    emit(args, data, text)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """``status``: the years with statutory holidays and the first one without."""
    cal, coverage = _calendar(args)
    database = coverage is not None
    if coverage is None:
        coverage = default_coverage(cal)
    data = {**coverage.as_dict(), "database": database}
    emit(args, data, lambda: _status_text(coverage, database))
    return 0


def _status_text(c: CalendarCoverage, database: bool) -> str:
    none = "无 / none"
    where = ("库中 / in the database" if database
             else "数据库尚未初始化，按已安装的包 / no database yet: the installed package")
    lines = [
        f"法定节假日已知年份 / years with statutory holidays: {year_span(c.covered, none)}",
        f"  chinesecalendar {c.package_version}（{where}）: {year_span(c.seeded, none)}",
        f"  管理员导入 / imported: {year_span(c.imported, none)}",
    ]
    if c.first_uncovered is not None:
        lines.append(f"未覆盖的第一年 / first uncovered year: {c.first_uncovered}"
                     "（期限按周一至周五计算 / counted Monday to Friday；"
                     "导入：citydesk calendar import-notice FILE）")
    if c.not_seeded:
        lines.append(f"已安装的 chinesecalendar 还知道 {year_span(c.not_seeded, none)}：运行 citydesk init 载入"
                     " / the installed package knows more years: run 'citydesk init'")
    if c.overrides:
        lines.append("管理员单日调整 / single-day overrides: "
                     + "，".join(f"{y} 年 {n} 天" for y, n in sorted(c.overrides.items())))
    return "\n".join(lines)


def _read(path: str) -> str:
    file = Path(path)
    if not file.is_file():
        raise ValidationError(f"找不到文件 {path} / no such file")
    with file.open("rb") as fh:  # at most the limit plus one byte: never a device's stream
        data = fh.read(MAX_FILE_BYTES + 1)
    return decode_text(data, file.name)


def cmd_import_notice(args: argparse.Namespace) -> int:
    """``import-notice FILE [--year Y] [--yes | --dry-run]``."""
    _check_mode(args)
    notice = parse_notice(_read(args.file), args.year)  # refused before the database opens
    return _store(args, notice.year, notice.calendar_days(), notice)


def cmd_import_days(args: argparse.Namespace) -> int:
    """``import FILE [--year Y] [--yes | --dry-run]``: a YAML or CSV day list."""
    _check_mode(args)
    suffix = Path(args.file).suffix.lower()
    kinds = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv"}
    if suffix not in kinds:
        raise ValidationError(f"{Path(args.file).name}：应为 .yaml/.yml 或 .csv 文件（国务院通知请用 "
                              "import-notice）/ expected a .yaml or .csv day list")
    year, days = read_day_list(_read(args.file), kinds[suffix], args.year, Path(args.file).name)
    return _store(args, year, days, None)


def _check_mode(args: argparse.Namespace) -> None:
    if args.yes and args.dry_run:
        raise ValidationError("--yes 与 --dry-run 只能选一个 / --yes and --dry-run exclude each other")
    if args.json and not (args.yes or args.dry_run):
        raise ValidationError("--json 时请加 --yes（写入）或 --dry-run（只看）/ with --json give "
                              "--yes or --dry-run")
    if args.year is not None and not 1900 < args.year < 9999:
        raise ValidationError(f"年份 {args.year} 无效 / invalid year")


def _store(args: argparse.Namespace, year: int, days: list[CalendarDay],
           notice: HolidayNotice | None) -> int:
    app = _open(args)
    try:
        centre = app.centre
        actor = centre.actor(args.user or "admin", args.desk)
        data = _preview(year, days, notice)
        if not args.json:
            print(_preview_text(year, days, notice))
        if args.dry_run:
            emit(args, {**data, "stored": False}, "（--dry-run：未写入 / nothing stored）")
            return 0
        if not args.yes and not _confirm(f"写入 {year} 年的 {len(days)} 个日期？[y/N] "):
            raise ValidationError("未确认，没有写入（确认请输入 y，或加 --yes）/ not confirmed: "
                                  "nothing stored")
        if notice is not None:
            done = import_notice(app.uow_factory, centre, actor, notice)
        else:
            done = import_year(app.uow_factory, centre, actor, year, days)
    finally:
        app.close()
    emit(args, {**data, "stored": True, "changed": done.changed,
                "removed": [d.isoformat() for d in done.removed], "running": done.running,
                "notes": list(done.notes)},
         "\n".join([f"已导入 {year} 年法定节假日：{len(done.days)} 个日期（写入 {done.changed} 行）"
                    "/ imported", *done.notes]))
    return 0


def _open(args: argparse.Namespace) -> App:
    # console.cli.setup imports this module to register it: importing it back at call time
    # keeps the two out of an import cycle.
    from console.cli.setup import open_app

    return open_app(args)


def _confirm(prompt: str) -> bool:
    print(prompt, end="", file=sys.stderr, flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):  # no terminal (a pipe closed, a test's stdin)
        return False
    return answer.strip().lower() in ("y", "yes", "是")


def _preview(year: int, days: list[CalendarDay], notice: HolidayNotice | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "year": year,
        "days": [{"date": d.day.isoformat(), "workday": d.workday, "note": d.note} for d in days],
    }
    if notice is not None:
        data["holidays"] = [
            {"name": f.name, "days_off": [d.isoformat() for d in f.days_off],
             "workdays": [d.isoformat() for d in f.workdays]}
            for f in notice.festivals]
        data["remarks"] = list(notice.remarks)
    return data


def _preview_text(year: int, days: list[CalendarDay], notice: HolidayNotice | None) -> str:
    lines = [f"{year} 年法定节假日安排 / holidays of {year}:"]
    if notice is not None:
        for f in notice.festivals:
            off = f"{f.days_off[0]:%m-%d}" + (f" 至 {f.days_off[-1]:%m-%d}" if len(f.days_off) > 1
                                               else "")
            line = f"  {f.name}：{off} 放假（{len(f.days_off)} 天）"
            if f.workdays:
                line += "；" + "、".join(
                    f"{d:%m-%d}（周{WEEKDAYS[d.weekday()]}）" for d in f.workdays) + "上班"
            lines.append(line)
        lines += [f"  未计入 / not stored: {r}" for r in notice.remarks]
    lines.append("日期 / dates:")
    lines += [f"  {d.day.isoformat()} 周{WEEKDAYS[d.day.weekday()]} "
              f"{'上班' if d.workday else '休息'}  {d.note}" for d in days]
    return "\n".join(lines)


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``calendar`` and its subcommands."""
    p = sub.add_parser("calendar", parents=[common], help="工作时计算与法定节假日 / working time")
    csub = p.add_subparsers(dest="calendar_cmd", metavar="between|add|status|import-notice|import",
                            required=True)
    b = csub.add_parser("between", parents=[common], help="两时刻之间的工作分钟数")
    b.add_argument("start", metavar="FROM")
    b.add_argument("end", metavar="TO")
    b.set_defaults(handler=cmd_arithmetic)
    a = csub.add_parser("add", parents=[common], help="某时刻加上 N 个工作分钟")
    a.add_argument("start", metavar="FROM")
    a.add_argument("minutes", metavar="MINUTES")
    a.set_defaults(handler=cmd_arithmetic)
    s = csub.add_parser("status", parents=[common], help="哪些年份有法定节假日数据")
    s.set_defaults(handler=cmd_status)
    for name, handler, what in (
            ("import-notice", cmd_import_notice, "导入国务院办公厅的节假日安排通知（文本文件）"),
            ("import", cmd_import_days, "导入一年的日期表（YAML / CSV）")):
        i = csub.add_parser(name, parents=[common], help=what)
        i.add_argument("file", metavar="FILE")
        i.add_argument("--year", type=int, help="要导入的年份（与文件不符时拒绝）")
        i.add_argument("--yes", action="store_true", help="不询问，直接写入")
        i.add_argument("--dry-run", action="store_true", help="只显示解析结果，不写入")
        i.set_defaults(handler=handler)

