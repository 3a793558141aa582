"""PDF: A4 landscape, painted with Qt (``QPdfWriter`` + ``QPainter``).

Layout: the first page opens with the report title, subtitle and generation time.  The tables
follow one after another, each under its title: numbers right-aligned, long text wrapped, rows
striped, grade cells filled with the grade colour, and the totals row of
:func:`~console.reports.model.totals` at the end.  A row is never split across pages; a table
that continues on a new page repeats its title (``…（续）``) and header row, and a table starts
on a new page when its title, header and first row do not fit.  The charts come last, on new
pages, two to a page, drawn as vector bar charts (:func:`paint_bar_chart`).  Every page has a
footer: the report title and generation time on the left, ``第 n 页 / 共 N 页`` on the right.

Tables are laid out by hand rather than through ``QTextDocument``: its pagination splits rows
across pages and its column widths ignore what the columns hold.  The writer works in two
passes — measure every row and cut the pages, then paint — so the footer knows the page count.

Text is set in :data:`FONT_FAMILIES`, the installed ones first; Qt falls back along the chain
per character, so CJK does not print as boxes when one of them is installed, and embeds the
glyphs it used.

Qt needs a ``QGuiApplication`` for fonts: :func:`write_pdf` calls
:func:`ensure_gui_application`, which creates one when none exists — on the ``offscreen``
platform when ``QT_QPA_PLATFORM`` is unset and there is no display, so a CLI or a test can
write PDFs headless.  The first call must then come from the main thread (the console's own
``QApplication`` already is one).  With an application running, :func:`write_pdf` may run in a
worker thread: it only paints on a ``QPdfWriter``; ``progress`` is then called in that thread.

Progress: ``total`` = 2 × the rows + the charts; rows count once when measured and once when
painted, each chart once when painted.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QPen,
    QRawFont,
)
from PySide6.QtWidgets import QApplication

from console.reports.model import (
    GRADE_COLOURS,
    GRADE_TEXT_COLOURS,
    TOTAL_LABEL,
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
    totals,
)

__all__ = [
    "FONT_FAMILIES",
    "ensure_gui_application",
    "fix_text_layer",
    "font_families",
    "paint_bar_chart",
    "radical_ideographs",
    "write_pdf",
]

#: The font chain, best first: Linux (Noto, WenQuanYi), Windows, macOS.
FONT_FAMILIES: Final = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC")
RESOLUTION: Final = 300  # dpi of the PDF's coordinate system
MARGINS_MM: Final = QMarginsF(12.0, 10.0, 12.0, 8.0)
FOOTER_MM: Final = 8.0
CHARTS_PER_PAGE: Final = 2
BODY_PT: Final = 8.5

_TEXT = "#212121"
_MUTED = "#616161"
_RULE = "#bdbdbd"
_STRONG_RULE = "#757575"
_HEADER_BG = "#e0e0e0"
_STRIPE_BG = "#f5f5f5"
_TOTAL_BG = "#eeeeee"
_BAR = "#1565c0"
_GRID = "#e0e0e0"
_NUMERIC = ("int", "rate", "score")

_app: QGuiApplication | None = None  # the application this module created, kept alive

_Align = Qt.AlignmentFlag
# Text is measured and painted in the cell less its padding plus this (device pixels, 1/300 in)
# on each side, and natural widths get it too: text that exactly fits never wraps when painted.
_SLACK = 1.0
_WORD_WRAP = int(Qt.TextFlag.TextWordWrap)
_ANY_WRAP = int(Qt.TextFlag.TextWrapAnywhere)


def ensure_gui_application() -> QGuiApplication:
    """The running ``QGuiApplication``, created (headless if need be) when there is none.

    Returns
    -------
    QGuiApplication
        The existing application (a ``QApplication`` is one) or a new ``QApplication`` — a
        widgets application, so that a console or a test opened later in the same process
        finds the application it needs.  A new one uses the
        ``offscreen`` platform when ``QT_QPA_PLATFORM`` is unset and, on Linux, neither
        ``DISPLAY`` nor ``WAYLAND_DISPLAY`` is set (Qt would abort otherwise).

    Raises
    ------
    RuntimeError
        When a non-GUI ``QCoreApplication`` is running: fonts need a GUI application.
    """
    global _app
    existing = QGuiApplication.instance()
    if existing is not None:
        if not isinstance(existing, QGuiApplication):
            raise RuntimeError("a QCoreApplication is running; PDF reports need QGuiApplication")
        return existing
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if headless and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    _app = QApplication(sys.argv[:1] or ["citydesk"])
    return _app


def font_families() -> list[str]:
    """:data:`FONT_FAMILIES`, the installed ones first (the whole chain stays as fallback)."""
    installed = set(QFontDatabase.families())
    return sorted(FONT_FAMILIES, key=lambda family: family not in installed)


def _font(point_size: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(font_families())
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def _mm(mm: float) -> float:
    """Millimetres in PDF device pixels."""
    return mm / 25.4 * RESOLUTION


# --------------------------------------------------------------------------- table layout


@dataclass
class _Fonts:
    """The fonts of the body and their metrics on the PDF device."""

    device: QPaintDevice
    body: QFont = field(init=False)
    bold: QFont = field(init=False)
    body_fm: QFontMetricsF = field(init=False)
    bold_fm: QFontMetricsF = field(init=False)
    pad: float = field(init=False)

    def __post_init__(self) -> None:
        self.body = _font(BODY_PT)
        self.bold = _font(BODY_PT, bold=True)
        self.body_fm = QFontMetricsF(self.body, self.device)
        self.bold_fm = QFontMetricsF(self.bold, self.device)
        self.pad = _mm(1.2)

    def metrics(self, bold: bool) -> QFontMetricsF:
        """The metrics of the bold or the regular body font."""
        return self.bold_fm if bold else self.body_fm


def _wrap_flags(fm: QFontMetricsF, width: float, text: str) -> int:
    """Word wrap, or wrap anywhere when a word (a URL, a long code) is wider than the cell."""
    box = fm.boundingRect(QRectF(0.0, 0.0, width, 1e7), _WORD_WRAP, text)
    return _ANY_WRAP if box.width() > width + 0.5 else _WORD_WRAP


def _text_height(fm: QFontMetricsF, width: float, text: str) -> float:
    if not text or ("\n" not in text and fm.horizontalAdvance(text) <= width):
        return fm.height()
    flags = _wrap_flags(fm, width, text)
    return fm.boundingRect(QRectF(0.0, 0.0, width, 1e7), flags, text).height()


@dataclass
class _TableLayout:
    """A table measured for the page: column widths, header, row and totals heights."""

    table: Table
    widths: list[float]
    header_h: float
    row_hs: list[float]
    total_row: dict[str, Any]
    total_h: float


def _column_widths(
    table: Table, total_row: dict[str, Any], fonts: _Fonts, avail: float
) -> list[float]:
    """Widths filling ``avail``: unwrapped columns at their natural width, text shares the rest."""
    pad2 = 2 * fonts.pad
    sample = table.rows[:2000]
    natural: list[float] = []
    minimum: list[float] = []
    for column in table.columns:
        header_w = max(
            (fonts.bold_fm.horizontalAdvance(line) for line in column.header.splitlines()),
            default=0.0,
        )
        widest = max(
            (
                fonts.body_fm.horizontalAdvance(line)
                for row in sample
                for line in format_cell(column, row.get(column.key)).splitlines()
            ),
            default=0.0,
        )
        widest = max(
            widest, fonts.bold_fm.horizontalAdvance(format_cell(column, total_row.get(column.key)))
        )
        natural.append(max(header_w, widest) + pad2 + _SLACK)
        # Text may wrap down to four characters (or its header); other kinds never wrap.
        floor = (
            min(header_w, fonts.body_fm.horizontalAdvance("中" * 4))
            if column.kind == "text"
            else widest
        )
        minimum.append(
            min(natural[-1], max(floor, fonts.body_fm.horizontalAdvance("中" * 2)) + pad2)
        )
    if sum(natural) <= avail:
        scale = avail / sum(natural)
        return [w * scale for w in natural]
    widths = list(minimum)
    # Water-fill the space left over the minimums: narrow wants are met first.
    spare = avail - sum(minimum)
    wanting = sorted(range(len(natural)), key=lambda i: natural[i] - minimum[i])
    while wanting and spare > 0:
        share = spare / len(wanting)
        i = wanting[0]
        want = natural[i] - widths[i]
        if want <= share:
            widths[i] = natural[i]
            spare -= want
            wanting.pop(0)
        else:
            for j in wanting:
                widths[j] += share
            spare = 0.0
    if sum(widths) > avail:  # even the minimums do not fit: shrink everything
        scale = avail / sum(widths)
        widths = [w * scale for w in widths]
    return widths


def _row_height(
    cells: Sequence[str], widths: Sequence[float], fm: QFontMetricsF, pad: float
) -> float:
    return (
        max(_text_height(fm, w - 2 * (pad - _SLACK), t) for t, w in zip(cells, widths, strict=True))
        + 2 * pad
    )


def _measure(table: Table, fonts: _Fonts, avail: float, ticker: Ticker) -> _TableLayout:
    total_row = totals(table)
    widths = _column_widths(table, total_row, fonts, avail)
    columns = table.columns
    header_h = _row_height([c.header for c in columns], widths, fonts.bold_fm, fonts.pad)
    row_hs: list[float] = []
    for row in table.rows:
        texts = [format_cell(c, row.get(c.key)) for c in columns]
        row_hs.append(_row_height(texts, widths, fonts.body_fm, fonts.pad))
        ticker.advance()
    texts = [format_cell(c, total_row.get(c.key)) for c in columns]
    total_h = _row_height(texts, widths, fonts.bold_fm, fonts.pad)
    return _TableLayout(table, widths, header_h, row_hs, total_row, total_h)


# --------------------------------------------------------------------------- pages


@dataclass
class _Op:
    """One thing to paint on a page at height ``y``.

    ``kind`` is ``"head"`` (the report header), ``"title"``, ``"header"``, ``"row"`` (``index``
    is the row), ``"totals"`` or ``"chart"`` (``index`` is the chart).  ``continued`` marks a
    title repeated on a new page; ``clipped`` a row cut to the page.
    """

    kind: str
    y: float
    h: float
    layout: _TableLayout | None = None
    index: int = 0
    continued: bool = False
    clipped: bool = False


@dataclass
class _Headings:
    """Fonts and heights of the report header block and the table titles."""

    device: QPaintDevice
    title: QFont = field(init=False)
    subtitle: QFont = field(init=False)
    small: QFont = field(init=False)
    table_title: QFont = field(init=False)

    def __post_init__(self) -> None:
        self.title = _font(18.0, bold=True)
        self.subtitle = _font(11.0)
        self.small = _font(8.5)
        self.table_title = _font(12.0, bold=True)

    def height(self, font: QFont) -> float:
        """The line height of ``font`` on the device."""
        return QFontMetricsF(font, self.device).height()

    def head_lines(self, report: Report) -> list[tuple[QFont, str, str]]:
        """The header block: (font, colour, text) per line."""
        lines = [(self.title, _TEXT, report.title)]
        if report.subtitle:
            lines.append((self.subtitle, _MUTED, report.subtitle))
        lines.append((self.small, _MUTED, f"生成时间：{report.generated_at:%Y-%m-%d %H:%M}"))
        return lines

    def head_height(self, report: Report) -> float:
        """The height of the header block, spacing below included."""
        return sum(self.height(f) * 1.25 for f, _, _ in self.head_lines(report)) + _mm(3.0)

    def title_height(self) -> float:
        """The height of a table title band."""
        return self.height(self.table_title) * 1.5


def _paginate(
    report: Report, layouts: Sequence[_TableLayout], headings: _Headings, body_h: float
) -> list[list[_Op]]:
    pages: list[list[_Op]] = [[]]
    y = 0.0
    head_h = headings.head_height(report)
    pages[0].append(_Op("head", 0.0, head_h))
    y = head_h
    title_h = headings.title_height()

    def new_page() -> None:
        nonlocal y
        pages.append([])
        y = 0.0

    def start_table(layout: _TableLayout, continued: bool) -> None:
        nonlocal y
        pages[-1].append(_Op("title", y, title_h, layout, continued=continued))
        y += title_h
        pages[-1].append(_Op("header", y, layout.header_h, layout))
        y += layout.header_h

    for n, layout in enumerate(layouts):
        if n:
            y += _mm(6.0)
        first_h = layout.row_hs[0] if layout.row_hs else layout.total_h
        if y > 0 and y + title_h + layout.header_h + first_h > body_h:
            new_page()
        start_table(layout, continued=False)
        bands = [("row", i, h) for i, h in enumerate(layout.row_hs)]
        bands.append(("totals", 0, layout.total_h))
        for kind, index, h in bands:
            if y + h > body_h and y > title_h + layout.header_h:
                new_page()
                start_table(layout, continued=True)
            # A row taller than a page is cut: its cells clip the text, shown from the top.
            clipped = h > body_h - y
            pages[-1].append(_Op(kind, y, min(h, body_h - y), layout, index, clipped=clipped))
            y += h
    chart_h = body_h / CHARTS_PER_PAGE
    for index in range(len(report.charts)):
        if index % CHARTS_PER_PAGE == 0:
            new_page()
        slot = index % CHARTS_PER_PAGE
        pages[-1].append(_Op("chart", slot * chart_h, chart_h, index=index))
    return pages


def _cell_style(
    column: Column, value: Any, grade_key: str | None
) -> tuple[Qt.AlignmentFlag, str | None, str]:
    """Alignment, fill (or ``None``) and text colour of a body cell."""
    grade = grade_of(clean_value(value)) if column.key == grade_key else None
    if grade is not None:
        return _Align.AlignHCenter, GRADE_COLOURS[grade], GRADE_TEXT_COLOURS[grade]
    if column.kind in _NUMERIC:
        return _Align.AlignRight, None, _TEXT
    if column.kind == "datetime":
        return _Align.AlignHCenter, None, _TEXT
    return _Align.AlignLeft, None, _TEXT


class _Painter:
    """Paints the ops of one page."""

    def __init__(
        self, painter: QPainter, report: Report, fonts: _Fonts, headings: _Headings, width: float
    ) -> None:
        self.p = painter
        self.report = report
        self.fonts = fonts
        self.headings = headings
        self.width = width
        self.thin = QPen(QColor(_RULE), _mm(0.12))
        self.strong = QPen(QColor(_STRONG_RULE), _mm(0.25))
        for pen in (self.thin, self.strong):
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)

    def paint(self, op: _Op, chart_area: Callable[[float, float], QRectF]) -> None:
        """Paint one op (``chart_area(y, h)`` gives a chart's rectangle)."""
        if op.kind == "head":
            self._head(op)
        elif op.kind == "chart":
            paint_bar_chart(self.p, chart_area(op.y, op.h), self.report.charts[op.index])
        else:
            assert op.layout is not None
            if op.kind == "title":
                self._title(op, op.layout)
            elif op.kind == "header":
                self._header(op, op.layout)
            elif op.kind == "row":
                self._row(op, op.layout)
            else:
                self._totals(op, op.layout)

    def _head(self, op: _Op) -> None:
        y = op.y
        for font, colour, text in self.headings.head_lines(self.report):
            h = self.headings.height(font) * 1.25
            self.p.setFont(font)
            self.p.setPen(QColor(colour))
            self.p.drawText(
                QRectF(0.0, y, self.width, h), _Align.AlignLeft | _Align.AlignVCenter, text
            )
            y += h

    def _title(self, op: _Op, layout: _TableLayout) -> None:
        text = layout.table.title + ("（续）" if op.continued else "")
        self.p.setFont(self.headings.table_title)
        self.p.setPen(QColor(_TEXT))
        self.p.drawText(
            QRectF(0.0, op.y, self.width, op.h), _Align.AlignLeft | _Align.AlignVCenter, text
        )

    def _cells(
        self,
        op: _Op,
        layout: _TableLayout,
        cells: Sequence[tuple[str, Qt.AlignmentFlag, str | None, str]],
        *,
        bold: bool,
    ) -> None:
        p, pad = self.p, self.fonts.pad
        fm = self.fonts.metrics(bold)
        p.setFont(self.fonts.bold if bold else self.fonts.body)
        x = 0.0
        for (text, align, fill, colour), w in zip(cells, layout.widths, strict=True):
            rect = QRectF(x, op.y, w, op.h)
            if fill is not None:
                p.fillRect(rect, QColor(fill))
            if text:
                inner = rect.adjusted(pad - _SLACK, pad, _SLACK - pad, -pad)
                vertical = _Align.AlignTop if op.clipped else _Align.AlignVCenter
                flags = int(align | vertical) | _wrap_flags(fm, inner.width(), text)
                p.setPen(QColor(colour))
                p.save()
                p.setClipRect(rect)
                p.drawText(inner, flags, text)
                p.restore()
            x += w
        p.setPen(self.thin)
        x = 0.0
        for w in [0.0, *layout.widths]:
            x += w
            p.drawLine(QPointF(x, op.y), QPointF(x, op.y + op.h))
        p.drawLine(QPointF(0.0, op.y + op.h), QPointF(x, op.y + op.h))

    def _header(self, op: _Op, layout: _TableLayout) -> None:
        row_w = sum(layout.widths)
        self.p.fillRect(QRectF(0.0, op.y, row_w, op.h), QColor(_HEADER_BG))
        cells = [(c.header, _Align.AlignHCenter, None, _TEXT) for c in layout.table.columns]
        self._cells(op, layout, cells, bold=True)
        self.p.setPen(self.strong)
        self.p.drawLine(QPointF(0.0, op.y), QPointF(row_w, op.y))
        self.p.drawLine(QPointF(0.0, op.y + op.h), QPointF(row_w, op.y + op.h))

    def _row(self, op: _Op, layout: _TableLayout) -> None:
        table = layout.table
        row = table.rows[op.index]
        if op.index % 2:
            self.p.fillRect(QRectF(0.0, op.y, sum(layout.widths), op.h), QColor(_STRIPE_BG))
        cells = []
        for column in table.columns:
            value = row.get(column.key)
            align, fill, colour = _cell_style(column, value, table.grade_key)
            cells.append((format_cell(column, value), align, fill, colour))
        self._cells(op, layout, cells, bold=False)

    def _totals(self, op: _Op, layout: _TableLayout) -> None:
        row_w = sum(layout.widths)
        self.p.fillRect(QRectF(0.0, op.y, row_w, op.h), QColor(_TOTAL_BG))
        cells = []
        for column in layout.table.columns:
            value = layout.total_row.get(column.key)
            align, _, _ = _cell_style(column, value, None)
            if value == TOTAL_LABEL:
                align = _Align.AlignHCenter
            cells.append((format_cell(column, value), align, None, _TEXT))
        self._cells(op, layout, cells, bold=True)
        self.p.setPen(self.strong)
        self.p.drawLine(QPointF(0.0, op.y), QPointF(row_w, op.y))
        self.p.drawLine(QPointF(0.0, op.y + op.h), QPointF(row_w, op.y + op.h))

    def footer(self, rect: QRectF, page: int, pages: int) -> None:
        """The page footer: report title and time left, ``第 n 页 / 共 N 页`` right."""
        p = self.p
        font = _font(8.0)
        fm = QFontMetricsF(font, p.device())
        p.setFont(font)
        p.setPen(self.thin)
        p.drawLine(rect.topLeft(), rect.topRight())
        p.setPen(QColor(_MUTED))
        text_rect = rect.adjusted(0.0, _mm(1.0), 0.0, 0.0)
        left = f"{self.report.title}　生成时间 {self.report.generated_at:%Y-%m-%d %H:%M}"
        left = fm.elidedText(left, Qt.TextElideMode.ElideRight, rect.width() * 0.7)
        p.drawText(text_rect, _Align.AlignLeft | _Align.AlignTop, left)
        p.drawText(text_rect, _Align.AlignRight | _Align.AlignTop, f"第 {page} 页 / 共 {pages} 页")


# --------------------------------------------------------------------------- charts


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering ``lo``–``hi`` (steps of 1, 2, 2.5 or 5 × 10ⁿ)."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * magnitude >= raw)
    first = math.floor(lo / step + 1e-9) * step
    last = math.ceil(hi / step - 1e-9) * step
    n = round((last - first) / step)
    return [first + i * step for i in range(n + 1)]


def _tick_text(value: float, step: float, value_kind: str) -> str:
    scale = 100.0 if value_kind == "rate" else 1.0
    decimals = max(0, -math.floor(math.log10(step * scale) + 1e-9))
    if round(step * scale * 10**decimals, 6) % 1:
        decimals += 1  # 2.5-steps need one more digit
    text = f"{value * scale:.{decimals}f}"
    return text + "%" if value_kind == "rate" else text


def paint_bar_chart(painter: QPainter, rect: QRectF, chart: Chart) -> None:
    """Draw ``chart`` as vertical bars inside ``rect``: title, grid, value and axis labels.

    Parameters
    ----------
    painter : QPainter
        An active painter (a PDF page or a ``QImage``); font sizes follow its device's dpi.
    rect : QRectF
        The area to fill, in the painter's coordinates.
    chart : Chart
        The chart.  ``None``/NaN values draw no bar; labels too long for their slot are drawn
        at 45° and elided; value labels are left out when they do not fit their slot.
    """
    device = painter.device()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    title_font = _font(12.0, bold=True)
    label_font = _font(8.0)
    value_font = _font(7.5)
    title_fm = QFontMetricsF(title_font, device)
    label_fm = QFontMetricsF(label_font, device)
    value_fm = QFontMetricsF(value_font, device)
    gap = label_fm.height() * 0.5
    dpi = device.logicalDpiY()
    line = dpi / 25.4 * 0.15  # a 0.15 mm hairline on any device

    painter.setFont(title_font)
    painter.setPen(QColor(_TEXT))
    title_rect = QRectF(rect.left(), rect.top(), rect.width(), title_fm.height() * 1.6)
    painter.drawText(title_rect, _Align.AlignCenter, chart.title)

    values = [clean_value(v) for v in chart.values]
    present = [float(v) for v in values if v is not None]
    ticks = _nice_ticks(min([0.0, *present]), max([0.0, *present]))
    lo, hi = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0]
    tick_texts = [_tick_text(t, step, chart.value_kind) for t in ticks]
    axis_w = max(label_fm.horizontalAdvance(t) for t in tick_texts) + gap

    n = max(len(chart.labels), 1)
    plot_left = rect.left() + axis_w
    slot = (rect.right() - plot_left) / n
    widest = max((label_fm.horizontalAdvance(str(s)) for s in chart.labels), default=0.0)
    rotated = widest > slot * 0.95
    if rotated:
        room = rect.height() * 0.3 - label_fm.height()
        label_len = min(widest, room / math.sin(math.pi / 4))
        labels_h = label_len * math.sin(math.pi / 4) + label_fm.height()
    else:
        label_len = slot
        labels_h = label_fm.height() * 1.4
    plot_top = title_rect.bottom() + value_fm.height()
    plot = QRectF(
        plot_left, plot_top, rect.right() - plot_left, rect.bottom() - labels_h - plot_top
    )

    def y_of(value: float) -> float:
        return plot.bottom() - (value - lo) / (hi - lo) * plot.height()

    painter.setFont(label_font)
    for tick, text in zip(ticks, tick_texts, strict=True):
        y = y_of(tick)
        painter.setPen(QPen(QColor(_GRID), line))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(QColor(_MUTED))
        painter.drawText(
            QRectF(rect.left(), y - label_fm.height() / 2, axis_w - gap, label_fm.height()),
            _Align.AlignRight | _Align.AlignVCenter,
            text,
        )

    value_column = Column("value", chart.title, chart.value_kind)
    bar_w = slot * 0.6
    zero_y = y_of(0.0)
    for i, (label, value) in enumerate(zip(chart.labels, values, strict=True)):
        centre = plot.left() + slot * (i + 0.5)
        if value is not None:
            top, bottom = sorted((y_of(float(value)), zero_y))
            painter.fillRect(QRectF(centre - bar_w / 2, top, bar_w, bottom - top), QColor(_BAR))
            text = format_cell(value_column, value)
            if value_fm.horizontalAdvance(text) <= slot:
                painter.setFont(value_font)
                painter.setPen(QColor(_TEXT))
                y = top - value_fm.height() if value >= 0 else bottom
                painter.drawText(
                    QRectF(centre - slot / 2, y, slot, value_fm.height()), _Align.AlignCenter, text
                )
        painter.setFont(label_font)
        painter.setPen(QColor(_TEXT))
        shown = label_fm.elidedText(str(label), Qt.TextElideMode.ElideRight, label_len)
        if rotated:
            painter.save()
            painter.translate(centre, plot.bottom() + gap * 0.5)
            painter.rotate(-45.0)
            painter.drawText(
                QRectF(-label_len, -label_fm.height() / 2, label_len, label_fm.height()),
                _Align.AlignRight | _Align.AlignVCenter,
                shown,
            )
            painter.restore()
        else:
            painter.drawText(
                QRectF(centre - slot / 2, plot.bottom() + gap * 0.3, slot, label_fm.height()),
                _Align.AlignHCenter | _Align.AlignTop,
                shown,
            )
    painter.setPen(QPen(QColor(_MUTED), line * 1.5))
    painter.drawLine(QPointF(plot.left(), zero_y), QPointF(plot.right(), zero_y))
    painter.drawLine(QPointF(plot.left(), plot.top()), QPointF(plot.left(), plot.bottom()))
    painter.restore()


