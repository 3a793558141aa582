"""Run database work off the GUI thread and deliver the result back to it.

One worker thread does all database work (Anki's taskman: SQLite wants one writer, and a Session
is for one thread at a time).  Results and errors come back through a queued signal, so
callbacks always run on the GUI thread.  Tests pass ``synchronous=True`` to run work inline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

Work = Callable[[], Any]
Success = Callable[[Any], None]
Failure = Callable[[Exception], None]


class OpRunner(QObject):
    """Runs callables on one worker thread; callbacks run on the GUI thread.

    Parameters
    ----------
    synchronous : bool
        Run work inline (tests); callbacks still go through the same code path.
    parent : QObject, optional
    """

    busy_changed = Signal(bool)
    """Emitted with True when work starts with none pending, False when the last one ends."""

    failed = Signal(object)
    """Emitted with the exception of an op that had no ``on_error`` of its own."""

    _finished = Signal(object, object, object, object)  # on_success, on_error, result, error

    def __init__(self, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._synchronous = synchronous
        self._pool = None if synchronous else ThreadPoolExecutor(1, "citydesk-db")
        self._pending = 0
        # Queued: the worker thread emits, the GUI thread's event loop runs the slot.
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        """True while any op is queued or running."""
        return self._pending > 0

    def run(self, work: Work, on_success: Success | None = None,
            on_error: Failure | None = None) -> None:
        """Queue ``work``; later call ``on_success(result)`` or ``on_error(exc)``."""
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        if self._pool is None:
            try:
                result = work()
            except Exception as exc:  # delivered, not swallowed: see _on_finished
                self._deliver(on_success, on_error, None, exc)
            else:
                self._deliver(on_success, on_error, result, None)
            return
        future = self._pool.submit(work)
        future.add_done_callback(lambda f: self._done(f, on_success, on_error))

    def _done(self, future: Future[Any], on_success: Success | None,
              on_error: Failure | None) -> None:
        error = future.exception()
        result = None if error is not None else future.result()
        self._finished.emit(on_success, on_error, result, error)

    def _deliver(self, on_success: Success | None, on_error: Failure | None, result: Any,
                 error: BaseException | None) -> None:
        self._on_finished(on_success, on_error, result, error)

    @Slot(object, object, object, object)
    def _on_finished(self, on_success: Success | None, on_error: Failure | None, result: Any,
                     error: BaseException | None) -> None:
        self._pending -= 1
        try:
            if error is not None:
                if not isinstance(error, Exception):
                    raise error
                if on_error is not None:
                    on_error(error)
                else:
                    log.error("database operation failed", exc_info=error)
                    self.failed.emit(error)
            elif on_success is not None:
                on_success(result)
        finally:
            if self._pending == 0:
                self.busy_changed.emit(False)

    def shutdown(self) -> None:
        """Finish queued work and stop the worker thread."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
