"""The desk's link to the services: every database call of the window goes through here.

Each method queues work on the :class:`~console.ui.ops.OpRunner` (the worker thread) and answers
with a signal on the GUI thread.  The controller also follows the event log: a 1 s poll fetches
events newer than the last one seen and re-reads only the cases they touch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from console.domain.cases import Actor, Case, Event, Role
from console.domain.commands import Command
from console.domain.errors import CityDeskError, ConflictError
from console.domain.options import ActionOption, options_for
from console.services.cases import Report, act, preview_duplicates, report_and_merge, report_case
from console.services.centre import Centre
from console.services.feed import GRACE, poll, start_id
from console.services.live_stats import load_live_stats
from console.services.queries import CaseDetail, case_detail
from console.services.stats import desk_stats
from console.services.uow import CaseFilter, UnitOfWork
from console.ui.ops import OpRunner


class Backend(Protocol):
    """What the window needs of the composition root (``console.app.App`` provides it)."""

    @property
    def centre(self) -> Centre: ...

    def uow_factory(self) -> UnitOfWork: ...


@dataclass(frozen=True, slots=True)
class DetailData:
    """A case as the detail pane shows it."""

    detail: CaseDetail
    options: tuple[ActionOption, ...]
    thumbnails: tuple[tuple[int, str, bytes], ...]


class DeskController(QObject):
    """Loads queues, follows the log, runs commands — always off the GUI thread."""

    cases_loaded = Signal(list)
    """All open cases (first load and F5)."""

    cases_changed = Signal(list, list)
    """(changed cases, the events that changed them) from this or another desk."""

    detail_loaded = Signal(object)
    """A :class:`DetailData` for the detail pane."""

    stats_loaded = Signal(object)
    """A :class:`~console.services.stats.DeskStats` for the chart strip."""

    live_stats_loaded = Signal(object)
    """A :class:`~console.services.live_stats.LiveStats` for the statistics charts."""

    duplicates_found = Signal(list)
    """Duplicate hints for the report form."""

    action_done = Signal(object)
    """A command of this desk succeeded: the case after it."""

    action_failed = Signal(str, bool)
    """A command was refused: (message for the operator, True when it was a conflict)."""

    connection_changed = Signal(bool, str)
    """(online, message): the log could not be followed for a while, or it can again."""

    def __init__(self, backend: Backend, ops: OpRunner, actor: Actor,
                 clock: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.ops = ops
        self.actor = actor
        self.clock = clock
        self.last_event_id = 0
        self._seen: set[int] = set()  # ids within the feed's grace window already applied
        self._polling = False
        # The version this desk's own last command left on each case.  Read and written on the
        # worker thread, so F then D typed faster than the GUI hears back still chain: D runs
        # after F on the one worker and uses F's result, not the version the pane last showed.
        self._own_versions: dict[int, int] = {}
        self.failed_polls = 0
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(1000)
        self.poll_timer.timeout.connect(self.poll)

    @property
    def centre(self) -> Centre:
        """Reference data and the clock."""
        return self.backend.centre

    def _uow(self) -> UnitOfWork:
        return self.backend.uow_factory()

    # -- loading -----------------------------------------------------------------------------
    def load_all(self) -> None:
        """Read every open case and remember where the log stands."""
        def work() -> tuple[int, list[int], list[Case]]:
            last = start_id(self._uow())
            with self._uow() as uow:
                # What the grace window would replay is already in this snapshot.
                recent = [e.id for e in uow.events.since(max(last - GRACE, 0), GRACE + 1)
                          if e.id is not None]
                cases = uow.cases.list(CaseFilter(open_only=True, order="id"))
            return last, recent, cases

        def done(result: tuple[int, list[int], list[Case]]) -> None:
            self.last_event_id = max(self.last_event_id, result[0])
            self._seen.update(result[1])
            self.cases_loaded.emit(result[2])

        self.ops.run(work, done)

    def poll(self) -> None:
        """Fetch events newer than the last seen; emit the cases they touched."""
        if self._polling:
            return  # the previous poll is still on the worker: never pile them up
        self._polling = True
        since = self.last_event_id
        seen = frozenset(self._seen)

        def done(batch: Any) -> None:
            self._polling = False
            if self.failed_polls:
                self.failed_polls = 0
                self.connection_changed.emit(True, "")
            self.last_event_id = max(self.last_event_id, batch.last_id)
            self._seen.update(e.id for e in batch.events)
            floor = self.last_event_id - GRACE
            self._seen = {i for i in self._seen if i > floor}
            if not batch.empty:
                self.cases_changed.emit(list(batch.cases), list(batch.events))

        def failed(exc: Exception) -> None:
            self._polling = False
            self.failed_polls += 1
            if self.failed_polls == 3:  # three seconds without the log: say so
                self.connection_changed.emit(False, str(exc).splitlines()[0][:200])

        self.ops.run(lambda: poll(self._uow(), since, seen), done, failed)

    def open_case(self, case_id: int) -> None:
        """Load a case's detail, the actions this seat may take and its thumbnails."""
        now = self.clock()

        def work() -> DetailData:
            detail = case_detail(self._uow(), self.centre, case_id, now)
            options = options_for(detail.row.case, self.actor,
                                  frozenset(self.centre.ref.config.verify_sources))
            with self._uow() as uow:
                thumbs = tuple((p.id, p.kind, uow.photos.data(p.id, thumbnail=True))
                               for p in detail.photos)
            return DetailData(detail, tuple(options), thumbs)

        self.ops.run(work, self.detail_loaded.emit, lambda exc: None)

    def photo(self, photo_id: int, show: Callable[[bytes], None]) -> None:
        """Load a photo at full size and hand it to ``show``."""
        def work() -> bytes:
            with self._uow() as uow:
                return uow.photos.data(photo_id)

        self.ops.run(work, show)

    def load_live_stats(self) -> None:
        """Read the charts' history once; new events are folded in by the window."""
        now = self.clock()
        self.ops.run(lambda: load_live_stats(self._uow(), self.centre, now),
                     self.live_stats_loaded.emit, lambda exc: None)

    def refresh_stats(self) -> None:
        """Recompute the chart strip's figures."""
        now = self.clock()
        unit = self.actor.unit if self.actor.role is Role.UNIT else None
        self.ops.run(lambda: desk_stats(self._uow(), self.centre, now, unit),
                     self.stats_loaded.emit, lambda exc: None)

    # -- commands ------------------------------------------------------------------------------
    def run_command(self, case_id: int, command: Command | str, fields: dict[str, Any],
                    version: int | None, photo_paths: Sequence[str] = ()) -> None:
        """Run a workflow command as this desk; the log poll then updates every pane.

        Photos are given as file paths and decoded on the worker (a 12 MP JPEG takes ~0.2 s).
        """
        actor, now = self.actor, self.clock()

        def work() -> Case:
            from console.photos import load_photo

            photos = [load_photo(p, "after") for p in photo_paths]
            seen = version
            own = self._own_versions.get(case_id)
            if seen is not None and own is not None and own > seen:
                seen = own  # our own previous command moved it on: not someone else's change
            case = act(self.backend.uow_factory, self.centre, actor, now, case_id, command,
                       fields, expected_version=seen, photos=photos)
            self._own_versions[case_id] = case.version
            return case

        self.ops.run(work, self._after_action, self._on_action_error)

    def report(self, report: Report, merge_into: int | None,
               done: Callable[[Case], None], failed: Callable[[str], None],
               photo_paths: Sequence[str] = ()) -> None:
        """Save a new report (and merge it into an open case when asked)."""
        actor, now = self.actor, self.clock()

        def work() -> Case:
            from console.photos import load_photo

            nonlocal report
            if photo_paths:
                report = replace(report, photos=[load_photo(p, "before") for p in photo_paths])
            if merge_into is not None:
                return report_and_merge(self.backend.uow_factory, self.centre, actor, now,
                                        report, merge_into)
            return report_case(self.backend.uow_factory, self.centre, actor, now, report).case

        def ok(case: Case) -> None:
            done(case)
            self._after_action(case)

        def bad(exc: Exception) -> None:
            failed(exc.message if isinstance(exc, CityDeskError) else str(exc))

        self.ops.run(work, ok, bad)

    def find_duplicates(self, category: str, grid: str, lon: float | None,
                        lat: float | None) -> None:
        """Duplicate hints for a report being typed."""
        now = self.clock()
        self.ops.run(
            lambda: list(preview_duplicates(self.backend.uow_factory, self.centre, now, category,
                                            grid or None, lon, lat)),
            self.duplicates_found.emit, lambda exc: None,
        )

    def _after_action(self, case: Case) -> None:
        self.action_done.emit(case)
        self.poll()

    def _on_action_error(self, exc: Exception) -> None:
        message = exc.message if isinstance(exc, CityDeskError) else str(exc)
        self.action_failed.emit(message, isinstance(exc, ConflictError))
        self.poll()


def describe_event(event: Event) -> str:
    """``paiqian1@desk-2 派遣`` for the "changed elsewhere" banner."""
    from console.ui.i18n import command_label

    try:
        step = command_label(Command(event.type))
    except ValueError:
        step = event.type
    return f"{event.actor}@{event.desk or '?'} · {step}"