# --------------------------------------------------------------------------- text layer

# Qt writes each embedded font's ToUnicode map (what copy, search and pdftotext see) by giving
# every glyph the LOWEST code point the font maps to it.  Noto Sans CJK maps the Kangxi radicals
# (U+2F00–) and CJK radical supplement (U+2E80–) to the glyphs of the ideographs they look like,
# so 一 生 至 页 水 大 … come out as ⼀ ⽣ ⾄ ⻚ ⽔ ⼤: the PDF looks right but searching it for
# 自来水 or 大队 finds nothing.  After painting, the writer rewrites those maps to the ideographs
# and appends them as a PDF incremental update (new objects, xref section and trailer).

_RADICALS: Final = range(0x2E80, 0x2FE0)
_IDEOGRAPHS: Final = (range(0x4E00, 0xA000), range(0x3400, 0x4DC0))
_TO_UNICODE_REF = re.compile(rb"/ToUnicode\s+(\d+)\s+0\s+R")
_CMAP_SECTION = re.compile(rb"\d+\s+begin(bfchar|bfrange)\b(.*?)\bend\1", re.S)
_CMAP_TOKEN = re.compile(rb"<([0-9A-Fa-f]*)>|\[|\]")


@functools.cache
def radical_ideographs() -> Mapping[int, str]:
    """Radical code point → the unified ideograph with the same glyph in the installed fonts.

    Kangxi radicals come from their Unicode compatibility decomposition; the radical supplement
    (which has none, e.g. ⻚ U+2EDA for 页) from the glyphs the :data:`FONT_FAMILIES` fonts share.
    Needs a ``QGuiApplication``.
    """
    mapping: dict[int, str] = {}
    for code in _RADICALS:
        unified = unicodedata.normalize("NFKC", chr(code))
        if unified != chr(code) and len(unified) == 1:
            mapping[code] = unified
    radicals = "".join(chr(c) for c in _RADICALS)
    ideographs = "".join(chr(c) for c in itertools.chain(*_IDEOGRAPHS))
    installed = set(QFontDatabase.families())
    for family in FONT_FAMILIES:
        if family not in installed:
            continue
        raw = QRawFont.fromFont(QFont(family))
        if not raw.isValid():
            continue
        first: dict[int, str] = {}
        for char, glyph in zip(ideographs, raw.glyphIndexesForString(ideographs), strict=True):
            if glyph and glyph not in first:
                first[glyph] = char
        for char, glyph in zip(radicals, raw.glyphIndexesForString(radicals), strict=True):
            if glyph in first:
                mapping.setdefault(ord(char), first[glyph])
    return mapping


