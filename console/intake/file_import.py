"""Import cases from CSV and XLSX files through a column mapping.

Each row becomes one record of the channel ``file:<mapping channel>``, keyed by its external
id, so importing a file again (or the rest of it after a crash) creates only what is missing.
Rows with a state past 待受理 are written with their history (see
:mod:`console.services.intake_history`); a bad row is quarantined with its row number in the
validation report and never stops the rows after it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from console.domain.cases import CaseState, CloseType, Source
from console.domain.category_search import parse_legacy_kind
from console.domain.errors import ValidationError
from console.intake import file_read
from console.intake.dates import DateColumn
from console.intake.fields import FieldError, identifier, number, text
from console.intake.file_mapping import FIELDS, ColumnMapping
from console.services.cases import Report
from console.services.intake import IntakeContext, IntakeCounts, Outcome, Taken, take_in
from console.services.intake_ports import HistorySteps, IntakeRecord

PARSER = "history"
MAX_ROWS = 200_000
SOURCE_LIST = tuple(s.value for s in Source)
SOURCES = frozenset(SOURCE_LIST)
CLOSE_TYPES = tuple(c.value for c in CloseType)
READ = "_read"
"""The key of a stored row that says how its cells are read (``timezone``, and when not the
defaults ``date_order``, ``formats``, ``ambiguous_times``, ``placement``: see
:mod:`console.intake.file_read`).

A row is stored as the mapping made it (columns picked, values translated, defaults and
``legacy_kind`` filled), with the zone its times were read in: a retry of a quarantined row
reads it exactly as the import did, whatever the centre's zone or the mapping file says now.
"""


@dataclass(frozen=True, slots=True)
class Table:
    """A file's heading row and its data rows (with their 1-based row numbers)."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]


def _decode(data: bytes, name: str) -> str:
    # Chinese Excel saves "CSV" in GB18030 unless told otherwise; UTF-8 (with BOM) otherwise.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(f"{name} 既不是 UTF-8 也不是 GB18030 编码 / unknown text encoding")


def _csv_rows(path: Path) -> list[list[Any]]:
    text_ = _decode(path.read_bytes(), path.name)
    try:
        return list(csv.reader(io.StringIO(text_, newline="")))
    except csv.Error as exc:
        raise ValidationError(f"{path.name} 不是有效的 CSV：{exc} / malformed CSV") from None


def _xlsx_rows(path: Path, sheet: str | None) -> list[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise ValidationError(f"{path.name} 不是有效的 XLSX 文件：{type(exc).__name__} / not an XLSX file"
                              ) from None
    except Exception as exc:  # zipfile.BadZipFile and friends from a damaged file
        raise ValidationError(f"{path.name} 无法打开：{type(exc).__name__} / cannot open") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ValidationError(f"{path.name} 中没有工作表 {sheet!r}（有：{'、'.join(book.sheetnames)}）"
                                  " / no such sheet")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        return [list(row) for row in ws.iter_rows(values_only=True)]
    finally:
        book.close()


def table_rows(path: Path, sheet: str | None = None) -> list[list[Any]]:
    """Every row of a CSV or XLSX file (the first sheet unless named); ValidationError (one
    line) for a missing, unreadable or other kind of file.  The gazetteer import reads by it too.
    """
    if not path.is_file():
        raise ValidationError(f"找不到文件 {path} / file not found")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, sheet)
    raise ValidationError(f"只能导入 .csv 或 .xlsx 文件，不能导入 {suffix or '无扩展名'} / CSV or XLSX only")


