"""The seam's in-process side: :class:`LocalDeskBackend` runs today's service calls.

The embedded default (one machine, the SQLite file) and the server (one per request) both use
it: the server builds one for the session's actor with the server's clock, so what a desk can
do through the API is exactly what it can do in process.  Every read goes through the seat's
scope (:func:`console.services.access.scoped_factory`); the actor and the clock are the
backend's, never the caller's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, cast

from console.desk_backend import (
    AccountView,
    AdminSnapshot,
    DetailData,
    DueStage,
    FirstLoad,
    PageSlice,
    PeriodData,
)
from console.desk_cameras import CameraEvidence, CameraReads
from console.desk_collectors import CollectorReads
from console.desk_gazetteer import GazetteerReads
from console.desk_hotspots import HotspotReads
from console.domain.cases import Actor, Case, CaseState, Role
from console.domain.duplicates import DuplicateHint
from console.domain.errors import ValidationError
from console.domain.evaluation import Period
from console.domain.holiday_notice import HolidayNotice
from console.domain.options import options_for
from console.domain.reference import CalendarDay, LimitClass, ReferenceSet, User
from console.intake.file_import import ImportReport, Progress, Table, run_import
from console.intake.file_mapping import ColumnMapping
from console.intake.retry import RetryResult, retry_problems
from console.services import accounts, admin, calendar_year, presence
from console.services.access import scoped_factory
from console.services.admin import Change
from console.services.calendar_year import YearImport
from console.services.case_search import CaseSearch, search_cases
from console.services.cases import Report, act, action_committed, preview_duplicates, report_case
from console.services.central_ports import Presence
from console.services.centre import Centre
from console.services.evaluation import OBJECTS, EvaluationReport, evaluate
from console.services.evaluation_drill import CaseLine, case_lines
from console.services.feed import GRACE, FeedBatch, poll, start_id
from console.services.hotspot_report import period_hotspots
from console.services.intake import IntakeContext, dry_run
from console.services.intake_ports import IntakeProblem, IntakeUowFactory
from console.services.intake_problems import dismiss_problem, list_problems, set_mapping
from console.services.live_stats import LiveStats, load_live_stats
from console.services.on_duty import (
    CHECK_EVERY,
    AlarmStore,
    CollectorAlarm,
    DutyBoard,
    OnDutyJob,
    acknowledge_alarm,
    collectors,
    duty_board,
    on_duty_count,
    pending_alarms,
)
from console.services.queries import case_detail
from console.services.queue_reads import (
    LightTally,
    count_queues,
    due_soon,
    light_tally,
    load_page,
    load_queues,
)
from console.services.queue_view import QueueQuery
from console.services.stats import DeskStats, desk_stats
from console.services.uow import CaseFilter, NewPhoto, UnitOfWork
from console.services.wall import WallData, wall_data

UowFactory = Callable[[], UnitOfWork]


class LocalDeskBackend(CollectorReads, GazetteerReads, HotspotReads, CameraEvidence):
    """A signed-in seat served by the services in this process.

    Parameters
    ----------
    uow_factory : callable
        Units of work on the centre's database (unscoped: the seat's scope is applied here).
    centre : Centre or callable
        The centre, or a callable returning the current one (the composition root's, which
        an administrator's change replaces).
    clock : callable
        The current instant: the desk's own (embedded) or the server's.
    actor : Actor
        Who is signed in.
    reload : callable, optional
        Re-reads the reference data (the composition root's ``reload``).
    is_connection_error : callable, optional
        Tells a lost database from a refusal (the composition root's).
    alarms : callable, optional
        Makes the store of collectors' fixes and alarms (the composition root's
        ``alarm_store``); without it the 在岗 calls say the database has none.
    reads : callable, optional
        Units of work for reads without a snapshot across statements (the composition
        root's ``read_factory``): the feed poll runs on them; without it, on ``uow_factory``.
    duty_rounds : bool
        Run the 在岗 round here, at most once a minute, before reading the waiting alarms:
        the one-machine centre (embedded SQLite), where no ``citydesk worker`` runs.
    """

    def __init__(self, uow_factory: UowFactory, centre: Centre | Callable[[], Centre],
                 clock: Callable[[], datetime], actor: Actor, *,
                 reload: Callable[[], Centre] | None = None,
                 is_connection_error: Callable[[BaseException], bool] | None = None,
                 alarms: Callable[[], AlarmStore] | None = None,
                 duty_rounds: bool = False, reads: UowFactory | None = None) -> None:
        self._alarms = alarms
        self._duty_rounds = duty_rounds
        self._duty: OnDutyJob | None = None
        self._duty_at: datetime | None = None
        self._raw = uow_factory
        self._uow = scoped_factory(uow_factory, actor)
        self._reads = self._uow if reads is None else scoped_factory(reads, actor)
        self._centre = centre
        self._clock = clock
        self._actor = actor
        self._reload = reload
        self._connection_error = is_connection_error

    # -- local members --------------------------------------------------------------------
    @property
    def actor(self) -> Actor:
        """The signed-in seat."""
        return self._actor

    @property
    def centre(self) -> Centre:
        """The centre now (the composition root's, when given as a callable)."""
        centre = self._centre
        return centre if isinstance(centre, Centre) else centre()

    def reload_centre(self) -> Centre:
        """Re-read the reference data."""
        if self._reload is not None:
            return self._reload()
        from console.services.centre import load_centre

        self._centre = load_centre(self._raw())
        return self._centre

    def is_connection_error(self, exc: BaseException) -> bool:
        """The composition root's judgement; unknown errors are in doubt (see the controller)."""
        if self._connection_error is None:
            return True  # a root that cannot tell: in doubt, the log will say
        return self._connection_error(exc)

    def seat(self) -> Actor:
        """The signed-in seat."""
        return self._actor

    def reference(self) -> ReferenceSet:
        """The centre's reference data."""
        return self.centre.ref

    # -- queues and the log -----------------------------------------------------------------
    def first_load(self, queries: dict[str, QueueQuery], limit: int) -> FirstLoad:
        """See :meth:`console.desk_backend.DeskBackend.first_load`."""
        last = start_id(self._uow())
        with self._uow() as uow:
            # What the grace window would replay is already in this snapshot.
            recent = tuple(e.id for e in uow.events.since(max(last - GRACE, 0), GRACE + 1)
                           if e.id is not None)
        return FirstLoad(last, recent, load_queues(self._uow(), queries, limit))

    def queue_page(self, query: QueueQuery, offset: int, limit: int,
                   with_count: bool) -> PageSlice:
        """A page of a queue."""
        cases, total = load_page(self._uow(), query, offset, limit, with_count)
        return PageSlice(cases, total)

    def cases_by_ids(self, ids: list[int]) -> list[Case]:
        """These cases (those the seat may see)."""
        with self._uow() as uow:
            return uow.cases.get_many(ids)

    def recount(self, queries: dict[str, QueueQuery]) -> dict[str, int]:
        """Each queue's size."""
        return count_queues(self._uow(), queries)

    def light_tally(self, states: tuple[CaseState, ...]) -> LightTally:
        """Open cases by light."""
        return light_tally(self._uow(), self.centre, self._clock(), states)

    def due_soon(self, horizon: timedelta) -> list[DueStage]:
        """Stages running out soon."""
        return [DueStage(*row) for row in due_soon(self._uow(), self._clock(), horizon)]

    def events_since(self, since: int, seen: list[int], limit: int) -> FeedBatch:
        """The log after ``since``."""
        return poll(self._reads(), since, frozenset(seen), limit)

    # -- one case ---------------------------------------------------------------------------
    def case_detail(self, case_id: int) -> DetailData:
        """A case, this seat's actions on it, its thumbnails."""
        centre = self.centre
        detail = case_detail(self._uow(), centre, case_id, self._clock())
        options = options_for(detail.row.case, self._actor,
                              frozenset(centre.ref.config.verify_sources))
        with self._uow() as uow:
            thumbs = tuple((p.id, p.kind, uow.photos.data(p.id, thumbnail=True))
                           for p in detail.photos)
        return DetailData(detail, tuple(options), thumbs, self._holder_fix(detail.row.case))

    def photo(self, photo_id: int) -> bytes:
        """A photo at full size."""
        with self._uow() as uow:
            return uow.photos.data(photo_id)

    def search(self, text: str) -> CaseSearch:
        """Cases by number, phone digits or words."""
        return search_cases(self._uow(), self.centre, text, self._clock())

    def duplicates(self, category: str, grid: str | None, lon: float | None,
                   lat: float | None) -> list[DuplicateHint]:
        """Duplicate hints for a report being typed."""
        return list(preview_duplicates(self._uow, self.centre, self._clock(), category,
                                       grid or None, lon, lat))

    # -- commands ---------------------------------------------------------------------------
    def act(self, case_id: int, command: str, fields: dict[str, Any], seen_version: int | None,
            request_id: str, photos: list[NewPhoto]) -> Case:
        """Run a workflow command as this seat, at this backend's time."""
        return act(self._uow, self.centre, self._actor, self._clock(), case_id, command,
                   fields, expected_version=seen_version, photos=photos,
                   request_id=request_id)

    def report(self, category: str, description: str, source: str, grid: str | None,
               lon: float | None, lat: float | None, component_id: str | None, address: str,
               contact: str, legacy_kind: str | None, photos: list[NewPhoto],
               request_id: str) -> Case:
        """File a new report as this seat."""
        made = Report(category, description, source, grid, lon, lat, component_id, address,
                      contact, None, tuple(photos), legacy_kind)
        return report_case(self._uow, self.centre, self._actor, self._clock(), made,
                           request_id=request_id).case

    def action_committed(self, request_id: str) -> bool:
        """Whether the action is in the log."""
        return action_committed(self._uow, request_id)

    # -- figures ----------------------------------------------------------------------------
    def live_stats(self) -> LiveStats:
        """The charts' history."""
        return load_live_stats(self._uow(), self.centre, self._clock())

    def desk_stats(self) -> DeskStats:
        """The chart strip's figures."""
        unit = self._actor.unit if self._actor.role is Role.UNIT else None
        return desk_stats(self._uow(), self.centre, self._clock(), unit)

    def evaluate(self, period: Period, obj: str, compare: bool,
                 area_level: str | None = None) -> EvaluationReport:
        """One league table, counted up to now (areas by street unless told)."""
        if area_level is None and obj == "area":
            area_level = "street"
        return evaluate(self._uow(), self.centre, period, obj, area_level=area_level,
                        compare=compare, as_of=self._clock())

    def case_lines(self, obj: str, count: str, case_ids: list[int]) -> list[CaseLine]:
        """The cases behind a count."""
        return case_lines(self._uow(), self.centre, obj, count, case_ids)

    def period_data(self, period: Period) -> PeriodData:
        """Every league table of the period and its cases."""
        now, centre = self._clock(), self.centre
        evaluations = tuple(
            evaluate(self._uow(), centre, period, obj,
                     area_level="street" if obj == "area" else None, as_of=now)
            for obj in OBJECTS)
        start, end = period.bounds(centre.tz)
        with self._uow() as uow:
            cases = uow.cases.list(CaseFilter(reported_from=start, reported_to=end, order="id"))
        return PeriodData(evaluations, tuple(cases), now,
                          hotspots=period_hotspots(self._uow, centre, period, now))

    def wall_data(self) -> WallData:
        """The wall's figures."""
        return with_on_duty(wall_data(self._uow(), self.centre, self._clock()), self._alarms,
                            self.centre, self._clock())

    # -- 在岗 ---------------------------------------------------------------------------------
    def _alarm_store(self) -> AlarmStore:
        if self._alarms is None:
            raise ValidationError("此数据库没有监督员在岗数据 / no on-duty data here")
        return self._alarms()

    def duty_board(self) -> DutyBoard:
        """Every active collector with status, tasks in hand and open alarms."""
        return duty_board(self._alarm_store(), self._raw(), self.centre, self._actor,
                          self._clock())

    def pending_alarms(self) -> list[CollectorAlarm]:
        """Collectors' alarms waiting for an acknowledgement (after this minute's 在岗 round
        where this desk runs them)."""
        store = self._alarm_store()
        self._duty_round(store)
        return pending_alarms(store, self._actor, self._clock())

    def _duty_round(self, store: AlarmStore) -> None:
        # The desk polls every 30 s; the check is a minute's round, as in the worker.
        if not self._duty_rounds:
            return
        now = self._clock()
        if self._duty_at is not None and (now - self._duty_at).total_seconds() < CHECK_EVERY:
            return
        self._duty_at = now
        if not store.last_fixes([u.username for u in collectors(self.centre)], now):
            # No collector's phone has ever reported here: this centre does not use the field
            # API (the demo, a desk-only centre), and "everyone offline" would be noise.
            return
        if self._duty is None:
            self._duty = OnDutyJob(store, self._raw, self._clock)
        self._duty()

    def acknowledge_alarm(self, alarm_id: int) -> CollectorAlarm:
        """Acknowledge a collector's alarm (logged in the admin log)."""
        return acknowledge_alarm(self._raw, self._alarm_store(), self._actor, alarm_id,
                                 self._clock())

    # -- presence ---------------------------------------------------------------------------
    def heartbeat(self, name: str, case_id: int | None, since: datetime) -> list[Presence]:
        """One heartbeat; the other live desks."""
        return presence.heartbeat(self._uow, self._actor, name, case_id, self._clock(), since)

    def leave(self) -> None:
        """Withdraw this desk's presence."""
        presence.leave(self._uow, self._actor.desk)

    # -- intake -----------------------------------------------------------------------------
    def _intake(self, keep: bool = True) -> IntakeContext:
        # The database's units of work carry the intake tables (db/uow.py proves it to mypy).
        factory = cast(IntakeUowFactory, self._raw)
        return IntakeContext(factory if keep else dry_run(factory), self.centre, self._actor,
                             self._clock)

    def intake_problems(self) -> list[IntakeProblem]:
        """The open intake problems."""
        return list_problems(cast(IntakeUowFactory, self._raw))

    def retry_problems(self, ids: list[int], grid: str | None) -> list[RetryResult]:
        """Retry these problems."""
        return retry_problems(self._intake(), ids, grid=grid or None)

    def map_code(self, channel: str, external_code: str, category: str) -> None:
        """Map a channel's code to a category."""
        set_mapping(cast(IntakeUowFactory, self._raw), self.centre, self._actor, self._clock(),
                    channel, external_code, category)

    def dismiss_problems(self, ids: list[int]) -> None:
        """Mark these records as not cases."""
        for problem_id in ids:
            dismiss_problem(cast(IntakeUowFactory, self._raw), self._actor, self._clock(),
                            problem_id)

    def import_table(self, table: Table, mapping: ColumnMapping, keep: bool,
                     progress: Progress | None = None) -> ImportReport:
        """Take a file's rows in; ``progress`` (in process only) may stop it."""
        return run_import(self._intake(keep), table, mapping, progress)

    # -- administration ---------------------------------------------------------------------
    def admin_snapshot(self) -> AdminSnapshot:
        """Reference data as stored, edit marks, load, accounts."""
        view = admin.load_admin_view(self._raw, self._actor)
        listed = accounts.list_accounts(self._raw, self._actor)
        return AdminSnapshot(view, tuple(
            AccountView(a.user, bool(a.password_hash), a.failed_logins, a.locked_until,
                        a.password_changed_at) for a in listed))

    def add_user(self, user: User, password: str | None) -> User:
        """Create a user."""
        return accounts.add_user(self._raw, self.centre, self._actor, user, password,
                                 self._clock())

    def update_user(self, user: User) -> User:
        """Save a user."""
        return accounts.update_user(self._raw, self.centre, self._actor, user)

    def set_active(self, username: str, active: bool) -> User:
        """Enable or disable a user."""
        return accounts.set_active(self._raw, self.centre, self._actor, username, active)

    def set_password(self, username: str, password: str) -> None:
        """Set a user's password."""
        accounts.set_password(self._raw, self._actor, username, password, self._clock())

    def set_calendar_day(self, day: date, workday: bool, note: str) -> Change:
        """Override a date."""
        return admin.set_calendar_day(self._raw, self.centre, self._actor, day, workday, note)

    def remove_calendar_override(self, day: date) -> Change:
        """Drop a date's override."""
        return admin.remove_calendar_override(self._raw, self._actor, day)

    def update_stage_limits(self, limits: dict[str, int]) -> Change:
        """Save the stages' limits."""
        return admin.update_stage_limits(self._raw, self._actor, limits)

    def update_unit(self, code: str, name: str, parent: str | None, active: bool,
                    name_en: str) -> Change:
        """Save a unit."""
        return admin.update_unit(self._raw, self._actor, code, name=name, parent=parent,
                                 active=active, name_en=name_en)

    def update_category(self, code: str, name_zh: str, name_en: str,
                        limits: dict[LimitClass, int], natural_time: bool) -> Change:
        """Save a category."""
        return admin.update_category(self._raw, self._actor, code, name_zh=name_zh,
                                     name_en=name_en, limits=limits, natural_time=natural_time)

    def update_grid(self, code: str, street: str, community: str, street_en: str,
                    community_en: str) -> Change:
        """Save a grid cell's names."""
        return admin.update_grid(self._raw, self._actor, code, street=street,
                                 community=community, street_en=street_en,
                                 community_en=community_en)

    def import_notice(self, notice: HolidayNotice) -> YearImport:
        """Import a year's holidays from a notice."""
        return calendar_year.import_notice(self._raw, self.centre, self._actor, notice)

    def import_year(self, year: int, days: list[CalendarDay]) -> YearImport:
        """Import a year's holidays from a list of days."""
        return calendar_year.import_year(self._raw, self.centre, self._actor, year, days)


class LocalWallBackend(HotspotReads, CameraReads):
    """The wall screen's reads, in process (unscoped: the wall shows the whole centre)."""

    def __init__(self, uow_factory: UowFactory, centre: Centre,
                 clock: Callable[[], datetime],
                 alarms: Callable[[], AlarmStore] | None = None) -> None:
        self._uow, self.centre, self._clock = uow_factory, centre, clock
        self._raw = uow_factory
        self._alarms = alarms

    def wall_data(self) -> WallData:
        """The figures now."""
        return with_on_duty(wall_data(self._uow(), self.centre, self._clock()), self._alarms,
                            self.centre, self._clock())


def with_on_duty(data: WallData, alarms: Callable[[], AlarmStore] | None, centre: Centre,
                 now: datetime) -> WallData:
    """The wall's figures with 监督员在岗 n/m (left out where the database keeps no fixes)."""
    if alarms is None:
        return data
    on_duty, total = on_duty_count(alarms(), centre, now)
    return replace(data, collectors_on_duty=on_duty, collectors=total)


def open_desk(root: Any, actor: Actor, clock: Callable[[], datetime]) -> Any:
    """The seat's :class:`~console.desk_backend.DeskBackend` on a composition root.

    A root that opens its own seats (the server's client) says so with ``desk_backend``;
    otherwise (``console.app.App``) the services run here on its units of work.
    """
    make = getattr(root, "desk_backend", None)
    if make is not None:
        return make(actor, clock)
    return LocalDeskBackend(root.uow_factory, lambda: root.centre, clock, actor,
                            reload=getattr(root, "reload", None),
                            is_connection_error=getattr(root, "is_connection_error", None),
                            alarms=getattr(root, "alarm_store", None),
                            duty_rounds=bool(getattr(root, "runs_duty_rounds", False)))


def open_wall(root: Any, clock: Callable[[], datetime]) -> Any:
    """The wall's reads on a composition root (see :func:`open_desk`)."""
    make = getattr(root, "wall_backend", None)
    if make is not None:
        return make(clock)
    # Looked up on every read, not bound once: a root whose database is replaced (a reconnect,
    # a test cutting the line) is what the wall reads next.
    return LocalWallBackend(lambda: root.uow_factory(), root.centre, clock,
                            getattr(root, "alarm_store", None))


def materialize(result: Any) -> Any:
    """``result`` with every lazily read part read now (before it is sent over the wire).

    An evaluation's unit rows read their case lists from the database on demand
    (:class:`~console.services.evaluation_cases.UnitCaseIds`); one query reads them all.
    """
    reports: list[EvaluationReport] = []
    if isinstance(result, EvaluationReport):
        reports.append(result)
    elif isinstance(result, PeriodData):
        reports.extend(result.evaluations)
    while reports:
        report = reports.pop()
        if report.cases is not None:
            report.cases.load_all()
        if report.previous is not None:
            reports.append(report.previous)
    return result


def sign_in(root: Any, username: str, password: str, clock: Callable[[], datetime]) -> None:
    """Check a password (the server checks it there); raises a CityDeskError when refused."""
    check = getattr(root, "sign_in", None)
    if check is not None:
        check(username, password)
        root.centre  # noqa: B018  (the session's reference data, read here on the worker)
        return
    accounts.sign_in(root.uow_factory, username, password, clock())


def demo_state(root: Any) -> tuple[int, bool]:
    """(cases in the database, it holds demo data) of an embedded database; a server: (1, False).

    Demo data is made only on an embedded database, and a server's sign-in never hints at the
    demo password.
    """
    if getattr(root, "desk_backend", None) is not None:
        return 1, False
    from console.services.demo import has_demo_data

    with root.uow_factory() as uow:
        count = uow.cases.count(CaseFilter())
    return count, has_demo_data(root.uow_factory())
