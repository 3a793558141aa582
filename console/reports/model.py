"""The report model every writer renders: typed tables and bar charts, and the totals row.

The evaluation (or any other producer) builds a :class:`Report` of :class:`Table` and
:class:`Chart` values; ``csv_writer``, ``xlsx_writer`` and ``pdf_writer`` render it without
knowing how a number was computed.  Everything here is pure Python (no Qt, no openpyxl), so the
model can be built and tested anywhere.

Value conventions, shared by every writer:

* ``rate`` values are fractions 0–1, shown as percentages with one decimal (``0.9125`` →
  ``91.3%``); ``score`` values are shown with one decimal; ``int`` values as integers;
  ``datetime`` values (``datetime`` or ``date``) as ``2025-03-31 17:05`` / ``2025-03-31`` in
  their *own* wall-clock time — pass them already converted to the centre's zone.
* ``None``, NaN and infinities are "no value": blank in every format, skipped by totals.
* The column named by ``Table.grade_key`` holds grades A–E, filled with :data:`GRADE_COLOURS`.
* :func:`totals` is the one totals row every writer prints; :func:`format_cell` is the one text
  rendering CSV and PDF print (XLSX stores the raw value with a number format instead).

The module also holds the two helpers the writers share: :class:`Ticker` (progress and
cancellation) and :func:`atomic_output` (temp file in the same folder, renamed at the end).
"""

from __future__ import annotations

import math
import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Final

#: ``progress(done, total)``: called as rows are written; return ``False`` to cancel.
ProgressFn = Callable[[int, int], bool]

KINDS: Final = ("text", "int", "rate", "score", "datetime")
TOTAL_FUNCS: Final = ("sum", "mean")
CHART_KINDS: Final = ("bar",)
#: The kinds a chart's values may have (how axis and value labels are formatted).
CHART_VALUE_KINDS: Final = ("int", "rate", "score")

#: Fill colour of a grade cell: A 绿, B 蓝, C 黄, D 红, E 黑.
GRADE_COLOURS: Final[Mapping[str, str]] = {
    "A": "#2e7d32",
    "B": "#1565c0",
    "C": "#f9a825",
    "D": "#c62828",
    "E": "#212121",
}
#: Text colour on a grade fill: white, but dark on the yellow C so it stays readable.
GRADE_TEXT_COLOURS: Final[Mapping[str, str]] = {
    "A": "#ffffff",
    "B": "#ffffff",
    "C": "#212121",
    "D": "#ffffff",
    "E": "#ffffff",
}
#: The label of the totals row, printed in the first column when that column has no total.
TOTAL_LABEL: Final = "合计"
_TENTH: Final = Decimal("0.1")
# C0 controls but tab, LF and CR: not allowed in XLSX, drawn as boxes in PDF.
_CONTROL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Cancelled(Exception):  # noqa: N818 - the name the callers use
    """The export was cancelled by its progress callback; no file was left behind."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a :class:`Table`.

    Parameters
    ----------
    key : str
        The key of the value in each row mapping.
    header : str
        The heading printed above the column.
    kind : str
        ``"text"``, ``"int"``, ``"rate"`` (fraction 0–1, shown as a percentage), ``"score"``
        (one decimal) or ``"datetime"`` (``datetime`` or ``date``).
    total : str or None
        ``"sum"`` or ``"mean"`` (unweighted mean of the rows' values) for the totals row, or
        ``None`` for no total.
    """

    key: str
    header: str
    kind: str = "text"
    total: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key!r}: unknown kind {self.kind!r}; one of {KINDS}")
        if self.total is not None and self.total not in TOTAL_FUNCS:
            raise ValueError(
                f"column {self.key!r}: unknown total {self.total!r}; one of {TOTAL_FUNCS}"
            )


@dataclass(frozen=True, slots=True)
class Table:
    """A titled table: columns, and rows as mappings from column key to value.

    Parameters
    ----------
    title : str
        The table's title (the XLSX sheet name, cut to 31 characters; the CSV file's slug).
    columns : sequence of Column
        The columns in print order; keys must be unique.
    rows : sequence of mapping
        One mapping per row; a missing key is a blank cell, extra keys are ignored.
    grade_key : str or None
        The key of the column holding grades A–E, coloured with :data:`GRADE_COLOURS`.
    mean_skip : str or None
        The key of a row value that, when set (not None, not ""), leaves the row out of every
        ``"mean"`` total; its ``"sum"`` totals still count it.  A league table marks the
        objects with nothing due so that their scores do not lift the average.
    """

    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    grade_key: str | None = None
    mean_skip: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "rows", tuple(self.rows))
        if not self.columns:
            raise ValueError(f"table {self.title!r} has no columns")
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"table {self.title!r}: duplicate column keys in {keys}")
        if self.grade_key is not None and self.grade_key not in keys:
            raise ValueError(f"table {self.title!r}: grade_key {self.grade_key!r} is no column")


