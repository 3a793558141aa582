"""The desk's one seam to the centre: everything a desk, a unit seat or the wall asks for.

:class:`DeskBackend` lists the coarse things a signed-in seat does — one method each — so the
window never sees a unit of work, a database or a server.  Two implementations exist:
``console.desk_local.LocalDeskBackend`` (the services in this process, the embedded default)
and ``console.client.remote.RemoteDeskBackend`` (the centre's server over HTTP).  No method
takes the actor or the time: the implementation holds the signed-in seat and its clock (the
server's clock, remotely), so a desk cannot say who it is or when it is.

The signatures are also the wire format's schema: ``console.services.wire`` decodes a method's
JSON arguments and its result by these type hints, and the server exposes exactly the
methods of :data:`METHODS`.  Keep them concrete (dataclasses, enums, lists, tuples, dicts).
This module is pure: it imports no database, GUI or HTTP library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from console.domain.cameras import Camera, NearCamera
from console.domain.cases import Actor, Case, CaseState
from console.domain.duplicates import DuplicateHint
from console.domain.evaluation import Period
from console.domain.holiday_notice import HolidayNotice
from console.domain.on_duty import TrackPoint
from console.domain.options import ActionOption
from console.domain.reference import CalendarDay, LimitClass, ReferenceSet, User
from console.intake.file_import import ImportReport, Progress, Table
from console.intake.file_mapping import ColumnMapping
from console.intake.retry import RetryResult
from console.services.admin import AdminView, Change
from console.services.calendar_year import YearImport
from console.services.case_search import CaseSearch
from console.services.central_ports import Presence
from console.services.centre import Centre
from console.services.collector_places import CollectorFix, CollectorOption, CollectorSpot
from console.services.evaluation import EvaluationReport
from console.services.evaluation_drill import CaseLine
from console.services.feed import FeedBatch
from console.services.gazetteer import GazetteerHit
from console.services.hotspot_report import HotspotSection
from console.services.hotspots import HotspotFigures, HotspotMap, RepeatPoints
from console.services.intake_ports import IntakeProblem
from console.services.live_stats import LiveStats
from console.services.on_duty import CollectorAlarm, DutyBoard
from console.services.queries import CaseDetail
from console.services.queue_reads import LightTally, QueuePage
from console.services.queue_view import QueueQuery
from console.services.stats import DeskStats
from console.services.uow import NewPhoto, PhotoInfo
from console.services.wall import WallData


@dataclass(frozen=True, slots=True)
class FirstLoad:
    """Where the log stands, the ids the feed's grace window would replay, the queues' pages."""

    last_id: int
    recent: tuple[int, ...]
    pages: dict[str, QueuePage]


@dataclass(frozen=True, slots=True)
class PageSlice:
    """A page of a queue and, when asked for, the queue's size."""

    cases: list[Case]
    total: int | None


@dataclass(frozen=True, slots=True)
class DueStage:
    """A running stage whose deadline falls within the asked horizon."""

    case_id: int
    version: int
    deadline: datetime
    natural: bool


@dataclass(frozen=True, slots=True)
class DetailData:
    """A case as the detail pane shows it: the detail, this seat's actions, the thumbnails."""

    detail: CaseDetail
    options: tuple[ActionOption, ...]
    thumbnails: tuple[tuple[int, str, bytes], ...]
    #: The last fix of the collector holding the case's 核实 / 核查 visit, with its distance to
    #: the case (None: no visit waits, no fix, or a seat that does not watch collectors).
    holder_fix: CollectorFix | None = None


@dataclass(frozen=True, slots=True)
class PeriodData:
    """What the period report is built from: every league table, the period's cases, when."""

    evaluations: tuple[EvaluationReport, ...]
    cases: tuple[Case, ...]
    as_of: datetime
    #: The audit chain's latest anchor line where the centre keeps its anchors (the server's
    #: folder, through a server; None in process: the embedded CLI reads its own folder).
    anchor: str | None = None
    #: The 「热点与难点」 section (None for a seat scoped to its own cases).
    hotspots: HotspotSection | None = None


