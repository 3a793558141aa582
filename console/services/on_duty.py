"""在岗 use cases: the worker's alarm check, the supervisor's list, the wall's count, Ctrl+K.

:func:`check_on_duty` runs every minute in ``citydesk worker`` (and in the embedded console's
worker thread): for each active collector it reads the recent fixes, asks
:mod:`console.domain.on_duty` which alarm conditions hold now, raises an alarm for a condition
that has none open and ends the open ones whose condition ended (at the instant it ended).  The
alarms live in their own table (:class:`AlarmStore`, ``db.alarm_repo``), not in the case log: a
collector is not a case.  An acknowledgement (Ctrl+K at a desk) is written on the alarm's row
and in the administrators' chained log, so who acknowledged what cannot be changed unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from console.domain.cases import Actor, Case, CaseState, Role
from console.domain.commands import Command
from console.domain.errors import NotFoundError, PermissionDeniedError
from console.domain.on_duty import (
    AlarmKind,
    DutyStatus,
    PatrolArea,
    TrackPoint,
    conditions,
    ended_at,
    shift_around,
    status,
)
from console.domain.permissions import PERMISSIONS
from console.domain.reference import User
from console.services.admin_trail import record
from console.services.centre import Centre, load_centre
from console.services.uow import CaseFilter, UnitOfWork

#: The states in which a case is a task in a collector's hands (核实 / 核查 sent to them).
TASK_STATES = (CaseState.VERIFYING, CaseState.CHECKING)
#: How long an unacknowledged alarm that has ended stays in the desks' alert strip.
ALERT_HOURS = 24
#: Fixes older than the longest threshold plus this are not read for a new alarm's start: a
#: condition older than that was already raised by an earlier round (the job runs a minute).
READ_MARGIN = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class CollectorAlarm:
    """One 离线 / 越界 / 停留 alarm of a collector.

    Attributes
    ----------
    started : datetime
        When the condition began (the last fix before a 离线, the first fix outside …).
    ended : datetime or None
        When the condition ended; None while it holds.
    raised_at : datetime
        When the worker raised it (``started`` plus the threshold, or later).
    detail : dict
        Where and how far (JSON-able): ``last_fix``; ``lon``, ``lat``, ``distance_m``.
    """

    id: int
    username: str
    kind: AlarmKind
    started: datetime
    ended: datetime | None
    raised_at: datetime
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)


class AlarmStore(Protocol):
    """Fixes to read and alarms to keep (``db.alarm_repo.SqlAlarmStore``)."""

    def last_fixes(self, usernames: Sequence[str], until: datetime) -> dict[str, TrackPoint]: ...

    def tracks(self, usernames: Sequence[str], since: datetime,
               until: datetime) -> dict[str, list[TrackPoint]]: ...

    def open_alarms(self) -> list[CollectorAlarm]: ...

    def alarms_since(self, since: datetime) -> list[CollectorAlarm]: ...

    def add_alarm(self, username: str, kind: AlarmKind, started: datetime,
                  detail: Mapping[str, Any], raised_at: datetime) -> CollectorAlarm | None: ...

    def end_alarm(self, alarm_id: int, ended: datetime) -> None: ...

    def acknowledge(self, alarm_id: int, by: str, at: datetime) -> CollectorAlarm | None: ...

    def get_alarm(self, alarm_id: int) -> CollectorAlarm | None: ...


def collectors(centre: Centre) -> list[User]:
    """The active collectors, by user name."""
    return sorted((u for u in centre.ref.users.values()
                   if u.active and u.role == Role.COLLECTOR.value), key=lambda u: u.username)


def shift_now(centre: Centre, now: datetime) -> tuple[datetime, datetime] | None:
    """The patrol shift window around ``now``, or None (the centre's calendar says workdays)."""
    local = centre.local(now)
    return shift_around(local, centre.ref.config.on_duty,
                        centre.calendar.is_workday(local.date()))


def patrol_area(centre: Centre, user: User) -> PatrolArea:
    """The collector's assigned cells as one area."""
    return PatrolArea(centre.ref.grids[g].polygon for g in user.grids if g in centre.ref.grids)


def _tracks(store: AlarmStore, names: list[str], since: datetime,
            now: datetime) -> dict[str, list[TrackPoint]]:
    """Each collector's fixes since ``since`` — led by the last fix before it, so a quiet
    phone's 离线 starts at its true last fix."""
    tracks = store.tracks(names, since, now)
    for name, last in store.last_fixes(names, now).items():
        track = tracks.setdefault(name, [])
        if not track:  # quiet since before the window: its last fix is all there is
            track.append(last)
    return tracks


def check_on_duty(store: AlarmStore, centre: Centre, now: datetime) -> dict[str, int]:
    """One round of the 在岗 check at ``now``; returns how many alarms were raised and ended."""
    settings = centre.ref.config.on_duty
    people = collectors(centre)
    shift = shift_now(centre, now)
    longest = max(settings.outside_minutes, settings.still_minutes, settings.offline_minutes)
    since = now - timedelta(minutes=longest) - READ_MARGIN
    if shift is not None:
        since = max(since, shift[0])
    open_by: dict[tuple[str, AlarmKind], CollectorAlarm] = {
        (a.username, a.kind): a for a in store.open_alarms()}
    # An open alarm reaches back to its start: its end is the first fix after it.
    oldest = min((a.started for a in open_by.values()), default=since)
    names = [u.username for u in people]
    tracks = _tracks(store, names, min(since, oldest), now) if names else {}
    raised = ended = 0
    for user in people:
        track = tracks.get(user.username, [])
        area = patrol_area(centre, user)
        holding = {c.kind: c for c in conditions(now, track, shift, area, settings)}
        for kind, condition in holding.items():
            if (user.username, kind) not in open_by and store.add_alarm(
                    user.username, kind, condition.since, condition.detail, now) is not None:
                raised += 1
        for kind in AlarmKind:
            alarm = open_by.pop((user.username, kind), None)
            if alarm is None or kind in holding:
                continue
            started_shift = shift_around(centre.local(alarm.started), settings, True)
            shift_end = started_shift[1] if started_shift else alarm.started
            store.end_alarm(alarm.id, ended_at(kind, alarm.started, now, track, area, settings,
                                               shift_end))
            ended += 1
    # Alarms of collectors no longer active (disabled, made another role) end now.
    for alarm in open_by.values():
        store.end_alarm(alarm.id, now)
        ended += 1
    return {"collectors": len(people), "raised": raised, "ended": ended}


#: Seconds between two rounds of the check in ``citydesk worker``.
CHECK_EVERY = 60.0


class OnDutyJob:
    """The worker's 在岗 job: one :func:`check_on_duty` round per call, at ``clock()``.

    The reference data (who is a collector, their cells, the shifts) is read again when the
    administrators' log has moved since the last round, so a cell assigned in the
    administration window counts from the next minute without restarting the worker.

    Parameters
    ----------
    store : AlarmStore
    uow_factory : callable
        Units of work on the same database (the admin log's head, the reference data).
    clock : callable
        The current instant (a test drives it).
    """

    def __init__(self, store: AlarmStore, uow_factory: Callable[[], UnitOfWork],
                 clock: Callable[[], datetime]) -> None:
        self._store = store
        self._uow = uow_factory
        self._clock = clock
        self._centre: Centre | None = None
        self._seen: int | None = None

    def centre(self) -> Centre:
        """The reference data as of the admin log's head now."""
        with self._uow() as uow:
            head = int(uow.audit.heads()["admin"].last_id)
        if self._centre is None or head != self._seen:
            self._centre, self._seen = load_centre(self._uow()), head
        return self._centre

    def __call__(self) -> dict[str, int]:
        return check_on_duty(self._store, self.centre(), self._clock())


def may_watch(actor: Actor) -> bool:
    """Whether this seat sees and acknowledges collectors' alarms (the seats that acknowledge
    case alerts: 受理员, 派遣员, 值班长, 管理员)."""
    return Command.ACK_ALERT in PERMISSIONS[actor.role]


def _require_watch(actor: Actor) -> None:
    if not may_watch(actor):
        raise PermissionDeniedError("此席位不能查看监督员在岗 / this seat does not watch "
                                    "collectors")


def pending_alarms(store: AlarmStore, actor: Actor, now: datetime) -> list[CollectorAlarm]:
    """The alarms waiting for an acknowledgement: open ones, and those of the last
    :data:`ALERT_HOURS` hours that ended unacknowledged; oldest first."""
    _require_watch(actor)
    recent = store.alarms_since(now - timedelta(hours=ALERT_HOURS))
    chosen = {a.id: a for a in recent if a.acknowledged_at is None}
    chosen.update((a.id, a) for a in store.open_alarms() if a.acknowledged_at is None)
    return sorted(chosen.values(), key=lambda a: (a.raised_at, a.id))


def acknowledge_alarm(uow_factory: Callable[[], UnitOfWork], store: AlarmStore, actor: Actor,
                      alarm_id: int, now: datetime) -> CollectorAlarm:
    """Ctrl+K on a collector's alarm: mark it acknowledged and log who did it.

    Acknowledging one that someone else acknowledged first changes nothing and returns it as
    it is (two desks pressing Ctrl+K at once).
    """
    _require_watch(actor)
    alarm = store.get_alarm(alarm_id)
    if alarm is None:
        raise NotFoundError(f"没有编号为 {alarm_id} 的告警 / no alarm {alarm_id}")
    if alarm.acknowledged_at is not None:
        return alarm
    # The row first, in its own transaction: of two desks pressing at once one wins, and only
    # the winner is logged.  (The store's connection is not the unit of work's: on SQLite a
    # log row written first would hold the write lock the row's update then waits for.)
    done = store.acknowledge(alarm_id, actor.user, now)
    if done is None:
        return store.get_alarm(alarm_id) or alarm
    with uow_factory() as uow:
        record(uow, actor, "ack-alarm", "collector_alarms", str(alarm_id),
               {"username": alarm.username, "kind": alarm.kind.value,
                "started": alarm.started, "at": now})
        uow.commit()
    return done


@dataclass(frozen=True, slots=True)
class TaskInHand:
    """A 核实 / 核查 task a collector holds: the case's number, state and deadline."""

    case_id: int
    case_no: str
    state: CaseState
    deadline: datetime | None


@dataclass(frozen=True, slots=True)
class CollectorRow:
    """One line of the supervisor's list."""

    username: str
    name: str
    status: DutyStatus
    cells: tuple[str, ...]
    last_fix: datetime | None
    tasks: tuple[TaskInHand, ...] = ()
    alarms: tuple[CollectorAlarm, ...] = ()


@dataclass(frozen=True, slots=True)
class DutyBoard:
    """The supervisor's list at one instant, and the shift it is in (None between shifts)."""

    as_of: datetime
    shift: tuple[datetime, datetime] | None
    rows: tuple[CollectorRow, ...]

    @property
    def on_duty(self) -> int:
        """How many are 在岗."""
        return sum(1 for r in self.rows if r.status is DutyStatus.ON_DUTY)


def _rows(store: AlarmStore, centre: Centre, now: datetime
          ) -> tuple[tuple[datetime, datetime] | None, list[CollectorRow]]:
    people = collectors(centre)
    shift = shift_now(centre, now)
    settings = centre.ref.config.on_duty
    last = store.last_fixes([u.username for u in people], now) if people else {}
    rows = []
    for user in people:
        fix = last.get(user.username)
        t = None if fix is None else fix.t
        rows.append(CollectorRow(user.username, user.name, status(now, t, shift, settings),
                                 tuple(user.grids), t))
    return shift, rows


def on_duty_count(store: AlarmStore, centre: Centre, now: datetime) -> tuple[int, int]:
    """(collectors 在岗, active collectors): the wall's 监督员在岗 n/m."""
    _shift, rows = _rows(store, centre, now)
    return sum(1 for r in rows if r.status is DutyStatus.ON_DUTY), len(rows)


def duty_board(store: AlarmStore, uow: UnitOfWork, centre: Centre, actor: Actor,
               now: datetime) -> DutyBoard:
    """Every active collector with status, tasks in hand and open alarms (值班长's list)."""
    _require_watch(actor)
    shift, rows = _rows(store, centre, now)
    with uow:
        cases: list[Case] = uow.cases.list(CaseFilter(states=TASK_STATES, order="id"))
    tasks: dict[str, list[TaskInHand]] = {}
    for case in cases:
        if case.assignee and case.id is not None:
            tasks.setdefault(case.assignee, []).append(
                TaskInHand(case.id, case.case_no, case.state, case.stage_deadline))
    alarms: dict[str, list[CollectorAlarm]] = {}
    for alarm in store.open_alarms():
        alarms.setdefault(alarm.username, []).append(alarm)
    order = {DutyStatus.OFFLINE: 0, DutyStatus.ON_DUTY: 1, DutyStatus.OFF_SHIFT: 2}
    out = [CollectorRow(r.username, r.name, r.status, r.cells, r.last_fix,
                        tuple(tasks.get(r.username, ())),
                        tuple(sorted(alarms.get(r.username, ()), key=lambda a: a.started)))
           for r in rows]
    # Those with open alarms first, then offline, on duty, off shift: what needs a look on top.
    out.sort(key=lambda r: (not r.alarms, order[r.status], r.username))
    return DutyBoard(now, shift, tuple(out))