@dataclass(frozen=True, slots=True)
class Chart:
    """A bar chart: one bar per label.

    Parameters
    ----------
    title : str
        The chart's title.
    labels : sequence of str
        The category labels, left to right.
    values : sequence of float
        One value per label; ``None``/NaN draws no bar.
    kind : str
        ``"bar"`` (vertical bars) — the only kind so far.
    value_kind : str
        How values are labelled: ``"score"`` (one decimal, the default), ``"rate"`` (fractions
        shown as percentages) or ``"int"``.
    """

    title: str
    labels: Sequence[str]
    values: Sequence[float]
    kind: str = "bar"
    value_kind: str = "score"

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "values", tuple(self.values))
        if len(self.labels) != len(self.values):
            raise ValueError(
                f"chart {self.title!r}: {len(self.labels)} labels but {len(self.values)} values"
            )
        if self.kind not in CHART_KINDS:
            raise ValueError(f"chart {self.title!r}: unknown kind {self.kind!r}")
        if self.value_kind not in CHART_VALUE_KINDS:
            raise ValueError(f"chart {self.title!r}: unknown value_kind {self.value_kind!r}")


@dataclass(frozen=True, slots=True)
class Report:
    """A report: a header, then tables, then charts.

    Parameters
    ----------
    title : str
        E.g. ``开化县数字城管2025年第一季度考核评价``.
    subtitle : str
        E.g. the period and the scope; may be empty.
    generated_at : datetime
        When the numbers were computed, printed as is (wall-clock).
    tables : sequence of Table
        At least one.
    charts : sequence of Chart
        May be empty.
    """

    title: str
    subtitle: str
    generated_at: datetime
    tables: Sequence[Table]
    charts: Sequence[Chart] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", tuple(self.tables))
        object.__setattr__(self, "charts", tuple(self.charts))
        if not self.tables:
            raise ValueError(f"report {self.title!r} has no tables")

    @property
    def row_count(self) -> int:
        """The number of data rows over all tables (the unit of writer progress)."""
        return sum(len(t.rows) for t in self.tables)


# --------------------------------------------------------------------------- values


