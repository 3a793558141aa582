"""Exporting the period report from the desk: on the worker, with a progress bar and cancel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from console.domain.evaluation import Period
from console.reports.model import Cancelled
from console.ui.i18n import _, error_text
from console.ui.ops import OpRunner


class ExportJob(QObject):
    """Writes one report file on the worker thread; the dialog follows and can cancel it.

    Parameters
    ----------
    backend : DeskBackend
        The seat: the report holds what it may see, counted at its backend's time.
    ops : OpRunner
    """

    progressed = Signal(int, int)
    """(done, total): emitted from the worker; Qt queues it to the GUI thread."""

    finished = Signal(bool, str)
    """(written, message): the file was written, or why not (cancelled, an error)."""

    def __init__(self, backend: Any, ops: OpRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend, self.ops = backend, ops
        self.cancelled = False  # set on the GUI thread, read by the worker's progress calls

    def start(self, period: Period, path: Path) -> None:
        """Build and write the report of ``period`` to ``path`` (format from the suffix)."""
        from console.report_builder import period_report
        from console.reports import write_report

        backend = self.backend

        def progress(done: int, total: int) -> bool:
            self.progressed.emit(done, total)
            return not self.cancelled

        def work() -> Path:
            # Through a server the data names the centre's latest audit anchor: printed too.
            report = period_report(backend.centre, period, backend.period_data(period))
            return write_report(report, path, progress)

        def failed(exc: Exception) -> None:
            if isinstance(exc, Cancelled):
                self.finished.emit(False, _("已取消导出，未写出文件"))
            else:
                self.finished.emit(False, error_text(exc))

        self.ops.run(work, lambda written: self.finished.emit(True, str(written)), failed)


def run_export(parent: QWidget, backend: Any, ops: OpRunner, period: Period,
               path: Path) -> tuple[ExportJob, QProgressDialog]:
    """Start an export with a modal progress dialog whose Cancel stops it cleanly."""
    job = ExportJob(backend, ops, parent)
    dialog = QProgressDialog(_("正在导出 {name}…").format(name=path.name), _("取消"), 0, 100, parent)
    dialog.setObjectName("export_progress")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    dialog.canceled.connect(lambda: setattr(job, "cancelled", True))

    def on_progress(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, max(total, 1)))

    job.progressed.connect(on_progress)
    job.finished.connect(lambda ok, message: dialog.reset())
    job.start(period, path)
    return job, dialog