def headed_rows(path: Path, sheet: str | None = None
                ) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The first row as headings and the non-empty rows after it with their 1-based numbers
    (a registry file: the gazetteer's places, the cameras)."""
    rows = table_rows(path, sheet)
    headers = [str(h) if h is not None else "" for h in rows[0]] if rows else []
    body = [(n, row) for n, row in enumerate(rows[1:], 2)
            if any(c is not None and str(c).strip() for c in row)]
    return headers, body


def read_table(path: Path, mapping: ColumnMapping) -> Table:
    """The heading row and data rows of a CSV or XLSX file; ValidationError when unusable."""
    rows = table_rows(path, mapping.sheet)
    if len(rows) < mapping.header_row:
        raise ValidationError(f"{path.name} 没有第 {mapping.header_row} 行（表头）/ no heading row")
    headers = [text(h, 200) for h in rows[mapping.header_row - 1]]
    missing = [c for c in mapping.columns.values() if c not in headers]
    if missing:
        raise ValidationError(f"{path.name} 缺少映射文件要求的列：{'、'.join(missing)} / missing columns")
    body = [(n, row) for n, row in enumerate(rows[mapping.header_row:], mapping.header_row + 1)
            if any(text(c) for c in row)]
    if len(body) > MAX_ROWS:
        raise ValidationError(f"{path.name} 超过 {MAX_ROWS} 行，请分批导入 / too many rows")
    return Table(headers, body)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool) or value is None:
        return None if value is None else str(value)
    if isinstance(value, int | float):
        return value
    return text(value)


def canonical(mapping: ColumnMapping, headers: list[str], cells: list[Any]) -> dict[str, Any]:
    """One row as ``{field: value}``: translated through ``values``, gaps filled by ``defaults``."""
    position = {h: i for i, h in enumerate(headers)}
    row: dict[str, Any] = {}
    for name in FIELDS:
        column = mapping.columns.get(name)
        index = position.get(column) if column is not None else None
        value = _cell(cells[index]) if index is not None and index < len(cells) else None
        if isinstance(value, str):
            value = mapping.translate(name, value)
        if value in (None, "") and name in mapping.defaults:
            value = mapping.defaults[name]
        if value not in (None, ""):
            row[name] = value
    if "legacy_kind" not in row and "category" in row:
        kind = mapping.kind_of(text(row["category"]))
        if kind is not None:
            row["legacy_kind"] = kind
    return row


def read_settings(mapping: ColumnMapping, tz: tzinfo, dates: list[DateColumn] | None = None
                  ) -> dict[str, Any]:
    """How a file's rows are read (stored under :data:`READ` with each row)."""
    # The centre's zone is written too: a retry after an administrator changed it reads
    # the row as it was first read.  A fixed offset without a name (tests) is left out.
    zone = mapping.timezone or getattr(tz, "key", None)
    out: dict[str, Any] = {"timezone": zone} if zone else {}
    return {**out, **file_read.settings(mapping, dates or [])}


def _stored_zone(raw: Mapping[str, Any], tz: tzinfo | None) -> tzinfo | None:
    """The zone a row was first read in (kept under READ), else ``tz``."""
    read = raw.get(READ)
    zone = read.get("timezone") if isinstance(read, Mapping) else None
    if not zone:
        return tz
    try:
        return ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldError(f"记录的时区 {text(zone, 40)!r} 未知 / unknown stored time zone") from None