def clean_value(value: Any) -> Any:
    """``value`` with NaN and infinities turned into ``None`` (a blank cell)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def is_number(value: Any) -> bool:
    """True for an ``int`` or a finite ``float`` (never for ``bool``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def wall_clock(value: datetime) -> datetime:
    """``value`` without its time zone, keeping its own wall-clock time."""
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def format_cell(column: Column, value: Any) -> str:
    """The text of one cell, as CSV and PDF print it.

    Parameters
    ----------
    column : Column
        The cell's column (its ``kind`` chooses the rendering).
    value : Any
        The raw value; ``None``/NaN give ``""``.  A value of the wrong type is printed with
        ``str()`` rather than refused, so one odd cell cannot stop an export.  Control
        characters other than tab and line breaks are dropped.

    Returns
    -------
    str
        E.g. ``"91.3%"`` for a rate, ``"87.5"`` for a score, ``"2025-03-31 17:05"``.
    """
    value = clean_value(value)
    if value is None:
        return ""
    kind = column.kind
    if kind == "text" or isinstance(value, str):
        return _CONTROL.sub("", str(value))
    if kind == "datetime":
        if isinstance(value, datetime):
            return f"{value:%Y-%m-%d %H:%M}"
        if isinstance(value, date):
            return f"{value:%Y-%m-%d}"
        return str(value)
    if not is_number(value):
        return str(value)
    if kind == "rate":
        return f"{_one_decimal(value, 100)}%"
    if kind == "score":
        return _one_decimal(value)
    # int: a mean of an int column is not whole; show it with one decimal.
    if isinstance(value, float) and not value.is_integer():
        return _one_decimal(value)
    return str(int(value))


def _one_decimal(value: float, scale: int = 1) -> str:
    """``value * scale`` with one decimal, halves rounded away from zero as Excel does.

    Python's ``f"{88.25:.1f}"`` gives ``88.2`` (the binary value is exactly half way and
    ``format`` rounds to even); Excel's ``0.0`` shows ``88.3``.  Rounding the shortest decimal
    repr half-up keeps CSV, PDF and XLSX showing the same digits.
    """
    exact = Decimal(repr(float(value))) * scale
    return str(exact.quantize(_TENTH, rounding=ROUND_HALF_UP))


def grade_of(value: Any) -> str | None:
    """The grade letter A–E of a grade cell's value, or ``None`` if it is not a grade."""
    if not isinstance(value, str):
        return None
    letter = value.strip().upper()
    return letter if letter in GRADE_COLOURS else None


def totals(table: Table) -> dict[str, Any]:
    """The totals row of ``table``: what every writer prints below the rows.

    Parameters
    ----------
    table : Table
        The table; columns with ``total`` set are aggregated over the rows' numeric values
        (``None``/NaN skipped).

    Returns
    -------
    dict
        In column order: the first column's key → :data:`TOTAL_LABEL` when that column has no
        total, then key → value for each column with a total: ``"sum"`` gives an ``int`` when
        every value is an ``int`` (``0`` for no rows), else a ``float``; ``"mean"`` gives a
        ``float``, or ``None`` when the column has no values (rows marked by
        ``table.mean_skip`` are left out of means).  Columns without a total are absent
        (blank in the totals row).

    Raises
    ------
    TypeError
        When a column with a total holds a value that is not a number.
    """
    out: dict[str, Any] = {}
    first = table.columns[0]
    if first.total is None:
        out[first.key] = TOTAL_LABEL
    for column in table.columns:
        if column.total is None:
            continue
        values: list[int | float] = []
        for row in table.rows:
            if column.total == "mean" and table.mean_skip and row.get(table.mean_skip) not in (
                None, ""
            ):
                continue
            value = clean_value(row.get(column.key))
            if value is None:
                continue
            if not is_number(value):
                raise TypeError(
                    f"table {table.title!r}, column {column.key!r}: {value!r} is not a number"
                )
            values.append(value)
        if column.total == "sum":
            if all(isinstance(v, int) for v in values):
                out[column.key] = sum(int(v) for v in values)
            else:
                out[column.key] = math.fsum(values)
        else:
            out[column.key] = math.fsum(values) / len(values) if values else None
    return out


# --------------------------------------------------------------------------- writer helpers


class Ticker:
    """Progress reporting for a writer: calls ``progress(done, total)``, raises on cancel.

    The callback is called with ``done = 0`` by :meth:`start`, then about every
    ``total / steps`` units and with ``done = total`` by :meth:`finish`; ``done`` strictly
    increases.  The callback returning ``False`` (exactly; ``None`` continues) raises
    :class:`Cancelled`.

    Parameters
    ----------
    total : int
        The units of work (usually rows).
    progress : callable or None
        ``progress(done, total) -> bool``; ``None`` reports nothing.
    steps : int
        About how many times the callback is called between start and finish.
    """

    def __init__(self, total: int, progress: ProgressFn | None, steps: int = 200) -> None:
        self.total = max(total, 0)
        self.done = 0
        self._progress = progress
        self._step = max(1, self.total // max(steps, 1))
        self._next = self._step
        self._reported = -1

    def start(self) -> None:
        """Report ``done = 0`` (lets a dialog show its range and cancel before any work)."""
        self._report()

    def advance(self, units: int = 1) -> None:
        """Count ``units`` more units of work; report when a step is reached."""
        self.done = min(self.done + units, self.total)
        if self.done >= self._next:
            self._next = self.done + self._step
            self._report()

    def finish(self) -> None:
        """Report ``done = total`` (the last chance to cancel before the file is renamed)."""
        self.done = self.total
        self._report()

    def _report(self) -> None:
        if self.done <= self._reported:
            return
        self._reported = self.done
        if self._progress is not None and self._progress(self.done, self.total) is False:
            raise Cancelled(f"cancelled at {self.done}/{self.total}")


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Give a temporary path beside ``path``; rename it to ``path`` if the block succeeds.

    The temporary file (``.<name>.<random>.part``, created empty with the user's umask) is in
    the same folder, so the final ``os.replace`` is atomic; on any exception — including
    :class:`Cancelled` — it is deleted and ``path`` is untouched.

    Parameters
    ----------
    path : Path
        The final file; its folder must exist.

    Yields
    ------
    Path
        The temporary file to write.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    with open(tmp, "xb"):
        pass
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