@dataclass(frozen=True, slots=True)
class AccountView:
    """A user with their sign-in state, as an administrator sees it (never the hash)."""

    user: User
    has_password: bool
    failed_logins: int = 0
    locked_until: datetime | None = None
    password_changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AdminSnapshot:
    """One read of everything the administration window shows."""

    view: AdminView
    accounts: tuple[AccountView, ...]


@runtime_checkable
class DeskBackend(Protocol):
    """What a signed-in seat can do; every call is one round trip (in process or to the server).

    Reads see only what the seat may see (a unit seat its unit's cases); commands are checked
    against the seat's role.  Refusals raise the domain's errors (``console.domain.errors``)
    with their one-line texts, whichever implementation answers.
    """

    @property
    def actor(self) -> Actor:
        """The signed-in seat."""
        ...

    @property
    def centre(self) -> Centre:
        """Reference data, the calendar and the workflow context."""
        ...

    def reload_centre(self) -> Centre:
        """Read the reference data again (after an administrator's change)."""
        ...

    def is_connection_error(self, exc: BaseException) -> bool:
        """True when ``exc`` means the centre could not be reached: an outcome in doubt."""
        ...

    def seat(self) -> Actor:
        """Who the centre says is signed in here (the server's answer, remotely)."""
        ...

    def reference(self) -> ReferenceSet:
        """The centre's reference data as stored now."""
        ...

    # -- the queues and the log ---------------------------------------------------------------
    def first_load(self, queries: dict[str, QueueQuery], limit: int) -> FirstLoad:
        """The first page of every queue and where the log stands, in one snapshot."""
        ...

    def queue_page(self, query: QueueQuery, offset: int, limit: int,
                   with_count: bool) -> PageSlice:
        """A page of a queue (and its size when ``with_count``)."""
        ...

    def cases_by_ids(self, ids: list[int]) -> list[Case]:
        """These cases, those the seat may see."""
        ...

    def recount(self, queries: dict[str, QueueQuery]) -> dict[str, int]:
        """Each queue's size now."""
        ...

    def light_tally(self, states: tuple[CaseState, ...]) -> LightTally:
        """Open cases by light per unit and grid cell, now."""
        ...

    def due_soon(self, horizon: timedelta) -> list[DueStage]:
        """Running stages due within ``horizon`` from now."""
        ...

    def events_since(self, since: int, seen: list[int], limit: int) -> FeedBatch:
        """Events after ``since`` (and late commits within the grace window not in ``seen``)."""
        ...

    # -- one case ----------------------------------------------------------------------------
    def case_detail(self, case_id: int) -> DetailData:
        """A case's detail, the actions this seat may take on it, its thumbnails."""
        ...

    def photo(self, photo_id: int) -> bytes:
        """A photo at full size (of a case the seat may see)."""
        ...

    def search(self, text: str) -> CaseSearch:
        """Cases by number, phone digits or words."""
        ...

    def duplicates(self, category: str, grid: str | None, lon: float | None,
                   lat: float | None) -> list[DuplicateHint]:
        """Open cases that may be the report being typed."""
        ...

    def geocode(self, text: str, limit: int) -> list[GazetteerHit]:
        """Gazetteer places for what the operator typed, best first, each with its grid cell."""
        ...

    # -- commands ----------------------------------------------------------------------------
    def act(self, case_id: int, command: str, fields: dict[str, Any], seen_version: int | None,
            request_id: str, photos: list[NewPhoto]) -> Case:
        """Run a workflow command; the case after it.  ``request_id`` names it in the log."""
        ...

    def report(self, category: str, description: str, source: str, grid: str | None,
               lon: float | None, lat: float | None, component_id: str | None, address: str,
               contact: str, legacy_kind: str | None, photos: list[NewPhoto],
               request_id: str) -> Case:
        """File a new report as this seat; the case made."""
        ...

    def action_committed(self, request_id: str) -> bool:
        """Whether the action named ``request_id`` is in the log (an outcome in doubt)."""
        ...

    # -- figures -------------------------------------------------------------------------------
    def live_stats(self) -> LiveStats:
        """The statistics charts' history up to now."""
        ...

    def desk_stats(self) -> DeskStats:
        """The chart strip's figures (a unit seat's own unit)."""
        ...

    def evaluate(self, period: Period, obj: str, compare: bool,
                 area_level: str | None = None) -> EvaluationReport:
        """One league table of ``period``, counted up to now.

        ``area_level`` (``grid``, ``community`` or ``street``) is for ``obj`` ``area`` only;
        without it an area table is by street, as the desk's evaluation view shows it.
        """
        ...

    def case_lines(self, obj: str, count: str, case_ids: list[int]) -> list[CaseLine]:
        """The cases behind one count of a league table."""
        ...

    def period_data(self, period: Period) -> PeriodData:
        """Everything the period report (Ctrl+E export) holds."""
        ...

    def wall_data(self) -> WallData:
        """The wall screen's figures now."""
        ...

    def hotspot_map(self, period: str, categories: list[str]) -> HotspotMap:
        """The choropleth of a period (``7d``, ``30d``, ``month``, ``last_month``,
        ``quarter``) for a category set (empty: all) against the period before (a centre
        seat's; scoped seats are refused)."""
        ...

    def repeat_points(self, period: str, categories: list[str],
                      repeat_min: int) -> RepeatPoints:
        """Repeat points of the 30 days to the period's end (``repeat_min`` reports or more
        of a category within 50 m)."""
        ...

    def hotspot_figures(self, period: str, categories: list[str]) -> HotspotFigures:
        """高发区域, 高发问题 and 高发时段 of a period."""
        ...

    # -- 在岗: collectors on duty and their alarms ---------------------------------------------
    def duty_board(self) -> DutyBoard:
        """Every active collector with status, tasks in hand and open alarms (值班长's list)."""
        ...

    def pending_alarms(self) -> list[CollectorAlarm]:
        """Collectors' alarms waiting for an acknowledgement, oldest first."""
        ...

    def acknowledge_alarm(self, alarm_id: int) -> CollectorAlarm:
        """Ctrl+K on a collector's alarm (logged); the alarm as it stands after."""
        ...

    # -- where the collectors are -------------------------------------------------------------
    def collector_options(self, case_id: int) -> list[CollectorOption]:
        """Collectors for a 核实 / 核查 visit to the case (V, K, 改派), the default first: the
        cell's on-duty collector, then the others on duty nearest first, then the rest."""
        ...

    def collector_spots(self) -> list[CollectorSpot]:
        """Every active collector's status and last fix (the map's collector layer)."""
        ...

    def collector_track(self, username: str, day: date) -> list[TrackPoint]:
        """A collector's fixes of one day in the centre's zone, oldest first (the replay)."""
        ...

    # -- cameras (issue #17) -----------------------------------------------------------------
    def cameras(self, group: str | None) -> list[Camera]:
        """The camera registry by code (a group's cameras when given)."""
        ...

    def camera_play_url(self, code: str, sub: bool) -> str:
        """A URL to play the camera now, asked of its platform where the backend runs."""
        ...

    def nearby_cameras(self, case_id: int, radius_m: float) -> list[NearCamera]:
        """Cameras that may see the case's place (within ``radius_m``, or of its cell and the
        cells around), nearest first."""
        ...

    def attach_snapshot(self, case_id: int, camera_code: str, jpeg: bytes,
                        taken_at: datetime) -> PhotoInfo:
        """A camera's frame attached to the case as a photo of kind 视频."""
        ...

    def verify_by_video(self, case_id: int, camera_code: str, found: bool, jpeg: bytes,
                        taken_at: datetime, notes: str, seen_version: int | None) -> Case:
        """核实 found / not found by video (已受理 or 核实中), the frame as its evidence."""
        ...

    # -- presence ------------------------------------------------------------------------------
    def heartbeat(self, name: str, case_id: int | None, since: datetime) -> list[Presence]:
        """Say which case is open here; the other live desks."""
        ...

    def leave(self) -> None:
        """Withdraw this desk's presence."""
        ...

    # -- intake --------------------------------------------------------------------------------
    def intake_problems(self) -> list[IntakeProblem]:
        """The open intake problems."""
        ...

    def retry_problems(self, ids: list[int], grid: str | None) -> list[RetryResult]:
        """Retry these problems (in ``grid`` when given)."""
        ...

    def map_code(self, channel: str, external_code: str, category: str) -> None:
        """Map a channel's code to a category."""
        ...

    def dismiss_problems(self, ids: list[int]) -> None:
        """Mark these records as not cases."""
        ...

    def import_table(self, table: Table, mapping: ColumnMapping, keep: bool,
                     progress: Progress | None = None) -> ImportReport:
        """Take a file's rows in (``keep`` False: a dry run that keeps nothing).

        ``progress(done, total)`` returning False stops the run.  It never crosses the wire
        (:data:`LOCAL_PARAMETERS`): through the server it hears only the start and the end.
        """
        ...

    # -- administration ------------------------------------------------------------------------
    def admin_snapshot(self) -> AdminSnapshot:
        """Reference data as stored, edit marks, open cases per unit, the accounts."""
        ...

    def add_user(self, user: User, password: str | None) -> User:
        """Create a user."""
        ...

    def update_user(self, user: User) -> User:
        """Save a user's name, role and unit."""
        ...

    def set_active(self, username: str, active: bool) -> User:
        """Enable or disable a user."""
        ...

    def set_password(self, username: str, password: str) -> None:
        """Set a user's password."""
        ...

    def set_calendar_day(self, day: date, workday: bool, note: str) -> Change:
        """Override a date: a workday or a day off."""
        ...

    def remove_calendar_override(self, day: date) -> Change:
        """Drop a date's override."""
        ...

    def update_stage_limits(self, limits: dict[str, int]) -> Change:
        """Save every stage's limit."""
        ...

    def update_unit(self, code: str, name: str, parent: str | None, active: bool,
                    name_en: str) -> Change:
        """Save a unit."""
        ...

    def update_category(self, code: str, name_zh: str, name_en: str,
                        limits: dict[LimitClass, int], natural_time: bool) -> Change:
        """Save a category."""
        ...

    def update_grid(self, code: str, street: str, community: str, street_en: str,
                    community_en: str) -> Change:
        """Save a grid cell's names."""
        ...

    def import_notice(self, notice: HolidayNotice) -> YearImport:
        """Import a year's statutory holidays from a parsed notice."""
        ...

    def import_year(self, year: int, days: list[CalendarDay]) -> YearImport:
        """Import a year's statutory holidays from a list of days."""
        ...


