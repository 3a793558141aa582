"""The desk's link to the services: every database call of the window goes through here.

Each method queues work on the :class:`~console.ui.ops.OpRunner` (the worker thread) and answers
with a signal on the GUI thread.  The controller also follows the event log: a 1 s poll fetches
events newer than the last one seen and re-reads only the cases they touch.  On PostgreSQL a
LISTEN thread (:meth:`DeskController.follow`) wakes it at each commit and the poll slows down to a
safety net.  The polls also tell whether the database answers (:class:`~console.ui.link.LinkMonitor`):
while it does not, actions are refused, and an action whose connection died on the way is
reported as unconfirmed until the database can say whether it committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from console.desk_backend import DeskBackend, DetailData, FirstLoad
from console.desk_local import open_desk
from console.domain.cases import Actor, Case, Event
from console.domain.commands import Command
from console.domain.errors import CityDeskError, ConflictError
from console.services.case_search import CaseSearch
from console.services.cases import Report
from console.services.centre import Centre
from console.services.feed import GRACE
from console.services.queue_view import QueueQuery
from console.ui.i18n import _, error_text
from console.ui.link import SAFETY_POLL_MS, LinkMonitor
from console.ui.models.case_table import BOARD_STATES, PAGE
from console.ui.ops import OpRunner

#: Events per poll; a full page means more are waiting, and the desk asks again at once.
FEED_PAGE = 500



class Backend(Protocol):
    """The composition root the desk opens seats on.

    ``console.app.App`` (the embedded database: its ``uow_factory`` runs the services here) or
    the server's client (``console.client``, which opens seats with ``desk_backend``); see
    :func:`console.desk_local.open_desk`.  ``DetailData`` and the other results come from
    :mod:`console.desk_backend`, the seam both implement.
    """

    @property
    def centre(self) -> Centre: ...


__all__ = ["Backend", "DeskController", "DetailData", "Listener", "PendingAction"]


@dataclass(frozen=True, slots=True)
class PendingAction:
    """An action of this desk, named by the request id stored on its events.

    ``case_id`` is None for a new report; ``command`` is a command value (``"report"`` …).
    """

    request_id: str
    case_id: int | None
    command: str


def new_request_id() -> str:
    """A fresh request id for one action (stored on its events, at most 64 characters)."""
    return uuid.uuid4().hex


class Listener(Protocol):
    """What the desk needs of a push channel (``db.notify.EventListener`` provides it)."""

    def start(self) -> None: ...

    def stop(self, timeout: float = 2.0) -> bool: ...


class DeskController(QObject):
    """Loads queues, follows the log, runs commands — always off the GUI thread."""

    cases_loaded = Signal(dict)
    """Queue name -> :class:`~console.services.queue_reads.QueuePage` (first load and F5)."""

    tallies_loaded = Signal(object)
    """A :class:`~console.services.queue_reads.LightTally` (unit list, map)."""

    counts_loaded = Signal(dict)
    """Queue name -> its size now."""

    due_loaded = Signal(list)
    """(id, version, deadline) of stages running out soon (the window's red alerts)."""

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

    action_unconfirmed = Signal(object)
    """A :class:`PendingAction` whose connection died: whether it committed is not known yet."""

    action_resolved = Signal(list)
    """[(:class:`PendingAction`, committed)] once the database could say for certain."""

    event_notified = Signal(int)
    """The newest event id a NOTIFY announced.  Emitted on the listener's thread: Qt queues it
    to this object's (the GUI) thread, which makes it the listener's thread-safe way in."""

    listener_status = Signal(bool)
    """The listener's connection is up (True) or down.  Emitted on the listener's thread."""

    def __init__(self, backend: Backend, ops: OpRunner, actor: Actor,
                 clock: Callable[[], datetime], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.ops = ops
        self.actor = actor
        self.clock = clock
        # The seat: every read and command of this desk (in process or through the server),
        # in the seat's scope (a unit sees its own cases).
        self.desk: DeskBackend = open_desk(backend, actor, clock)
        self.last_event_id = 0
        #: The queues to load (set by the window: their order and filters are the operator's).
        self.queue_queries: Callable[[], dict[str, QueueQuery]] = dict
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
        self._poll_again = False  # a wake-up came while a poll ran: poll once more after it
        # Polls start from where the first load left the log; until it has, a poll loads.
        self._loaded = self._loading = False
        self.link = LinkMonitor(clock, self)
        self.link.interval_changed.connect(self.poll_timer.setInterval)
        self.link.connection_changed.connect(self.connection_changed)
        self.listener: Listener | None = None
        self.notifications = 0
        self._unconfirmed: dict[str, PendingAction] = {}
        self._resolving = False
        self.event_notified.connect(self._on_listener_event_notified)
        self.listener_status.connect(self._on_listener_status)

    @property
    def centre(self) -> Centre:
        """Reference data and the clock."""
        return self.desk.centre

    # -- loading -----------------------------------------------------------------------------
    def load_all(self) -> None:
        """Read the first page of every queue and remember where the log stands."""
        queries = self.queue_queries()

        desk = self.desk

        def done(result: FirstLoad) -> None:
            self._loading, self._loaded = False, True
            self.link.poll_succeeded()
            self.last_event_id = max(self.last_event_id, result.last_id)
            self._seen.update(result.recent)
            self.cases_loaded.emit(dict(result.pages))

        def failed(exc: Exception) -> None:
            self._loading = False
            self.link.poll_failed(_first_line(exc))

        self._loading = True
        self.ops.run(lambda: desk.first_load(queries, PAGE), done, failed)

    def fetch_page(self, query: QueueQuery, offset: int, limit: int,
                   done: Callable[[list[Case] | None, int | None], None]) -> None:
        """Read a page of a queue (with its count when ``offset`` is 0); ``done`` gets it,
        or ``(None, None)`` when the database did not answer."""
        desk = self.desk
        self.ops.run(lambda: desk.queue_page(query, offset, limit, offset == 0),
                     lambda page: done(page.cases, page.total), lambda exc: done(None, None))

    def fetch_cases(self, ids: Sequence[int], done: Callable[[list[Case]], None]) -> None:
        """Read these cases (those this seat may see); ``done`` gets them."""
        desk, wanted = self.desk, list(ids)
        self.ops.run(lambda: desk.cases_by_ids(wanted), done, lambda exc: None)

    def recount(self) -> None:
        """Count every queue again (live changes beyond the loaded rows move the counts)."""
        queries = self.queue_queries()
        desk = self.desk
        self.ops.run(lambda: desk.recount(queries), self.counts_loaded.emit,
                     lambda exc: None)

    def load_tallies(self) -> None:
        """Count open cases by light per unit and grid cell (the unit list and the map)."""
        desk = self.desk
        self.ops.run(lambda: desk.light_tally(tuple(BOARD_STATES)),
                     self.tallies_loaded.emit, lambda exc: None)

    def load_due(self, horizon: timedelta) -> None:
        """Find the running stages whose deadline falls within ``horizon`` from now."""
        desk = self.desk

        def work() -> list[tuple[int, int, datetime, bool]]:
            return [(d.case_id, d.version, d.deadline, d.natural)
                    for d in desk.due_soon(horizon)]

        self.ops.run(work, self.due_loaded.emit, lambda exc: None)

    @property
    def online(self) -> bool:
        """False while the database does not answer (see :class:`~console.ui.link.LinkMonitor`)."""
        return self.link.online

    def start_following(self) -> None:
        """Start the poll timer and the watch on the database link."""
        self.poll_timer.setInterval(self.link.interval_ms)
        self.poll_timer.start()
        self.link.start()

    def follow(self, listener: Listener | None) -> None:
        """Be woken by ``listener`` (PostgreSQL NOTIFY) and keep the poll only as a safety net.

        ``listener`` must have been built with :attr:`event_notified` ``.emit`` and
        :attr:`listener_status` ``.emit`` as its callbacks.  None (SQLite) changes nothing.
        """
        if listener is None:
            return
        self.listener = listener
        self.link.set_normal_interval(SAFETY_POLL_MS)
        listener.start()

    def stop(self) -> None:
        """Stop following the log: timers, and the listener thread (joined)."""
        self.poll_timer.stop()
        self.link.stop()
        if self.listener is not None:
            listener, self.listener = self.listener, None
            listener.stop()

    def _on_listener_event_notified(self, newest: int) -> None:
        if self.listener is None:  # stopped: a wake-up queued before the stop (see below)
            return
        self.notifications += 1
        if newest not in self._seen:  # our own action's event is usually here already
            self.poll()

    def _on_listener_status(self, up: bool) -> None:
        if self.listener is None:
            # Stopped (signed out): the closed stream's "down" arrives queued after the stop.
            # Polling then would call with the ended session, and its 401 would sign out
            # whoever signed in at this desk next.
            return
        # Down: find out now whether the database is gone, not at the next safety poll.
        # Up again: catch up on what was committed while nobody listened.
        self.poll()

    def poll(self) -> None:
        """Fetch events newer than the last seen; emit the cases they touched.

        A full page means more events wait: the next page is asked for at once, so a desk back
        from an outage catches up on everything it missed.
        """
        if not self._loaded:
            if not self._loading:  # the first load failed (database away at start): again
                self.load_all()
            return
        if self._polling:
            self._poll_again = True  # a wake-up during a poll may be for a commit it missed
            return  # the previous poll is still on the worker: never pile them up
        self._polling = True
        self._poll_again = False
        self.link.poll_started()
        since = self.last_event_id
        seen = frozenset(self._seen)

        def done(batch: Any) -> None:
            self._polling = False
            self.failed_polls = 0
            self.link.poll_succeeded()
            self.last_event_id = max(self.last_event_id, batch.last_id)
            self._seen.update(e.id for e in batch.events)
            floor = self.last_event_id - GRACE
            self._seen = {i for i in self._seen if i > floor}
            if not batch.empty:
                self.cases_changed.emit(list(batch.cases), list(batch.events))
            if self._unconfirmed and not self._resolving:
                self._resolve_unconfirmed()
            full = sum(1 for e in batch.events if e.id is not None and e.id > since) >= FEED_PAGE
            if full or self._poll_again:
                self.poll()

        def failed(exc: Exception) -> None:
            self._polling = False
            self._poll_again = False
            self.failed_polls += 1
            self.link.poll_failed(_first_line(exc))

        desk = self.desk
        self.ops.run(lambda: desk.events_since(since, sorted(seen), FEED_PAGE), done, failed)

    def open_case(self, case_id: int) -> None:
        """Load a case's detail, the actions this seat may take and its thumbnails."""
        desk = self.desk
        self.ops.run(lambda: desk.case_detail(case_id), self.detail_loaded.emit,
                     lambda exc: None)

    def search(self, text: str, done: Callable[[CaseSearch], None],
               failed: Callable[[str], None]) -> None:
        """Find cases by number, phone digits or words (this seat's cases only)."""
        desk = self.desk

        def refused(exc: Exception) -> None:
            failed(error_text(exc))

        self.ops.run(lambda: desk.search(text), done, refused)

    def photo(self, photo_id: int, show: Callable[[bytes], None]) -> None:
        """Load a photo at full size and hand it to ``show``."""
        desk = self.desk
        self.ops.run(lambda: desk.photo(photo_id), show)

    def load_live_stats(self) -> None:
        """Read the charts' history once; new events are folded in by the window."""
        desk = self.desk
        self.ops.run(desk.live_stats,
                     self.live_stats_loaded.emit, lambda exc: None)

    def refresh_stats(self) -> None:
        """Recompute the chart strip's figures."""
        desk = self.desk
        self.ops.run(desk.desk_stats,
                     self.stats_loaded.emit, lambda exc: None)

    # -- commands ------------------------------------------------------------------------------
    def run_command(self, case_id: int, command: Command | str, fields: dict[str, Any],
                    version: int | None, photo_paths: Sequence[str] = ()) -> None:
        """Run a workflow command as this desk; the log poll then updates every pane.

        Photos are given as file paths and decoded on the worker (a 12 MP JPEG takes ~0.2 s).
        While the database does not answer the command is refused at once, never queued.
        """
        if not self.online:
            self.action_failed.emit(_("数据库无响应，操作未执行；恢复连接后请重做"), False)
            return
        desk = self.desk
        pending = PendingAction(new_request_id(), case_id,
                                command.value if isinstance(command, Command) else str(command))

        def work() -> Case:
            from console.photos import load_photo

            photos = [load_photo(p, "after") for p in photo_paths]
            seen = version
            own = self._own_versions.get(case_id)
            if seen is not None and own is not None and own > seen:
                seen = own  # our own previous command moved it on: not someone else's change
            case = desk.act(case_id, pending.command, dict(fields), seen, pending.request_id,
                            photos)
            self._own_versions[case_id] = case.version
            return case

        self.ops.run(work, self._after_action, lambda exc: self._on_action_error(exc, pending))

    def report(self, report: Report, merge_into: int | None,
               done: Callable[[Case], None], failed: Callable[[str], None],
               photo_paths: Sequence[str] = ()) -> None:
        """Save a new report (and merge it into an open case when asked)."""
        if not self.online:
            failed(_("数据库无响应，未保存；恢复连接后再保存"))
            return
        desk = self.desk
        # The step whose outcome is in doubt if the connection dies: the report, then the merge.
        pending = [PendingAction(new_request_id(), None, Command.REPORT.value)]

        def work() -> Case:
            from console.photos import load_photo

            # The form's files and a video frame (the patrol seat's F2) go in together.
            photos = [load_photo(p, "before") for p in photo_paths] + list(report.photos)
            # report_and_merge's two transactions, each with its own request id.  The report's
            # time is the backend's: a form never says when it was filed.
            made = desk.report(report.category, report.description, report.source, report.grid,
                               report.lon, report.lat, report.component_id, report.address,
                               report.contact, report.legacy_kind, photos,
                               pending[0].request_id)
            if merge_into is None or made.id is None:
                return made
            pending[0] = PendingAction(new_request_id(), made.id, Command.MERGE.value)
            return desk.act(made.id, Command.MERGE.value, {"into": merge_into}, None,
                            pending[0].request_id, [])

        def ok(case: Case) -> None:
            done(case)
            self._after_action(case)

        def bad(exc: Exception) -> None:
            if self._unsure(exc, pending[0]):
                failed(_("连接中断，尚不能确认是否已保存；恢复连接后会告知结果，请勿重复提交"))
                return
            failed(error_text(exc))

        self.ops.run(work, ok, bad)

    def find_duplicates(self, category: str, grid: str, lon: float | None,
                        lat: float | None) -> None:
        """Duplicate hints for a report being typed."""
        desk = self.desk
        self.ops.run(lambda: desk.duplicates(category, grid or None, lon, lat),
                     self.duplicates_found.emit, lambda exc: None)

    def _after_action(self, case: Case) -> None:
        self.action_done.emit(case)
        self.poll()

    def _on_action_error(self, exc: Exception, pending: PendingAction | None = None) -> None:
        if pending is not None and self._unsure(exc, pending):
            return
        message = error_text(exc)
        self.action_failed.emit(message, isinstance(exc, ConflictError))
        self.poll()

    # -- actions in doubt ----------------------------------------------------------------------
    def _is_connection_error(self, exc: Exception) -> bool:
        if isinstance(exc, CityDeskError):
            return False
        # A backend that cannot tell treats the unknown as in doubt and the log is asked (the
        # answer comes at the next successful poll, which is at once when all is fine).
        return bool(self.desk.is_connection_error(exc))

    def _unsure(self, exc: Exception, pending: PendingAction) -> bool:
        """Remember ``pending`` as unconfirmed when ``exc`` is a lost connection; True if so.

        Never retried: the COMMIT may have arrived before the line went dead, and a retry could
        do the action twice.  The log answers for certain once the database is back.
        """
        if not self._is_connection_error(exc):
            return False
        self._unconfirmed[pending.request_id] = pending
        self.action_unconfirmed.emit(pending)
        self.link.failure_seen(_first_line(exc))
        self.poll()
        return True

    def _resolve_unconfirmed(self) -> None:
        pending = list(self._unconfirmed.values())
        self._resolving = True
        desk = self.desk

        def work() -> list[tuple[PendingAction, bool]]:
            return [(p, desk.action_committed(p.request_id)) for p in pending]

        def done(results: list[tuple[PendingAction, bool]]) -> None:
            self._resolving = False
            for p, _committed in results:
                self._unconfirmed.pop(p.request_id, None)
            self.action_resolved.emit(results)

        def failed(exc: Exception) -> None:
            self._resolving = False  # still away: the next successful poll asks again
            self.link.failure_seen(_first_line(exc))

        self.ops.run(work, done, failed)

    @property
    def unconfirmed(self) -> tuple[PendingAction, ...]:
        """Actions whose outcome the desk does not know yet."""
        return tuple(self._unconfirmed.values())


def _first_line(exc: BaseException) -> str:
    return error_text(exc).splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def describe_event(event: Event) -> str:
    """``paiqian1@desk-2 派遣`` for the "changed elsewhere" banner."""
    from console.ui.i18n import command_label

    try:
        step = command_label(Command(event.type))
    except ValueError:
        step = event.type
    who = f"{event.actor}@{event.desk}" if event.desk else event.actor  # no desk: CLI, API
    return f"{who} · {step}"
