"""Report writers: a typed report model rendered as CSV, XLSX and PDF.

Build a :class:`Report` (see ``console.reports.model``) and hand it to a writer::

    from console.reports.xlsx_writer import write_xlsx
    write_xlsx(report, Path("考核.xlsx"), progress=lambda done, total: not dialog.wasCanceled())

or to :func:`write_report`, which picks the writer from the file suffix.  Importing this package
imports neither openpyxl nor Qt: the writers are imported when used (``pdf_writer`` needs
PySide6 and a ``QGuiApplication``, which it creates when there is none).  See ``docs/reports.md``.
"""

from __future__ import annotations

from pathlib import Path

from console.reports.model import (
    GRADE_COLOURS,
    TOTAL_LABEL,
    Cancelled,
    Chart,
    Column,
    ProgressFn,
    Report,
    Table,
    format_cell,
    totals,
)

__all__ = [
    "FORMATS",
    "GRADE_COLOURS",
    "TOTAL_LABEL",
    "Cancelled",
    "Chart",
    "Column",
    "ProgressFn",
    "Report",
    "Table",
    "format_cell",
    "totals",
    "write_report",
]

#: The suffixes :func:`write_report` knows, for a save dialog's filter.
FORMATS = (".xlsx", ".csv", ".pdf")


def write_report(report: Report, path: Path, progress: ProgressFn | None = None) -> Path:
    """Write ``report`` in the format named by ``path``'s suffix (``.xlsx``, ``.csv``, ``.pdf``).

    Parameters
    ----------
    report : Report
        What to write.
    path : Path
        The target file; its suffix chooses the writer (case-insensitive).
    progress : callable, optional
        ``progress(done, total) -> bool``; returning ``False`` cancels.

    Returns
    -------
    Path
        The file written (for CSV, the first table's file; see ``csv_writer``).

    Raises
    ------
    ValueError
        For an unknown suffix.
    Cancelled
        When ``progress`` returned ``False``; no file is left behind.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from console.reports.xlsx_writer import write_xlsx

        return write_xlsx(report, path, progress)
    if suffix == ".csv":
        from console.reports.csv_writer import write_csv

        return write_csv(report, path, progress)
    if suffix == ".pdf":
        from console.reports.pdf_writer import write_pdf

        return write_pdf(report, path, progress)
    raise ValueError(f"unknown report format {path.suffix!r}; one of {FORMATS}")
