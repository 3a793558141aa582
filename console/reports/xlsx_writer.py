"""XLSX: one sheet per table and a sheet "图表" with a native bar chart per chart (openpyxl).

Each table sheet: the header in row 1 (bold, grey fill, frozen, repeated on printed pages,
with an auto-filter over header and rows), the rows from row 2, then the totals row (bold,
:data:`~console.reports.model.TOTAL_LABEL` in the first column).  Cells hold raw values with
number formats — ``0.0%`` for rates (stored as fractions), ``0.0`` for scores, ``0`` for ints,
``yyyy-mm-dd hh:mm`` for datetimes — and the totals row holds the computed values of
:func:`~console.reports.model.totals`, not formulas, so it can be read without Excel.  Grade
cells are filled with the grade colour.  Column widths are fitted to the longest text (CJK
counted double) of the header, totals and the first :data:`WIDTH_SAMPLE` rows.  Pages print
A4 landscape, fitted to the width, the table title in the header and page numbers in the
footer.

Sheet names are the table titles with ``[]:*?/\\`` replaced, cut to 31 characters and made
unique (``… (2)``); :data:`CHART_SHEET` is kept for the charts.  The chart sheet holds each
chart's data (a title, a ``项目/数值`` header, one row per bar) in columns A–B and the chart
beside it at column D.

The workbook is written in openpyxl's write-only mode, so a year's case list does not need
every cell in memory.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from console.reports.model import (
    GRADE_COLOURS,
    GRADE_TEXT_COLOURS,
    Chart,
    Column,
    ProgressFn,
    Report,
    Table,
    Ticker,
    atomic_output,
    clean_value,
    format_cell,
    grade_of,
    is_number,
    totals,
    wall_clock,
)

__all__ = ["CHART_SHEET", "NUMBER_FORMATS", "sheet_names", "write_xlsx"]

#: The name of the sheet holding the charts.
CHART_SHEET: Final = "图表"
#: Number format per column kind (``datetime`` columns holding ``date`` values use
#: :data:`DATE_FORMAT`).
NUMBER_FORMATS: Final[Mapping[str, str]] = {
    "int": "0",
    "rate": "0.0%",
    "score": "0.0",
    "datetime": "yyyy-mm-dd hh:mm",
}
DATE_FORMAT: Final = "yyyy-mm-dd"
#: How many rows are measured to fit column widths.
WIDTH_SAMPLE: Final = 2000
_MIN_WIDTH, _MAX_WIDTH = 6, 60
_SHEET_MAX = 31
_SHEET_BAD = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))
_CHART_ROWS = 20  # rows a chart occupies on the chart sheet (7.5 cm at 15 pt)

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", fgColor="FFE0E0E0")
_THIN = Side(style="thin", color="FF9E9E9E")
_HEADER_BORDER = Border(bottom=_THIN)
_TOTAL_BORDER = Border(top=_THIN)
_TITLE_FONT = Font(bold=True, size=12)
_CENTER = Alignment(horizontal="center", vertical="center")
_WRAP = Alignment(vertical="top", wrap_text=True)
_BAR_COLOUR = "1565C0"


def _argb(colour: str) -> str:
    return "FF" + colour.lstrip("#").upper()


def sheet_names(titles: Sequence[str], reserved: Sequence[str] = (CHART_SHEET,)) -> list[str]:
    """Valid, unique (case-insensitively) Excel sheet names for ``titles``.

    Parameters
    ----------
    titles : sequence of str
        The wanted names (table titles).
    reserved : sequence of str
        Names already taken (by default the chart sheet).

    Returns
    -------
    list of str
        Names of at most 31 characters without ``[]:*?/\\``, not starting or ending with
        ``'``; a clash gets `` (2)``, `` (3)`` … (the name cut to make room).
    """
    taken = {r.casefold() for r in reserved}
    out: list[str] = []
    for title in titles:
        base = ILLEGAL_CHARACTERS_RE.sub("", title).translate(_SHEET_BAD).strip().strip("'")
        base = base or "Sheet"
        name = base[:_SHEET_MAX].strip()
        n = 1
        while name.casefold() in taken or name.casefold() == "history":
            n += 1
            tail = f" ({n})"
            name = base[: _SHEET_MAX - len(tail)].rstrip() + tail
        taken.add(name.casefold())
        out.append(name)
    return out


def _display_width(text: str) -> int:
    longest = 0
    for line in text.splitlines() or [""]:
        width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        longest = max(longest, width)
    return longest


def _widths(table: Table, total_row: Mapping[str, Any]) -> list[float]:
    widths: list[float] = []
    sample = table.rows[:WIDTH_SAMPLE]
    for column in table.columns:
        longest = max(
            _display_width(column.header),
            _display_width(format_cell(column, total_row.get(column.key))),
            max(
                (_display_width(format_cell(column, r.get(column.key))) for r in sample), default=0
            ),
        )
        widths.append(float(min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH)))
    return widths


def _excel_value(column: Column, value: Any) -> tuple[Any, str | None]:
    """The value openpyxl stores for one cell and its number format (``None``: General)."""
    value = clean_value(value)
    if value is None:
        return None, None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value), None
    if isinstance(value, datetime):
        return wall_clock(value), NUMBER_FORMATS["datetime"]
    if isinstance(value, date):
        return value, DATE_FORMAT
    if is_number(value) and column.kind in NUMBER_FORMATS:
        fmt = NUMBER_FORMATS[column.kind]
        if column.kind == "int" and isinstance(value, float) and not value.is_integer():
            fmt = "0.0"  # a mean of an int column
        return value, fmt
    if is_number(value):
        return value, None
    return str(value), None


def _cell(ws: Any, column: Column, value: Any, grade_key: str | None, *, bold: bool) -> Any:
    value, fmt = _excel_value(column, value)
    grade = grade_of(value) if column.key == grade_key else None
    if fmt is None and grade is None and not bold and not isinstance(value, str):
        return value  # a plain number or blank: no cell object needed
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        # Text from the public must stay text: openpyxl reads a leading "=" as a formula.
        cell.data_type = "s"
        if "\n" in value:
            cell.alignment = _WRAP
    if fmt is not None:
        cell.number_format = fmt
    if grade is not None:
        cell.fill = PatternFill(fill_type="solid", fgColor=_argb(GRADE_COLOURS[grade]))
        cell.font = Font(bold=True, color=_argb(GRADE_TEXT_COLOURS[grade]))
        cell.alignment = _CENTER
    elif bold:
        cell.font = _HEADER_FONT
    if bold:
        cell.border = _TOTAL_BORDER
    return cell


def _write_table(wb: Workbook, name: str, table: Table, report: Report, ticker: Ticker) -> None:
    ws = wb.create_sheet(name)
    total_row = totals(table)
    for i, width in enumerate(_widths(table, total_row), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = table.title
    ws.oddFooter.left.text = report.title
    ws.oddFooter.right.text = "第 &P 页 / 共 &N 页"

    header = []
    for column in table.columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.data_type = "s"
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _CENTER
        header.append(cell)
    ws.append(header)
    for row in table.rows:
        ws.append(
            [_cell(ws, c, row.get(c.key), table.grade_key, bold=False) for c in table.columns]
        )
        ticker.advance()
    ws.append([_cell(ws, c, total_row.get(c.key), None, bold=True) for c in table.columns])
    last = get_column_letter(len(table.columns))
    ws.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"


def _bar_chart(chart: Chart, ws: Any, first_row: int) -> BarChart:
    """A column chart of the data at rows ``first_row`` (header) … ``first_row + n``."""
    n = len(chart.values)
    bar = BarChart()
    bar.type = "col"
    bar.grouping = "clustered"
    bar.title = chart.title
    bar.legend = None
    bar.width = 24.0
    bar.height = 9.0
    data = Reference(ws, min_col=2, min_row=first_row, max_row=first_row + n)
    cats = Reference(ws, min_col=1, min_row=first_row + 1, max_row=first_row + n)
    bar.add_data(data, titles_from_data=True)
    bar.set_categories(cats)
    fmt = NUMBER_FORMATS[chart.value_kind]
    bar.y_axis.numFmt = "0%" if chart.value_kind == "rate" else fmt
    # openpyxl >= 3.1 marks axes deleted by default; Excel then draws no axis labels.
    bar.x_axis.delete = False
    bar.y_axis.delete = False
    series = bar.series[0]
    series.graphicalProperties.solidFill = _BAR_COLOUR
    series.graphicalProperties.line.solidFill = _BAR_COLOUR
    series.dLbls = DataLabelList()
    series.dLbls.showVal = True
    series.dLbls.numFmt = fmt
    return bar


def _write_charts(wb: Workbook, charts: Sequence[Chart], ticker: Ticker) -> None:
    ws = wb.create_sheet(CHART_SHEET)
    ws.column_dimensions["A"].width = 24.0
    ws.column_dimensions["B"].width = 12.0
    row = 1
    for chart in charts:
        title = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", chart.title))
        title.data_type = "s"
        title.font = _TITLE_FONT
        ws.append([title])
        head = []
        for text in ("项目", chart.title):
            cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", text))
            cell.data_type = "s"
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            head.append(cell)
        ws.append(head)
        column = Column("value", chart.title, chart.value_kind)
        for label, value in zip(chart.labels, chart.values, strict=True):
            label_cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", str(label)))
            label_cell.data_type = "s"
            ws.append([label_cell, _cell(ws, column, value, None, bold=False)])
        ws.add_chart(_bar_chart(chart, ws, row + 1), f"D{row}")
        used = 2 + len(chart.values)
        span = max(used + 1, _CHART_ROWS)
        for _ in range(span - used):
            ws.append([])
        row += span
        ticker.advance()


def _discard(wb: Workbook) -> None:
    """Close and delete the temp files of write-only sheets after a failed or cancelled export.

    openpyxl would delete them at interpreter exit; a console runs for days.
    """
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        with contextlib.suppress(Exception):  # best effort: a sheet wb.save already closed
            ws.close()  # ends the row generator, which would otherwise fail when collected
        with contextlib.suppress(OSError, ValueError):
            writer.cleanup()


def write_xlsx(report: Report, path: Path, progress: ProgressFn | None = None) -> Path:
    """Write ``report`` as an XLSX workbook.

    Parameters
    ----------
    report : Report
        What to write.
    path : Path
        The workbook file.
    progress : callable, optional
        ``progress(done, total)`` with ``total`` = all tables' rows + the number of charts;
        returning ``False`` raises :class:`~console.reports.model.Cancelled`.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    Cancelled
        When ``progress`` returned ``False``; ``path`` is not written or replaced.
    """
    path = Path(path)
    ticker = Ticker(report.row_count + len(report.charts), progress)
    wb = Workbook(write_only=True)
    wb.properties.title = report.title
    wb.properties.subject = report.subtitle
    wb.properties.creator = "CityDesk"
    created = report.generated_at
    if created.tzinfo is not None:
        created = created.astimezone(UTC).replace(tzinfo=None)
    wb.properties.created = created
    names = sheet_names([t.title for t in report.tables])
    try:
        with atomic_output(path) as tmp:
            ticker.start()
            for table, name in zip(report.tables, names, strict=True):
                _write_table(wb, name, table, report, ticker)
            if report.charts:
                _write_charts(wb, report.charts, ticker)
            ticker.finish()
            wb.save(tmp)
    except BaseException:
        _discard(wb)
        raise
    return path