def _remap_cmap(cmap: bytes, mapping: Mapping[int, str]) -> bytes:
    """``cmap`` (a ToUnicode CMap) with ``mapping`` applied to its targets, as bfchar entries."""
    sections = list(_CMAP_SECTION.finditer(cmap))
    if not sections:
        return cmap
    entries: list[tuple[int, int, str]] = []  # (code, hex width, text)
    for section in sections:
        tokens = [m.group(0) for m in _CMAP_TOKEN.finditer(section.group(2))]
        i = 0
        while i < len(tokens):
            if section.group(1) == b"bfchar":
                src, dst = tokens[i : i + 2]
                entries.append((int(src[1:-1], 16), len(src) - 2, _utf16(dst)))
                i += 2
                continue
            lo, hi = tokens[i : i + 2]
            width, first, last = len(lo) - 2, int(lo[1:-1], 16), int(hi[1:-1], 16)
            if tokens[i + 2] == b"[":
                end = tokens.index(b"]", i + 3)
                for offset, dst in enumerate(tokens[i + 3 : end]):
                    entries.append((first + offset, width, _utf16(dst)))
                i = end + 1
            else:
                base = _utf16(tokens[i + 2])
                for offset in range(last - first + 1):
                    text = base[:-1] + chr(ord(base[-1]) + offset) if base else base
                    entries.append((first + offset, width, text))
                i += 3
    fixed = [(code, width, text.translate(mapping)) for code, width, text in entries]
    if fixed == entries:
        return cmap
    body = bytearray()
    for start in range(0, len(fixed), 100):  # at most 100 entries per section (PDF 9.10.3)
        chunk = fixed[start : start + 100]
        body += b"%d beginbfchar\n" % len(chunk)
        for code, width, text in chunk:
            body += b"<%0*X> <%s>\n" % (
                width,
                code,
                text.encode("utf-16-be").hex().upper().encode(),
            )
        body += b"endbfchar\n"
    return cmap[: sections[0].start()] + bytes(body) + cmap[sections[-1].end() :].lstrip(b"\n")


