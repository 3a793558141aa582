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
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from console.domain.cases import Actor, Case, Event, Role
from console.domain.commands import Command
from console.domain.errors import CityDeskError, ConflictError
from console.domain.options import ActionOption, options_for
from console.services.access import scoped_factory
from console.services.case_search import CaseSearch, search_cases
from console.services.cases import (
    Report,
    act,
    action_committed,
    preview_duplicates,
    report_case,
)
from console.services.centre import Centre
from console.services.feed import GRACE, poll, start_id
from console.services.live_stats import load_live_stats
from console.services.queries import CaseDetail, case_detail
from console.services.queue_reads import (
    QueuePage,
    count_queues,
    due_soon,
    light_tally,
    load_page,
    load_queues,
)
from console.services.queue_view import QueueQuery
from console.services.stats import desk_stats
from console.services.uow import UnitOfWork
from console.ui.i18n import _, error_text
from console.ui.link import SAFETY_POLL_MS, LinkMonitor
from console.ui.models.case_table import BOARD_STATES, PAGE
from console.ui.ops import OpRunner

#: Events per poll; a full page means more are waiting, and the desk asks again at once.
FEED_PAGE = 500



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
        # Everything this desk reads goes through the seat's scope (a unit sees its own cases).
        self.uow_factory = scoped_factory(backend.uow_factory, actor)
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
        return self.backend.centre

    def _uow(self) -> UnitOfWork:
        return self.uow_factory()

    # -- loading -----------------------------------------------------------------------------
    def load_all(self) -> None:
        """Read the first page of every queue and remember where the log stands."""
        queries = self.queue_queries()

        def work() -> tuple[int, list[int], dict[str, QueuePage]]:
            last = start_id(self._uow())
            with self._uow() as uow:
                # What the grace window would replay is already in this snapshot.
                recent = [e.id for e in uow.events.since(max(last - GRACE, 0), GRACE + 1)
                          if e.id is not None]
            return last, recent, load_queues(self._uow(), queries, PAGE)

        def done(result: tuple[int, list[int], dict[str, QueuePage]]) -> None:
            self._loading, self._loaded = False, True
            self.link.poll_succeeded()
            self.last_event_id = max(self.last_event_id, result[0])
            self._seen.update(result[1])
            self.cases_loaded.emit(result[2])

        def failed(exc: Exception) -> None:
            self._loading = False
            self.link.poll_failed(_first_line(exc))

        self._loading = True
        self.ops.run(work, done, failed)

    def fetch_page(self, query: QueueQuery, offset: int, limit: int,
                   done: Callable[[list[Case] | None, int | None], None]) -> None:
        """Read a page of a queue (with its count when ``offset`` is 0); ``done`` gets it,
        or ``(None, None)`` when the database did not answer."""
        self.ops.run(lambda: load_page(self._uow(), query, offset, limit, offset == 0),
                     lambda result: done(*result), lambda exc: done(None, None))

    def fetch_cases(self, ids: Sequence[int], done: Callable[[list[Case]], None]) -> None:
        """Read these cases (those this seat may see); ``done`` gets them."""
        def work() -> list[Case]:
            with self._uow() as uow:
                return uow.cases.get_many(ids)

        self.ops.run(work, done, lambda exc: None)

    def recount(self) -> None:
        """Count every queue again (live changes beyond the loaded rows move the counts)."""
        queries = self.queue_queries()
        self.ops.run(lambda: count_queues(self._uow(), queries), self.counts_loaded.emit,
                     lambda exc: None)

    def load_tallies(self) -> None:
        """Count open cases by light per unit and grid cell (the unit list and the map)."""
        now = self.clock()
        self.ops.run(lambda: light_tally(self._uow(), self.centre, now, BOARD_STATES),
                     self.tallies_loaded.emit, lambda exc: None)

    def load_due(self, horizon: timedelta) -> None:
        """Find the running stages whose deadline falls within ``horizon`` from now."""
        now = self.clock()
        self.ops.run(lambda: due_soon(self._uow(), now, horizon), self.due_loaded.emit,
                     lambda exc: None)

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
        self.notifications += 1
        if newest not in self._seen:  # our own action's event is usually here already
            self.poll()

    def _on_listener_status(self, up: bool) -> None:
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

        self.ops.run(lambda: poll(self._uow(), since, seen, FEED_PAGE), done, failed)

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

    def search(self, text: str, done: Callable[[CaseSearch], None],
               failed: Callable[[str], None]) -> None:
        """Find cases by number, phone digits or words (this seat's cases only)."""
        now = self.clock()

        def refused(exc: Exception) -> None:
            failed(error_text(exc))

        self.ops.run(lambda: search_cases(self._uow(), self.centre, text, now), done, refused)

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
        While the database does not answer the command is refused at once, never queued.
        """
        if not self.online:
            self.action_failed.emit(_("数据库无响应，操作未执行；恢复连接后请重做"), False)
            return
        actor, now = self.actor, self.clock()
        pending = PendingAction(new_request_id(), case_id,
                                command.value if isinstance(command, Command) else str(command))

        def work() -> Case:
            from console.photos import load_photo

            photos = [load_photo(p, "after") for p in photo_paths]
            seen = version
            own = self._own_versions.get(case_id)
            if seen is not None and own is not None and own > seen:
                seen = own  # our own previous command moved it on: not someone else's change
            case = act(self.uow_factory, self.centre, actor, now, case_id, command,
                       fields, expected_version=seen, photos=photos,
                       request_id=pending.request_id)
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
        actor, now = self.actor, self.clock()
        # The step whose outcome is in doubt if the connection dies: the report, then the merge.
        pending = [PendingAction(new_request_id(), None, Command.REPORT.value)]

        def work() -> Case:
            from console.photos import load_photo

            nonlocal report
            if photo_paths:
                report = replace(report, photos=[load_photo(p, "before") for p in photo_paths])
            # report_and_merge's two transactions, each with its own request id.
            made = report_case(self.uow_factory, self.centre, actor, now, report,
                               request_id=pending[0].request_id).case
            if merge_into is None or made.id is None:
                return made
            pending[0] = PendingAction(new_request_id(), made.id, Command.MERGE.value)
            return act(self.uow_factory, self.centre, actor, now, made.id, Command.MERGE,
                       {"into": merge_into}, request_id=pending[0].request_id)

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
        now = self.clock()
        self.ops.run(
            lambda: list(preview_duplicates(self.uow_factory, self.centre, now, category,
                                            grid or None, lon, lat)),
            self.duplicates_found.emit, lambda exc: None,
        )

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
        check = getattr(self.backend, "is_connection_error", None)
        # A backend that cannot tell: treat the unknown as in doubt and ask the log (the answer
        # comes at the next successful poll, which is at once when the database is fine).
        return bool(check(exc)) if check is not None else True

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

        def work() -> list[tuple[PendingAction, bool]]:
            return [(p, action_committed(self._uow, p.request_id)) for p in pending]

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
    return f"{event.actor}@{event.desk or '?'} · {step}"
