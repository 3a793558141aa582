"""CSV: one file per table, UTF-8 with a BOM so Excel opens the Chinese text correctly.

File layout: the first table goes to ``path`` itself; each further table goes beside it as
``<stem>_<n>_<slug>.csv``, ``n`` being the table's 1-based position (so the second table is
``_2_``) and ``slug`` its title with characters unsafe in file names replaced by ``_``
(Chinese kept).  :func:`csv_paths` gives the list, e.g. for a "saved to …" message.  A file of
an earlier export with more tables is not deleted.

Each file: the header row (column headers), one line per row with the cells as
:func:`~console.reports.model.format_cell` prints them (``91.3%``, ``87.5``,
``2025-03-31 17:05``), then the totals row of :func:`~console.reports.model.totals`.  Text cells
that Excel would run as a formula (starting with ``= + - @``, tab or CR) are prefixed with
``'`` — case descriptions come from the public.  Lines end in CRLF (the ``csv`` module's
default, which Excel expects).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from console.reports.model import (
    Column,
    ProgressFn,
    Report,
    Ticker,
    atomic_output,
    format_cell,
    totals,
)

__all__ = ["csv_cell", "csv_paths", "write_csv"]

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")
_SLUG_MAX = 40


def _slug(title: str) -> str:
    slug = _UNSAFE.sub("_", title).strip("._ ")[:_SLUG_MAX].strip("._ ")
    return slug or "table"


def csv_paths(report: Report, path: Path) -> list[Path]:
    """The files :func:`write_csv` writes for ``report``, one per table, in table order.

    Parameters
    ----------
    report : Report
        The report.
    path : Path
        The main file (the first table's).

    Returns
    -------
    list of Path
        ``[path, <stem>_2_<slug>.csv, <stem>_3_<slug>.csv, …]``.
    """
    path = Path(path)
    out = [path]
    for n, table in enumerate(report.tables[1:], start=2):
        out.append(path.with_name(f"{path.stem}_{n}_{_slug(table.title)}.csv"))
    return out


def csv_cell(column: Column, value: Any) -> str:
    """The CSV text of one cell: :func:`format_cell`, guarded against formula injection."""
    text = format_cell(column, value)
    if (
        column.kind == "text"
        and text.startswith(_FORMULA_START)
        and len(text) > 1
        and not _NUMBER.fullmatch(text)
    ):
        return "'" + text
    return text


def _row(columns: Sequence[Column], row: Mapping[str, Any]) -> list[str]:
    return [csv_cell(c, row.get(c.key)) for c in columns]


def write_csv(report: Report, path: Path, progress: ProgressFn | None = None) -> Path:
    """Write ``report``'s tables as CSV files (charts are not written).

    Parameters
    ----------
    report : Report
        What to write.
    path : Path
        The first table's file; further tables go beside it (see :func:`csv_paths`).
    progress : callable, optional
        ``progress(done, total)`` with ``total`` = all tables' rows; returning ``False`` raises
        :class:`~console.reports.model.Cancelled`.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    Cancelled
        When ``progress`` returned ``False``; none of the files is written or replaced.
    """
    path = Path(path)
    ticker = Ticker(report.row_count, progress)
    with ExitStack() as stack:
        ticker.start()
        for table, target in zip(report.tables, csv_paths(report, path), strict=True):
            tmp = stack.enter_context(atomic_output(target))
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow([c.header for c in table.columns])
                for row in table.rows:
                    writer.writerow(_row(table.columns, row))
                    ticker.advance()
                writer.writerow(_row(table.columns, totals(table)))
        ticker.finish()
    return path