def _utf16(token: bytes) -> str:
    return bytes.fromhex(token[1:-1].decode()).decode("utf-16-be", errors="replace")


def fix_text_layer(pdf: bytes, mapping: Mapping[int, str]) -> bytes:
    """``pdf`` with its ToUnicode maps remapped by ``mapping``, as an incremental update.

    Parameters
    ----------
    pdf : bytes
        A PDF as ``QPdfWriter`` writes it (uncompressed ToUnicode streams, classic xref table).
    mapping : mapping
        Code point → replacement text (:func:`radical_ideographs`).

    Returns
    -------
    bytes
        ``pdf`` unchanged when no map needs fixing or the file is not laid out as expected;
        otherwise ``pdf`` followed by the fixed map objects, an xref section and a trailer
        whose ``/Prev`` points to the original xref.
    """
    updates: dict[int, bytes] = {}
    for number in sorted({int(m.group(1)) for m in _TO_UNICODE_REF.finditer(pdf)}):
        head = re.search(
            rb"(?:^|[\r\n])%d 0 obj\s*<<\s*/Length (\d+)\s*>>\s*stream\r?\n" % number, pdf
        )
        if head is None:  # compressed, or an indirect length: leave it
            continue
        cmap = pdf[head.end() : head.end() + int(head.group(1))]
        fixed = _remap_cmap(cmap, mapping)
        if fixed != cmap:
            updates[number] = fixed
    trailers = re.findall(rb"trailer\s*<<(.*?)>>\s*startxref\s+(\d+)", pdf, re.S)
    if not updates or not trailers:
        return pdf
    trailer, previous = trailers[-1]
    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets: dict[int, int] = {}
    for number, cmap in updates.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n<< /Length %d >>\nstream\n" % (number, len(cmap))
        out += cmap + b"\nendstream\nendobj\n"
    xref = len(out)
    out += b"xref\n"
    for number, offset in offsets.items():
        out += b"%d 1\n%010d 00000 n \n" % (number, offset)
    trailer = re.sub(rb"/Prev\s+\d+", b"", trailer).strip()
    out += b"trailer\n<< %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, int(previous), xref)
    return bytes(out)


