"""Use cases on cases: report a problem, and run any workflow command on one.

Each call is one transaction: load, apply the pure transition, save with the version check,
append the events, store photos, commit.  Errors raise before the commit, so the database is
unchanged when anything is wrong.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from console.domain.cases import Actor, Case, CaseState, Event, Role, Source
from console.domain.commands import LABELS_ZH, Action, Command
from console.domain.copies import Replacer
from console.domain.deadlines import MemoClock
from console.domain.duplicates import (
    MAX_HINTS,
    DuplicateHint,
    Nearby,
    check_window,
    rank_nearby,
)
from console.domain.errors import (
    ConflictError,
    IllegalTransitionError,
    NotFoundError,
    ValidationError,
)
from console.domain.geo import locate, point_in_polygon
from console.domain.reference import Category, ComponentInstance, GridCell, RoutingRule
from console.domain.routing import RouteResult, route
from console.domain.transitions import apply, transition_for
from console.domain.workflow import APPROVALS
from console.services.access import scoped_factory
from console.services.centre import Centre
from console.services.photo_staging import staged_photos
from console.services.uow import NearbyQuery, NewPhoto, UnitOfWork

UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a report is: its grid cell, and coordinates when known."""

    grid: GridCell
    lon: float | None
    lat: float | None


@dataclass(frozen=True, slots=True)
class ReportResult:
    """A new case, its routing suggestion and the open cases it may duplicate."""

    case: Case
    route: RouteResult
    duplicates: tuple[DuplicateHint, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """What a report form or channel supplies."""

    category: str
    description: str
    source: str = Source.COLLECTOR.value
    grid: str | None = None
    lon: float | None = None
    lat: float | None = None
    component_id: str | None = None
    address: str = ""
    contact: str = ""
    reported_at: datetime | None = None
    photos: Sequence[NewPhoto] = field(default_factory=tuple)
    legacy_kind: str | None = None
    """``component`` / ``event``: the meaning of a legacy CJ/T 214 code in ``category``."""


def resolve_location(
    centre: Centre, grid: str | None, lon: float | None, lat: float | None
) -> Location:
    """The grid cell of a report, from a cell code or coordinates inside the county's cells."""
    if (lon is None) != (lat is None):
        raise ValidationError("经度和纬度须同时给出 / give both lon and lat")
    if grid:
        cell = centre.grid(grid)
        if lon is not None and lat is not None and not point_in_polygon(lon, lat, cell.polygon):
            raise ValidationError(
                f"坐标 ({lon:.6f}, {lat:.6f}) 不在网格 {cell.code} 内 / coordinates outside the cell"
            )
        return Location(cell, lon, lat)
    if lon is None or lat is None:
        raise ValidationError("请给出网格编码，或经纬度 / give a grid code or coordinates")
    for name, value, low, high in (("经度", lon, -180.0, 180.0), ("纬度", lat, -90.0, 90.0)):
        if not low <= value <= high:
            raise ValidationError(f"{name} {value} 超出范围 / coordinate out of range")
    found = locate(lon, lat, centre.ref.grids.values())
    if found is None:
        raise ValidationError(
            f"坐标 ({lon:.6f}, {lat:.6f}) 不在本县任何单元网格内 / outside the county's grid"
        )
    return Location(found, lon, lat)


def suggest_route(
    centre: Centre,
    category: Category,
    grid: str | None,
    component_id: str | None,
    condition: str | None = None,
    *,
    rules: Sequence[RoutingRule] | None = None,
) -> RouteResult:
    """The responsible unit for a category at a place, and the rule that decided.

    ``rules`` defaults to the centre's whole matrix; a batch passes the category's own rules
    (:func:`rules_by_category`), which give the same answer.
    """
    cell = centre.ref.grids.get(grid) if grid else None
    component = centre.ref.components.get(component_id) if component_id else None
    return route(
        category,
        grid=cell,
        component=component,
        condition=condition,
        rules=centre.ref.rules if rules is None else rules,
        units=centre.ref.units,
        coordination_office=centre.ref.config.coordination_office,
    )


def _component(centre: Centre, component_id: str | None) -> ComponentInstance | None:
    if not component_id:
        return None
    component = centre.ref.components.get(component_id.strip())
    if component is None:
        raise NotFoundError(f"未知的部件编号 {component_id!r} / unknown component")
    return component


def duplicate_hints(
    uow: UnitOfWork, centre: Centre, category: str, location: Location, at: datetime,
    exclude: int | None = None,
) -> tuple[DuplicateHint, ...]:
    """Open cases of the same category near the place within the configured window.

    At most :data:`~console.domain.duplicates.MAX_HINTS`, the best first, read as light rows
    in bounded SQL reads (on each side of the report's time the nearest few, closest in time
    first): a cluster of thousands of open cases on one point costs what a few do.  The domain
    measures and orders the rows read exactly as it would every open case.
    """
    config = centre.ref.config
    radius, hours = config.duplicate_radius_m, config.duplicate_hours
    lon, lat, grid = location.lon, location.lat, location.grid.code
    check_window(radius, hours, lon, lat)
    near = None if lon is None or lat is None else (lon, lat)
    query = NearbyQuery(category, at, timedelta(hours=hours), near, radius, grid,
                        exclude=exclude)

    def rank(rows: Iterable[Nearby]) -> list[DuplicateHint]:
        return rank_nearby(lon, lat, grid, at, rows, radius, hours, MAX_HINTS)

    limit = MAX_HINTS + _SPARE_ROWS
    while True:
        rows = uow.cases.open_in_box(replace(query, limit=limit))
        # A side read in full whose rows give fewer hints than wanted (rows read at the
        # reach's or the window's very edge and refused by the exact measure) is read again,
        # four times as large, so a refused row never hides a hint behind it.
        sides = ([r for r in rows if r.reported_at <= at], [r for r in rows if r.reported_at > at])
        if all(len(side) < limit or len(rank(side)) >= MAX_HINTS for side in sides):
            return tuple(rank(rows))
        limit *= 4


#: Rows read beyond the hints wanted on each side: the SQL measure may order two almost
#: equidistant points (within ~1e-6 of the distance) the other way round from the exact one.
_SPARE_ROWS = 4


def report_case(
    uow_factory: UowFactory, centre: Centre, actor: Actor, now: datetime, report: Report,
    request_id: str | None = None,
    on_saved: Callable[[UnitOfWork, Case], None] | None = None,
    command: Command = Command.REPORT,
) -> ReportResult:
    """Take a new report in: validate, locate, route, log, store photos.

    ``on_saved(uow, case)`` runs inside the same transaction before the commit: an intake
    channel records its link to the new case there, so the case and the link commit together.
    ``command`` is :attr:`~Command.SELF_HANDLE` for a collector's 自处置 (see
    :func:`self_handle_case`).
    """
    checked = _checked(centre, report, now)
    with staged_photos(uow_factory, [report.photos], actor.user, now) as (kept,):
        return _report_case(uow_factory, centre, actor, now, report, checked, kept, request_id,
                            on_saved, command)


def _report_case(uow_factory: UowFactory, centre: Centre, actor: Actor, now: datetime,
                 report: Report, checked: _Checked, kept: list[int], request_id: str | None,
                 on_saved: Callable[[UnitOfWork, Case], None] | None,
                 command: Command) -> ReportResult:
    uow = scoped_factory(uow_factory, actor)()  # a collector's hints name only cases it sees
    with uow:
        dups = duplicate_hints(uow, centre, checked.category.code, checked.location,
                               checked.reported_at)
        fields = checked.fields(uow.cases.next_case_no(centre.local(checked.reported_at).date()))
        if command is Command.SELF_HANDLE:
            fields.update(photos_before=sum(p.kind == "before" for p in report.photos),
                          photos_after=sum(p.kind == "after" for p in report.photos))
        suggestion = checked.route
        outcome = apply(None, Action(command, fields), actor, now, centre.ctx)
        case = uow.cases.add(outcome.case)
        assert case.id is not None
        # The photos were committed before (staged): one small UPDATE hangs them on the
        # report event, so the chain head is never locked while megabytes are written.
        events = uow.events.append(
            _tagged([_with_case(e, case.id) for e in outcome.events], request_id))
        uow.photos.attach(kept, _event_id(events[0]), case.id)
        if on_saved is not None:
            on_saved(uow, case)
        uow.commit()
    return ReportResult(case, suggestion, dups)


def self_handle_case(
    uow_factory: UowFactory, centre: Centre, actor: Actor, now: datetime, report: Report,
    request_id: str | None = None,
    on_saved: Callable[[UnitOfWork, Case], None] | None = None,
) -> ReportResult:
    """A collector's 自处置: a minor problem fixed on the spot, reported with photos.

    ``report.photos`` must hold at least one ``before`` and one ``after`` photo; the case waits
    in 自处置待审核 for a 受理员's approval (closed, type 自处置) or rejection (待受理).  Anything
    wrong raises before anything is written, as :func:`report_case`.
    """
    return report_case(uow_factory, centre, actor, now, report, request_id, on_saved,
                       Command.SELF_HANDLE)


@dataclass(frozen=True, slots=True)
class _Checked:
    """A report validated, located and routed: what its REPORT command needs but a number."""

    report: Report
    category: Category
    component: ComponentInstance | None
    location: Location
    route: RouteResult
    reported_at: datetime

    def fields(self, case_no: str) -> dict[str, Any]:
        report, location = self.report, self.location
        return {
            "case_no": case_no,
            "source": report.source,
            "category": self.category.code,
            "description": report.description,
            "grid": location.grid.code,
            "street": location.grid.street,
            "lon": location.lon,
            "lat": location.lat,
            "address": report.address,
            "contact": report.contact,
            "component_id": self.component.id if self.component else None,
            "suggested_unit": self.route.unit,
            "routing_rule": self.route.rule,
            "reported_at": self.reported_at,
        }


def rules_by_category(rules: Sequence[RoutingRule]) -> dict[str, tuple[RoutingRule, ...]]:
    """The responsibility matrix split by category, each part in the matrix's order.

    :func:`~console.domain.routing.route` reads only the rules of the case's own category, in
    their order, so routing with a category's part gives the answer routing with the whole
    matrix gives; a batch splits the matrix once instead of scanning it for every report.
    """
    split: dict[str, list[RoutingRule]] = {}
    for rule in rules:
        split.setdefault(rule.category, []).append(rule)
    return {code: tuple(part) for code, part in split.items()}


def _checked(
    centre: Centre, report: Report, now: datetime,
    by_category: Mapping[str, Sequence[RoutingRule]] | None = None,
) -> _Checked:
    """Validate, locate and route a report (no database needed); raise if it is wrong.

    ``by_category`` is the matrix split by :func:`rules_by_category` (a batch splits it once).
    """
    category = centre.category(report.category, report.legacy_kind)
    component = _component(centre, report.component_id)
    if component is not None and component.category != category.code:
        raise ValidationError(
            f"部件 {component.id} 的类别是 {component.category}，与上报类别 {category.code} 不符"
            f" / component {component.id} is a {component.category}, not a {category.code}"
        )
    if component is not None and report.grid is None and report.lon is None:
        location = Location(centre.grid(component.grid), component.lon, component.lat)
    else:
        location = resolve_location(centre, report.grid, report.lon, report.lat)
    rules = None if by_category is None else by_category.get(category.code, ())
    suggestion = suggest_route(centre, category, location.grid.code, report.component_id,
                               rules=rules)
    reported_at = report.reported_at or now
    if reported_at > now + timedelta(minutes=5):
        raise ValidationError("上报时间不能晚于当前时间 / reported-at lies in the future")
    first = centre.calendar.first_year
    # Compared as instants: converting year 1 into the centre's zone could overflow.
    if reported_at < datetime(first, 1, 1, tzinfo=centre.tz):  # no stage is timed before it
        raise ValidationError(f"上报时间早于工作日历的起始年份 {first} 年 / reported-at before "
                              f"the work calendar ({first})")
    return _Checked(report, category, component, location, suggestion, reported_at)


def report_many(
    uow_factory: UowFactory, centre: Centre, actor: Actor, now: datetime,
    reports: Sequence[Report],
) -> list[Case]:
    """Take a batch of reports in, all or nothing, in one transaction.

    For bulk channels (a collector app's sync, a file import): every report is validated,
    located and routed like :func:`report_case`, then the cases are numbered and saved and
    their events appended to the log in one go.  Duplicate hints are not computed (nobody is
    at a form to read them); photos are stored as with :func:`report_case`.  Any invalid
    report raises before anything is written.
    """
    by_category = rules_by_category(centre.ref.rules)
    checked = [_checked(centre, r, now, by_category) for r in reports]
    if not checked:
        return []
    # Every case of the batch starts its 受理 clock at ``now``: one deadline computation.
    ctx = replace(centre.ctx, clock=MemoClock(centre.ctx.clock))
    # The centre-local day of each report (it numbers the case), once per distinct instant;
    # keyed with the UTC offset, as equal wall times of one zone may be different instants.
    local_days: dict[tuple[datetime, timedelta | None], date] = {}
    days = []
    for item in checked:
        key = (item.reported_at, item.reported_at.utcoffset())
        day = local_days.get(key)
        if day is None:
            day = local_days[key] = centre.local(item.reported_at).date()
        days.append(day)
    with staged_photos(uow_factory, [item.report.photos for item in checked], actor.user,
                       now) as kept:
        return _save_many(uow_factory, actor, now, ctx, checked, days, kept)


def _save_many(uow_factory: UowFactory, actor: Actor, now: datetime, ctx: Any,
               checked: list[_Checked], days: list[date], kept: list[list[int]]) -> list[Case]:
    uow = uow_factory()
    with uow:
        numbers = {day: iter(uow.cases.next_case_nos(day, n))
                   for day, n in sorted(Counter(days).items())}
        outcomes = [
            apply(None, Action(Command.REPORT, item.fields(next(numbers[day]))), actor, now, ctx)
            for item, day in zip(checked, days, strict=True)
        ]
        saved = uow.cases.add_many([o.case for o in outcomes])
        events: list[Event] = []
        firsts: list[int] = []  # index of each case's first event (its photos hang on it)
        for case, outcome in zip(saved, outcomes, strict=True):
            assert case.id is not None
            firsts.append(len(events))
            events += [_with_case(e, case.id) for e in outcome.events]
        logged = uow.events.append(events)
        # each case's photos were committed (staged) before the append locked the chain
        for case, first, ids in zip(saved, firsts, kept, strict=True):
            uow.photos.attach(ids, _event_id(logged[first]), case.id)
        uow.commit()
    return saved


def _event_id(event: Event) -> int:
    assert event.id is not None  # the log numbers what it appends
    return event.id


#: ``replace(event, case_id=…)`` built positionally: a batch makes hundreds.
_with_case = Replacer(Event, "case_id")


def _tagged(events: Sequence[Event], request_id: str | None) -> list[Event]:
    if request_id is None:
        return list(events)
    if not request_id or len(request_id) > 64:
        raise ValidationError("请求编号应为 1–64 个字符 / request id must be 1-64 characters")
    return [replace(e, request_id=request_id) for e in events]


def action_committed(uow_factory: UowFactory, request_id: str) -> bool:
    """True when the action with this request id committed (its events are in the log).

    A desk whose connection dropped while an action was in flight asks this on reconnection,
    so the operator is told for certain whether it went through.
    """
    with uow_factory() as uow:
        return bool(uow.events.by_request(request_id))


#: Ids are signed 64-bit in both databases.
_MAX_ID = 2**63


def find_case(uow: UnitOfWork, ref: str | int) -> Case:
    """A case by numeric id or by case number."""
    if isinstance(ref, int):
        if not 0 < ref < _MAX_ID:  # the database would refuse the number itself (overflow)
            raise NotFoundError(f"案件 {ref} 不存在 / no such case")
        return uow.cases.get(ref)
    text = str(ref).strip()
    # ASCII only: str.isdigit() is true of '²' and '١', which int() reads or refuses.
    if text.isascii() and text.isdigit() and len(text) < 13:
        return uow.cases.get(int(text))
    if text.isascii() and text.isdigit():
        return uow.cases.get_by_no(text)
    raise NotFoundError(f"案件编号 {ref!r} 无效 / not a case id or number")


def act(
    uow_factory: UowFactory,
    centre: Centre,
    actor: Actor,
    now: datetime,
    case_ref: str | int,
    command: Command | str,
    fields: dict[str, Any] | None = None,
    expected_version: int | None = None,
    photos: Sequence[NewPhoto] = (),
    request_id: str | None = None,
    payload_extra: Mapping[str, Any] | None = None,
) -> Case:
    """Run one workflow command on a case and commit it, or raise and change nothing.

    ``command`` ``approve`` is resolved to the approval of whatever request is pending.
    ``expected_version`` is the version the operator saw; a newer stored version raises
    :class:`~console.domain.errors.ConflictError`.  ``request_id`` (the desk's id for this
    action) is stored on the events, so after a lost connection
    :func:`action_committed` can tell whether the action went through.
    ``payload_extra`` adds what the channel knows beside the command's fields to the
    command's own event (the field API's WGS-84 position of a 核实 / 核查); the workflow's
    own payload keys win over it.
    """
    data = dict(fields or {})
    with staged_photos(uow_factory, [photos], actor.user, now) as (kept,):
        return _act(uow_factory, centre, actor, now, case_ref, command, data, expected_version,
                    kept, request_id, payload_extra)


def _act(uow_factory: UowFactory, centre: Centre, actor: Actor, now: datetime,
         case_ref: str | int, command: Command | str, data: dict[str, Any],
         expected_version: int | None, kept: list[int], request_id: str | None,
         payload_extra: Mapping[str, Any] | None) -> Case:
    # Read through the actor's scope whatever factory the caller holds: a case a unit seat or
    # a collector does not see answers as one that does not exist, before any other check can
    # name its number, state or last actor.
    uow = scoped_factory(uow_factory, actor)()
    with uow:
        case = find_case(uow, case_ref)
        if expected_version is not None and case.version != expected_version:
            raise _stale(uow, case, expected_version)
        now = _not_before_last(uow, case, now)
        cmd = _resolve(case, command)
        transition_for(case, cmd, actor)  # state and role first: then look anything up
        target = None
        if cmd is Command.MERGE:
            case, target = _lock_merge(uow, case, data)
        _prepare(uow, centre, case, cmd, data)
        outcome = apply(case, Action(cmd, data), actor, now, centre.ctx)
        version = case.version if expected_version is None else expected_version
        saved = uow.cases.update(outcome.case, version)
        if target is not None:
            # The target now carries another report: a desk that decided on it before (to
            # refuse, void or merge it) must look again, so its version moves on.
            uow.cases.update(target, target.version)
        assert saved.id is not None
        logged = _with_extra(outcome.events, cmd, payload_extra)
        events = uow.events.append(_tagged(logged, request_id))
        uow.photos.attach(kept, _event_id(events[-1]), saved.id)  # committed before, staged
        uow.commit()
    return saved


def _with_extra(events: Sequence[Event], cmd: Command,
                extra: Mapping[str, Any] | None) -> Sequence[Event]:
    """``events`` with ``extra`` added to the payload of the command's own event."""
    if not extra:
        return events
    return [replace(e, payload={**extra, **e.payload}) if e.type == cmd.value else e
            for e in events]


def _not_before_last(uow: UnitOfWork, case: Case, now: datetime) -> datetime:
    """``now``, or the case's last event instant when that is later.

    Within a case events are never earlier than their predecessors, whatever clock the caller
    holds (a second server process a little behind, a desk clock set back on an embedded
    database): otherwise feedback could be logged before its dispatch and judged on time.
    """
    assert case.id is not None
    last = uow.events.for_case(case.id)[-1:]
    return max(now, last[0].occurred_at) if last else now


def _stale(uow: UnitOfWork, case: Case, seen: int) -> ConflictError:
    """The conflict an operator sees: who changed the case since they looked, and how."""
    assert case.id is not None
    last = uow.events.for_case(case.id)[-1:]
    who = ""
    if last:
        e = last[0]
        label = LABELS_ZH.get(Command(e.type), e.type) if e.type in _COMMANDS else e.type
        who = f"：{e.actor}@{e.desk or '?'} 已执行「{label}」"
    return ConflictError(
        f"案件 {case.case_no} 已被他人修改（你看到的是版本 {seen}，当前版本 {case.version}）{who}，"
        "请刷新后重试 / the case changed since you saw it"
    )


_COMMANDS = frozenset(c.value for c in Command)


def _resolve(case: Case, command: Command | str) -> Command:
    if command == "approve":
        if case.state is CaseState.SELF_HANDLED and case.pending is None:
            return Command.APPROVE_SELF_HANDLED
        if case.pending is None:
            raise IllegalTransitionError(f"案件 {case.case_no} 没有待审批的申请 / nothing to approve")
        return APPROVALS[case.pending.kind]
    try:
        return Command(command)
    except ValueError:
        raise ValidationError(f"未知的操作 {command!r} / unknown command") from None


def _prepare(uow: UnitOfWork, centre: Centre, case: Case, cmd: Command, data: dict[str, Any]) -> None:
    """Fill what the desk leaves to the system: the suggested unit, the collector's name."""
    if cmd is Command.FILE:
        category = centre.category(str(data.get("category") or case.category))
        data["category"] = category.code
        suggestion = suggest_route(
            centre, category, case.grid, case.component_id, data.get("condition")
            or (category.filing_conditions[0].id if category.filing_conditions else None),
        )
        data.setdefault("suggested_unit", suggestion.unit)
        data.setdefault("routing_rule", suggestion.rule)
    elif cmd is Command.DISPATCH and not data.get("unit"):
        if not case.suggested_unit:
            raise ValidationError("没有建议的责任单位，请指定 --unit / no suggested unit")
        data["unit"] = case.suggested_unit
    elif cmd in (Command.REQUEST_VERIFY, Command.REQUEST_CHECK, Command.REASSIGN) \
            and data.get("collector"):
        user = centre.user(str(data["collector"]))
        if user.role != Role.COLLECTOR.value:
            raise ValidationError(f"{user.username} 不是监督员，不能派发核实/核查任务 / "
                                  f"{user.username} is not a collector")
        if not user.active:
            raise ValidationError(f"监督员 {user.username} 已停用 / {user.username} is disabled")
        data["collector"] = user.username


def _lock_merge(uow: UnitOfWork, case: Case, data: dict[str, Any]) -> tuple[Case, Case]:
    """The merge's case and target, both locked until the commit and read as they are now.

    Without the lock two desks merging A into B and B into A both committed (a cycle), and a
    merge into a case being refused committed beside the refusal.  Locked in id order, the
    second of two such transactions waits for the first and then finds its case changed
    (ConflictError) or its target no longer open (IllegalTransitionError); the target's
    version moves on with the merge, so a refusal decided on the older target loses too.
    """
    target = find_case(uow, data.get("into", ""))
    if target.id == case.id:
        raise ValidationError("不能把案件合并到它自己 / cannot merge a case into itself")
    assert case.id is not None
    assert target.id is not None
    locked = {c.id: c for c in uow.cases.lock([case.id, target.id])}
    now_case, now_target = locked.get(case.id), locked.get(target.id)
    if now_case is None or now_target is None:
        raise NotFoundError(f"案件 id={case.id if now_case is None else target.id} 不存在 / "
                            "no such case")
    if now_case.version != case.version:
        raise _stale(uow, now_case, case.version)
    if not now_target.is_open:  # the target's state refuses it, as a case's own state does
        raise IllegalTransitionError(f"目标案件 {now_target.case_no} 状态为「{now_target.state.value}」，"
                                     "不能合并 / the target case is no longer open")
    data["into"] = now_target.id
    return now_case, now_target


def preview_duplicates(
    uow_factory: UowFactory, centre: Centre, now: datetime, category: str,
    grid: str | None, lon: float | None, lat: float | None,
) -> tuple[DuplicateHint, ...]:
    """Duplicate hints for a report being typed in, before it is saved."""
    cat = centre.category(category)
    location = resolve_location(centre, grid, lon, lat)
    uow = uow_factory()
    with uow:
        return duplicate_hints(uow, centre, cat.code, location, now)


def report_and_merge(
    uow_factory: UowFactory, centre: Centre, actor: Actor, now: datetime, report: Report,
    into: int,
) -> Case:
    """Take a report in and merge it straight into an open case it duplicates.

    The report is logged (the public's call counts), then merged, so the open case carries on.
    """
    result = report_case(uow_factory, centre, actor, now, report)
    assert result.case.id is not None
    return act(uow_factory, centre, actor, now, result.case.id, Command.MERGE, {"into": into})
