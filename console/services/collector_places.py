"""Where the collectors are, for the desk: who to send a visit to, the holder's last fix, the
map's collector layer and a day's track.

The 在岗 status is :mod:`console.domain.on_duty`'s (inside a shift with a fix in the last 15
minutes); the fixes come from the phones (``collector_positions``) through the 在岗 store
(:class:`~console.services.on_duty.AlarmStore`).  Positions are people's whereabouts: only the
seats that watch collectors (受理员, 派遣员, 值班长, 管理员: :func:`~console.services.on_duty.may_watch`)
read them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from console.domain.cases import Actor, Case
from console.domain.errors import PermissionDeniedError, ValidationError
from console.domain.geo import haversine_m
from console.domain.on_duty import DutyStatus, TrackPoint, status
from console.services.centre import Centre
from console.services.collectors import Nearness, collector_choices
from console.services.on_duty import TASK_STATES, AlarmStore, collectors, may_watch, shift_now
from console.services.uow import CaseFilter, UnitOfWork


@dataclass(frozen=True, slots=True)
class CollectorOption:
    """A collector the desk may send a 核实 / 核查 visit to, as the V / K dialog lists them.

    ``distance_m`` is from the collector's last fix to the case (None without a fix or when
    the case has no place); ``tasks`` the visits they hold now.
    """

    username: str
    name: str
    nearness: Nearness
    status: DutyStatus
    distance_m: float | None
    last_fix: datetime | None
    tasks: int


@dataclass(frozen=True, slots=True)
class CollectorFix:
    """A collector's last fix and, for a case, how far from it (metres; None: no place)."""

    username: str
    t: datetime
    lon: float
    lat: float
    distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class CollectorSpot:
    """One collector on the map: name, status now and last fix (None: never sent one)."""

    username: str
    name: str
    status: DutyStatus
    fix: TrackPoint | None


def require_watch(actor: Actor) -> None:
    """Refuse a seat that may not see collectors' whereabouts."""
    if not may_watch(actor):
        raise PermissionDeniedError("此席位不能查看监督员位置 / this seat does not see "
                                    "collectors' positions")


def case_place(centre: Centre, case: Case) -> tuple[float, float] | None:
    """Where a case is: its coordinates, else its cell's centre, else None."""
    if case.lon is not None and case.lat is not None:
        return case.lon, case.lat
    cell = centre.ref.grids.get(case.grid) if case.grid else None
    return cell.centroid if cell is not None else None


def _metres(fix: TrackPoint | None, place: tuple[float, float] | None) -> float | None:
    if fix is None or place is None:
        return None
    return haversine_m(fix.lon, fix.lat, place[0], place[1])


def rank_options(centre: Centre, case: Case, fixes: Mapping[str, TrackPoint],
                 tasks: Mapping[str, int], statuses: Mapping[str, DutyStatus]
                 ) -> list[CollectorOption]:
    """Every active collector for a visit to ``case``, the default first.

    First the case's cell's own collectors who are on duty, then everyone else on duty, then
    those who are not — each group nearest first by their last fix (those without one last,
    the cell's own and its neighbours' before the rest).  Pure: the fixes, task counts and
    statuses are passed in.
    """
    place = case_place(centre, case)
    out = []
    for choice in collector_choices(centre, case):
        fix = fixes.get(choice.username)
        out.append(CollectorOption(
            choice.username, choice.name, choice.nearness,
            statuses.get(choice.username, DutyStatus.OFFLINE), _metres(fix, place),
            fix.t if fix is not None else None, tasks.get(choice.username, 0)))

    def key(o: CollectorOption) -> tuple[int, float, int, str]:
        on = o.status is DutyStatus.ON_DUTY
        group = 0 if on and o.nearness is Nearness.OWN_CELL else 1 if on else 2
        far = o.distance_m if o.distance_m is not None else float("inf")
        return group, far, int(o.nearness), o.username

    return sorted(out, key=key)


def tasks_in_hand(uow: UnitOfWork) -> dict[str, int]:
    """How many waiting visits each collector holds now."""
    with uow:
        cases = uow.cases.list(CaseFilter(states=TASK_STATES))
    counts: dict[str, int] = {}
    for case in cases:
        if case.assignee:
            counts[case.assignee] = counts.get(case.assignee, 0) + 1
    return counts


def _statuses(centre: Centre, fixes: Mapping[str, TrackPoint], now: datetime,
              names: Sequence[str]) -> dict[str, DutyStatus]:
    shift = shift_now(centre, now)
    settings = centre.ref.config.on_duty
    return {name: status(now, fixes[name].t if name in fixes else None, shift, settings)
            for name in names}


def collector_options(store: AlarmStore | None, uow: UnitOfWork, centre: Centre, actor: Actor,
                      case: Case, now: datetime) -> list[CollectorOption]:
    """The V / K dialog's list for ``case`` (a store of None: a database without fixes)."""
    require_watch(actor)
    names = [u.username for u in collectors(centre)]
    fixes = store.last_fixes(names, now) if store is not None and names else {}
    return rank_options(centre, case, fixes, tasks_in_hand(uow),
                        _statuses(centre, fixes, now, names))


def holder_fix(store: AlarmStore | None, centre: Centre, case: Case,
               now: datetime) -> CollectorFix | None:
    """The last fix of the collector holding ``case``'s visit, and its distance to the case."""
    if store is None or not case.assignee or case.state not in TASK_STATES:
        return None
    fix = store.last_fixes([case.assignee], now).get(case.assignee)
    if fix is None:
        return None
    return CollectorFix(case.assignee, fix.t, fix.lon, fix.lat,
                        _metres(fix, case_place(centre, case)))


def collector_spots(store: AlarmStore, centre: Centre, actor: Actor,
                    now: datetime) -> list[CollectorSpot]:
    """Every active collector's status and last fix (the map's collector layer)."""
    require_watch(actor)
    people = collectors(centre)
    names = [u.username for u in people]
    fixes = store.last_fixes(names, now) if names else {}
    statuses = _statuses(centre, fixes, now, names)
    return [CollectorSpot(u.username, u.name, statuses[u.username], fixes.get(u.username))
            for u in people]


def day_track(store: AlarmStore, centre: Centre, actor: Actor, username: str, day: date,
              now: datetime) -> list[TrackPoint]:
    """A collector's fixes of one day in the centre's zone, oldest first."""
    require_watch(actor)
    if username not in centre.ref.users:
        raise ValidationError(f"没有用户 {username} / no such user")
    start = datetime.combine(day, time(0), tzinfo=centre.tz)
    end = min(start + timedelta(days=1) - timedelta(microseconds=1), now)
    if end < start:
        return []
    return store.tracks([username], start, end).get(username, [])