# --------------------------------------------------------------------------- writer


def _pdf_writer(path: Path, report: Report) -> QPdfWriter:
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            MARGINS_MM,
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(report.title)
    writer.setCreator("CityDesk")
    return writer


def write_pdf(report: Report, path: Path, progress: ProgressFn | None = None) -> Path:
    """Write ``report`` as an A4 landscape PDF.

    Parameters
    ----------
    report : Report
        What to write.
    path : Path
        The PDF file.
    progress : callable, optional
        ``progress(done, total)`` with ``total`` = 2 × all tables' rows + the number of
        charts; returning ``False`` raises :class:`~console.reports.model.Cancelled`.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    Cancelled
        When ``progress`` returned ``False``; ``path`` is not written or replaced.
    OSError
        When the file cannot be written.
    """
    path = Path(path)
    ensure_gui_application()
    ticker = Ticker(2 * report.row_count + len(report.charts), progress)
    with atomic_output(path) as tmp:
        writer = _pdf_writer(tmp, report)
        width, height = float(writer.width()), float(writer.height())
        body_h = height - _mm(FOOTER_MM)
        fonts = _Fonts(writer)
        headings = _Headings(writer)
        ticker.start()
        layouts = [_measure(t, fonts, width, ticker) for t in report.tables]
        pages = _paginate(report, layouts, headings, body_h)

        painter = QPainter()
        if not painter.begin(writer):
            raise OSError(f"cannot write {path}")
        try:
            page_painter = _Painter(painter, report, fonts, headings, width)
            footer = QRectF(0.0, body_h + _mm(2.0), width, _mm(FOOTER_MM) - _mm(2.0))

            def chart_area(y: float, h: float) -> QRectF:
                return QRectF(0.0, y, width, h).adjusted(0.0, _mm(4.0), 0.0, -_mm(4.0))

            for number, ops in enumerate(pages, start=1):
                if number > 1:
                    writer.newPage()
                for op in ops:
                    page_painter.paint(op, chart_area)
                    if op.kind in ("row", "chart"):
                        ticker.advance()
                page_painter.footer(footer, number, len(pages))
            ticker.finish()
        finally:
            painter.end()
        del writer
        tmp.write_bytes(fix_text_layer(tmp.read_bytes(), radical_ideographs()))
    return path