class WallBackend(Protocol):
    """What the wall screen reads (a read-only seat)."""

    @property
    def centre(self) -> Centre:
        """Reference data."""
        ...

    def wall_data(self) -> WallData:
        """The figures now."""
        ...

    def cameras(self, group: str | None) -> list[Camera]:
        """The camera registry (the video page)."""
        ...

    def camera_play_url(self, code: str, sub: bool) -> str:
        """A URL to play a camera now (the video page)."""
        ...

    def hotspot_map(self, period: str, categories: list[str]) -> HotspotMap:
        """The choropleth of a period (the hotspot page)."""
        ...

    def repeat_points(self, period: str, categories: list[str],
                      repeat_min: int) -> RepeatPoints:
        """The repeat points (the hotspot page)."""
        ...

    def hotspot_figures(self, period: str, categories: list[str]) -> HotspotFigures:
        """The top lists of a period (the hotspot page)."""
        ...


#: Parameters that stay in the caller's process (callbacks); the server never receives them.
LOCAL_PARAMETERS = frozenset({"progress"})

#: Members of the protocol that are not calls over the wire.
LOCAL_MEMBERS = frozenset({"actor", "centre", "reload_centre", "is_connection_error"})

#: The methods a server exposes (``POST /api/v1/desk/{method}``), and nothing else.
METHODS: frozenset[str] = frozenset(
    name for name, value in vars(DeskBackend).items()
    if callable(value) and not name.startswith("_") and name not in LOCAL_MEMBERS)