def history_record(channel: str, row: Mapping[str, Any], tz: tzinfo | None) -> IntakeRecord:
    """One canonical row as an intake record (never raises; a bad row carries a ``problem``).

    Times without an offset are in the zone stored with the row (:data:`READ`), else ``tz``.
    """
    raw = dict(row)
    try:
        external_id = identifier(raw.get("external_id"), "外部编号")
    except FieldError as exc:
        return IntakeRecord(channel, "", PARSER, raw, problem=exc.message)
    try:
        tz = _stored_zone(raw, tz)
        kind = text(raw.get("legacy_kind"), 32)
        try:
            legacy_kind = parse_legacy_kind(kind).value if kind else None
        except ValidationError as exc:
            raise FieldError(exc.message) from None
        reading = file_read.stored(raw.get(READ))
        times = file_read.times(raw, tz, reading)
        if times["reported_at"] is None:
            raise FieldError("缺少上报时间 / missing reported time")
        lon, lat = file_read.point(number(raw.get("lon"), "经度", -180.0, 180.0),
                                   number(raw.get("lat"), "纬度", -90.0, 90.0),
                                   reading.placement)
        source = text(raw.get("source"), 32) or Source.COLLECTOR.value
        if source not in SOURCES:
            raise FieldError(f"未知的来源 {source!r}（可选：{'、'.join(SOURCE_LIST)}；文件中的其他写法"
                             "请在映射文件 values.source 中翻译）/ unknown source")
        close_type = text(raw.get("close_type"), 32) or None
        if close_type is not None and close_type not in CLOSE_TYPES:
            raise FieldError(f"未知的结案类型 {close_type!r}（可选：{'、'.join(CLOSE_TYPES)}；其他写法"
                             "请在映射文件 values.close_type 中翻译）/ unknown close type")
        state = text(raw.get("status"), 32) or CaseState.REPORTED.value
        description = text(raw.get("description"), 2000)
        if not description:
            raise FieldError("问题描述为空 / empty description")
    except FieldError as exc:
        return IntakeRecord(channel, external_id, PARSER, raw, problem=exc.message)
    report = Report(
        category=text(raw.get("category"), 128), description=description, source=source,
        grid=text(raw.get("grid"), 64) or None, lon=lon, lat=lat,
        address=text(raw.get("address"), 500), contact=text(raw.get("contact"), 64),
        reported_at=times["reported_at"], legacy_kind=legacy_kind)
    steps = HistorySteps(
        state=state, unit=text(raw.get("unit"), 200) or None,
        dispatched_at=times["dispatched_at"], due_at=times["due_at"],
        handled_at=times["handled_at"], closed_at=times["closed_at"],
        close_type=close_type, reason=text(raw.get("reason"), 500),
        people=file_read.people(raw), outside_county=reading.placement.outside_county,
        default_cell=reading.placement.default_cell)
    return IntakeRecord(channel, external_id, PARSER, raw, report=report, history=steps)


@dataclass
class ImportReport:
    """What an import did: the counts and, per quarantined row, its number and reason.

    ``dates`` says how each date-time column was read (its forms, its day order and what
    decided it), as the dry run reports it.
    """

    counts: IntakeCounts
    total: int
    rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row, external id, reason)
    cancelled: bool = False
    dates: list[DateColumn] = field(default_factory=list)


Progress = Callable[[int, int], bool]


def run_import(ctx: IntakeContext, table: Table, mapping: ColumnMapping,
               progress: Progress | None = None) -> ImportReport:
    """Take every row in, in file order; ``progress(done, total)`` returning False stops.

    Pass an :class:`IntakeContext` over :func:`console.services.intake.dry_run` for a dry
    run: every check runs, nothing is kept.
    """
    file_read.check_default_cell(mapping.placement, ctx.centre.ref.grids)
    # Every date-time column's day order is decided from all its values before a row is
    # taken in: a column that cannot be read one way refuses the file, not row by row.
    dates = file_read.decide_dates(mapping, table.headers, table.rows)
    counts = IntakeCounts()
    report = ImportReport(counts, len(table.rows), dates=dates)
    seen: set[str] = set()
    tz = mapping.tz or ctx.centre.tz
    settings = read_settings(mapping, tz, dates)
    for done, (number_, cells) in enumerate(table.rows, 1):
        row = canonical(mapping, table.headers, cells)
        if settings:
            row[READ] = settings
        record = history_record(mapping.channel, row, tz)
        counts.fetched += 1
        if record.external_id and record.external_id in seen:
            taken = Taken(Outcome.DUPLICATE)  # the same id twice in one file
        else:
            if not record.external_id:
                record = IntakeRecord(record.channel, f"row:{number_}", PARSER, record.raw,
                                      problem=record.problem)
            taken = take_in(ctx, record)
            seen.add(record.external_id)
        counts.add(taken, record.external_id)
        if taken.outcome is Outcome.QUARANTINED:
            report.rows.append((number_, record.external_id, taken.reason or ""))
        if progress is not None and not progress(done, report.total):
            report.cancelled = True
            break
    return report
