"""Read a centre's reference files (resources/<centre>/) into domain objects.

The formats are documented in resources/kaihua/README.md.  Every problem — an unreadable or
oversized file, an encoding other than UTF-8, a YAML alias bomb, a wrong type, NaN, a negative
limit, a duplicate id, a code no other file knows, a cycle of parent units — is reported as ONE
:class:`~console.domain.errors.ValidationError` line naming the file, the entry (and its line)
and the field, before anything is written to a database.  Safe reading is
:mod:`console.reference_read`; the fields' types :mod:`console.reference_entry`; the checks
between files :mod:`console.domain.reference_checks`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from console.domain.calendar import parse_windows
from console.domain.cases import Source
from console.domain.category_search import alias_problems
from console.domain.errors import ValidationError
from console.domain.reference import (
    CalendarDay,
    Category,
    CategoryKind,
    CentreConfig,
    ComponentInstance,
    FilingCondition,
    GridCell,
    LimitClass,
    ReferenceSet,
    RoutingRule,
    Unit,
    UnitKind,
    User,
)
from console.domain.reference_checks import CENTRE_STAGES, Problem, reference_problems
from console.reference_basemap import basemap_sources
from console.reference_duty import duty_settings
from console.reference_entry import LONG, STATE, Entry, show
from console.reference_read import csv_entries, read_json, read_yaml

DEFAULT_CENTRE = Path(__file__).resolve().parent.parent / "resources" / "kaihua"

#: The longest limit a file may set, in minutes (a year of round-the-clock time).
MAX_LIMIT = 366 * 24 * 60
#: Years the work calendar counts (console.domain.calendar.WorkCalendar's default span): a
#: calendar override outside them would be silently ignored.
CALENDAR_YEARS = (2000, 2100)


def _entries(path: Path, key: str) -> Iterator[Entry]:
    data = read_yaml(path)
    if not isinstance(data, Mapping) or not isinstance(data.get(key), list):
        raise ValidationError(f"{path.name} 应含有列表 {key}: / expected a '{key}:' list")
    for i, raw in enumerate(data[key], 1):
        entry = Entry(path.name, i, raw if isinstance(raw, Mapping) else {})
        if not isinstance(raw, Mapping):
            entry.fail(None, f"{key} 的条目应为映射，实为 {show(raw)}", "an entry is not a mapping")
        yield entry


def _unique(entry: Entry, field: str, value: Any, seen: dict[Any, Entry]) -> None:
    """Refuse a value an earlier entry has (a dict would silently keep the last one)."""
    first = seen.setdefault(value, entry)
    if first is not entry:
        other = f" {first.prefix.rstrip('.')} " if first.prefix and first.index == entry.index \
            else first.position()
        shown = show(value.isoformat() if isinstance(value, date) else value)
        entry.fail(field, f"{shown} 与{other}重复", f"{shown} duplicates an earlier entry")


# --------------------------------------------------------------------------- centre.yaml

_CENTRE_KEYS = frozenset({"name", "name_en", "county_code", "timezone", "windows",
                          "stage_limits", "yellow_at", "duplicate_radius_m", "duplicate_hours",
                          "coordination_office", "verify_sources",
                          "position_retention_days", "on_duty", "basemap"})


def _centre_entry(path: Path) -> tuple[Entry, CentreConfig]:
    data = read_yaml(path)
    if data is None:
        data = Entry.Map()
    if not isinstance(data, Mapping):
        raise ValidationError(f"{path.name} 应为映射 / expected a mapping")
    e = Entry(path.name, None, data)
    e.unknown_keys(_CENTRE_KEYS)
    base = CentreConfig()
    timezone = e.text("timezone", required=False) or base.timezone
    try:
        ZoneInfo(timezone)
    except (KeyError, ValueError, OSError):
        e.fail("timezone", f"未知的时区 {show(timezone)}（IANA 名称，如 Asia/Shanghai）",
               "unknown time zone")
    windows = base.windows
    if "windows" in data:
        try:
            windows = parse_windows(e.text("windows"))
        except ValidationError as exc:
            e.fail("windows", exc.message)
    limits = dict(base.stage_limits)  # a stage the file leaves out keeps its default
    for stage, minutes in e.mapping("stage_limits", required=False).items():
        if stage not in CENTRE_STAGES:
            e.fail(f"stage_limits.{stage}", f"未知的阶段（可用：{'、'.join(sorted(CENTRE_STAGES))}）",
                   "unknown stage")
        limits[stage] = e.check_integer(f"stage_limits.{stage}", minutes, low=1, high=MAX_LIMIT)
    sources = base.verify_sources
    if "verify_sources" in data:
        sources = tuple(e.check_text("verify_sources", s, limit=STATE)
                        for s in e.items("verify_sources"))
    known = {s.value for s in Source}
    for s in sources:
        if s not in known:
            e.fail("verify_sources", f"未知的来源 {show(s)}（可用：{'、'.join(sorted(known))}）",
                   "unknown source")
    config = CentreConfig(
        name=e.text("name", required=False) or base.name,
        county_code=e.code("county_code", required=False, pattern=r"\d{6}",
                           what=("合法的 6 位行政区划代码", "a 6-digit county code")) or base.county_code,
        timezone=timezone,
        windows=windows,
        stage_limits=limits,
        # Green below, yellow from this share of a limit: 0 or 1 (or NaN) would make every
        # case yellow, or none.
        yellow_at=e.number("yellow_at", low=0, high=1, open_low=True, open_high=True,
                           default=base.yellow_at),
        duplicate_radius_m=e.number("duplicate_radius_m", low=0, high=10_000,
                                    default=base.duplicate_radius_m),
        duplicate_hours=e.number("duplicate_hours", low=0, high=24 * 366,
                                 default=base.duplicate_hours),
        coordination_office=e.code("coordination_office", required=False)
        or base.coordination_office,
        verify_sources=sources,
        name_en=e.text("name_en", required=False),
        position_retention_days=e.integer("position_retention_days", low=1, high=3660,
                                          default=base.position_retention_days),
        on_duty=duty_settings(e),
        basemap=basemap_sources(e),
    )
    return e, config


def load_config(path: Path) -> CentreConfig:
    """centre.yaml -> CentreConfig (missing keys keep their defaults)."""
    return _centre_entry(path)[1]


# --------------------------------------------------------------------------- categories.yaml

_CATEGORY_KEYS = frozenset({"code", "kind", "major", "name_zh", "name_en", "limits",
                            "legacy_code", "natural_time", "filing_conditions",
                            "closing_condition", "local", "aliases"})
_CONDITION_KEYS = frozenset({"id", "text", "limit_class", "unit"})


def _limit_class(e: Entry, field: str, value: Any) -> LimitClass:
    try:
        return LimitClass(value)
    except ValueError:
        e.fail(field, f"{show(value)} 不是时限类别（{'、'.join(c.value for c in LimitClass)}）",
               "unknown limit class")


def _category(e: Entry) -> Category:
    e.unknown_keys(_CATEGORY_KEYS)
    code = e.code("code", pattern=r"\d{5}", what=("合法的 5 位类别代码", "a 5-digit code"))
    assert code is not None
    try:
        kind = CategoryKind(e.text("kind", limit=STATE))
    except ValueError:
        e.fail("kind", f"{show(e.raw('kind'))} 不是 component 或 event", "not component or event")
    limits: dict[LimitClass, int] = {}
    for cls, minutes in e.mapping("limits").items():
        limits[_limit_class(e, f"limits.{cls}", cls)] = e.check_integer(
            f"limits.{cls}", minutes, low=1, high=MAX_LIMIT)
    if LimitClass.GENERAL not in limits:
        e.fail("limits", "须有「一般性」处置时限", "a 一般性 (general) limit is required")
    conditions: list[FilingCondition] = []
    seen: dict[Any, Entry] = {}
    for i, raw in enumerate(e.items("filing_conditions"), 1):
        c = e.nested("filing_conditions", raw, i)
        c.unknown_keys(_CONDITION_KEYS)
        cid = c.code("id")
        _unique(c, "id", cid, seen)
        conditions.append(FilingCondition(
            str(cid), c.text("text", limit=LONG, multiline=True),
            _limit_class(c, "limit_class", c.raw("limit_class") or LimitClass.GENERAL.value),
            c.code("unit", required=False)))
    aliases = tuple(e.check_text("aliases", a) for a in e.items("aliases"))
    return Category(
        code=code, kind=kind, major=e.text("major"), name_zh=e.text("name_zh"),
        name_en=e.text("name_en", required=False), limits=limits,
        legacy_code=e.code("legacy_code", required=False, pattern=r"\d{2,8}",
                           what=("数字代码（旧代码）", "a numeric code")),
        natural_time=e.flag("natural_time", False), filing_conditions=tuple(conditions),
        closing_condition=e.text("closing_condition", limit=LONG, required=False,
                                 multiline=True),
        local=e.flag("local", False), aliases=aliases,
    )


def _read_categories(path: Path) -> list[tuple[Entry, Category]]:
    out: list[tuple[Entry, Category]] = []
    seen: dict[Any, Entry] = {}
    for e in _entries(path, "categories"):
        cat = _category(e)
        _unique(e, "code", cat.code, seen)
        out.append((e, cat))
    return out


def load_categories(path: Path) -> list[Category]:
    """categories.yaml -> categories."""
    out = [c for _, c in _read_categories(path)]
    problems = alias_problems(out)
    if problems:
        more = f"（另有 {len(problems) - 1} 处）" if len(problems) > 1 else ""
        raise ValidationError(f"{path.name}：{problems[0]}{more}")
    return out


# --------------------------------------------------------------------------- units.yaml

_UNIT_KEYS = frozenset({"code", "name", "name_en", "kind", "parent", "area", "seed", "duties",
                        "active"})


def _read_units(path: Path) -> list[tuple[Entry, Unit]]:
    out: list[tuple[Entry, Unit]] = []
    seen: dict[Any, Entry] = {}
    for e in _entries(path, "units"):
        e.unknown_keys(_UNIT_KEYS)
        code = e.code("code")
        _unique(e, "code", code, seen)
        try:
            kind = UnitKind(e.text("kind", limit=STATE))
        except ValueError:
            e.fail("kind", f"单位类型无效 {show(e.raw('kind'))}（"
                   f"{' | '.join(k.value for k in UnitKind)}）", "invalid unit kind")
        parent = e.code("parent", required=False)
        if parent == code:
            e.fail("parent", "单位不能是自己的上级", "a unit cannot be its own parent")
        out.append((e, Unit(
            code=str(code), name=e.text("name"), kind=kind, parent=parent,
            area=e.code("area", required=False), seed=e.flag("seed", False),
            duties=e.text("duties", limit=LONG, required=False, multiline=True),
            active=e.flag("active", True), name_en=e.text("name_en", required=False),
        )))
    return out


def load_units(path: Path) -> list[Unit]:
    """units.yaml -> units."""
    return [u for _, u in _read_units(path)]


# --------------------------------------------------------------------------- routing.yaml

_RULE_KEYS = frozenset({"category", "unit", "area", "condition", "basis"})


def _read_rules(path: Path) -> list[tuple[Entry, RoutingRule]]:
    out = []
    for e in _entries(path, "rules"):
        e.unknown_keys(_RULE_KEYS)
        out.append((e, RoutingRule(
            category=str(e.code("category")), unit=str(e.code("unit")),
            area=e.code("area", required=False), condition=e.code("condition", required=False),
            basis=e.text("basis", limit=LONG, required=False, multiline=True),
        )))
    return out


def load_rules(path: Path) -> list[RoutingRule]:
    """routing.yaml -> responsibility matrix rows."""
    return [r for _, r in _read_rules(path)]


# --------------------------------------------------------------------------- components.csv

_COMPONENT_COLUMNS = ("id", "category", "name", "owner", "maintainer", "grid", "lon", "lat")


def _read_components(path: Path) -> list[tuple[Entry, ComponentInstance]]:
    out = []
    seen: dict[Any, Entry] = {}
    for e in csv_entries(path, _COMPONENT_COLUMNS):
        cid = str(e.code("id"))
        _unique(e, "id", cid, seen)
        out.append((e, ComponentInstance(
            id=cid, category=str(e.code("category")), name=e.text("name"),
            owner=e.code("owner", required=False), maintainer=e.code("maintainer", required=False),
            grid=str(e.code("grid")),
            lon=e.check_number("lon", e.raw("lon"), low=-180, high=180),
            lat=e.check_number("lat", e.raw("lat"), low=-90, high=90),
            state=e.text("state", limit=STATE, required=False) or "完好",
        )))
    return out


def load_components(path: Path) -> list[ComponentInstance]:
    """components.csv -> component inventory."""
    return [c for _, c in _read_components(path)]


# --------------------------------------------------------------------------- grid.geojson


def _ring(e: Entry, geometry: Mapping[str, Any]) -> tuple[tuple[float, float], ...]:
    if geometry.get("type") != "Polygon":
        e.fail("geometry.type", f"应为 Polygon，实为 {show(geometry.get('type'))}",
               "geometry must be a Polygon")
    rings = geometry.get("coordinates")
    if not isinstance(rings, list) or not rings or not isinstance(rings[0], list):
        e.fail("geometry.coordinates", "应为环的列表 / expected a list of rings", "no rings")
    outer = rings[0]
    if len(outer) < 4:
        e.fail("geometry.coordinates", f"外环只有 {len(outer)} 个点（至少 4 个，首尾相同）",
               "a ring needs at least 4 positions")
    points = []
    for n, pos in enumerate(outer, 1):
        field = f"geometry.coordinates[0][{n}]"
        if not isinstance(pos, list) or len(pos) < 2:
            e.fail(field, f"应为 [经度, 纬度]，实为 {show(pos)}", "expected [lon, lat]")
        points.append((e.check_number(field, pos[0], low=-180, high=180),
                       e.check_number(field, pos[1], low=-90, high=90)))
    if points[0] != points[-1]:
        e.fail("geometry.coordinates", "外环未闭合（首尾点应相同）", "the ring is not closed")
    return tuple(points)


def _read_grids(path: Path) -> list[tuple[Entry, GridCell]]:
    data = read_json(path)
    features = data.get("features") if isinstance(data, Mapping) else None
    if not isinstance(features, list):
        raise ValidationError(f"{path.name} 应为含 features 列表的 GeoJSON FeatureCollection / "
                              "expected a FeatureCollection")
    out = []
    seen: dict[Any, Entry] = {}
    for i, feature in enumerate(features, 1):
        e = Entry(path.name, i, feature if isinstance(feature, Mapping) else {}, unit="个要素")
        if not isinstance(feature, Mapping):
            e.fail(None, "要素应为对象 / a feature must be an object", "not an object")
        props = Entry(path.name, i, e.mapping("properties"), unit="个要素", prefix="properties.")
        code = str(props.code("code"))
        _unique(props, "code", code, seen)
        out.append((props, GridCell(
            code=code, street_code=str(props.code("street_code")), street=props.text("street"),
            community_code=str(props.code("community_code")),
            community=props.text("community"), polygon=_ring(e, e.mapping("geometry")),
            # Optional: a centre's own grid may have no English names (the desk then shows
            # the Chinese ones).
            street_en=props.text("street_en", required=False),
            community_en=props.text("community_en", required=False),
            name=props.text("name", required=False),
        )))
    return out


def load_grids(path: Path) -> list[GridCell]:
    """grid.geojson -> grid cells (Polygon outer rings)."""
    return [g for _, g in _read_grids(path)]


# --------------------------------------------------------------------------- users.yaml

_USER_KEYS = frozenset({"username", "name", "role", "unit", "grids", "active"})


def _read_users(path: Path) -> list[tuple[Entry, User]]:
    out = []
    seen: dict[Any, Entry] = {}
    for e in _entries(path, "users"):
        e.unknown_keys(_USER_KEYS)
        username = str(e.code("username", pattern=r"[A-Za-z0-9_.-]{1,64}",
                              what=("登录名（字母、数字、_ . -）", "a sign-in name")))
        _unique(e, "username", username, seen)
        out.append((e, User(
            username=username, name=e.text("name"), role=e.text("role", limit=STATE),
            unit=e.code("unit", required=False),
            grids=tuple(e.check_code("grids", g) for g in e.items("grids")),
            active=e.flag("active", True),
        )))
    return out


def load_users(path: Path) -> list[User]:
    """users.yaml -> users."""
    return [u for _, u in _read_users(path)]


# --------------------------------------------------------------------------- calendar.yaml

_DAY_KEYS = frozenset({"date", "workday", "note"})


def _read_calendar(path: Path) -> list[tuple[Entry, CalendarDay]]:
    out = []
    seen: dict[Any, Entry] = {}
    first, last = CALENDAR_YEARS
    for e in _entries(path, "days"):
        e.unknown_keys(_DAY_KEYS)
        raw = e.raw("date")
        try:
            # The loader keeps timestamps as text, so 2026-02-30 arrives here as a string.
            day = raw if isinstance(raw, date) else date.fromisoformat(e.text("date", limit=10))
        except ValueError as exc:
            e.fail("date", f"日期无效 {show(raw)}（{exc}）", "not a valid YYYY-MM-DD date")
        if not first <= day.year <= last:
            e.fail("date", f"{day} 不在工作日历的 {first}–{last} 年之内", "outside the calendar")
        _unique(e, "date", day, seen)
        if e.raw("workday") is None:
            e.fail("workday", "缺少字段（true 或 false）", "missing (true or false)")
        out.append((e, CalendarDay(day, e.flag("workday", True), "admin",
                                   e.text("note", limit=LONG, required=False))))
    return out


def load_calendar(path: Path) -> list[CalendarDay]:
    """calendar.yaml -> administrator overrides (source ``admin``)."""
    return [d for _, d in _read_calendar(path)]


# --------------------------------------------------------------------------- the folder


def load_centre_files(folder: Path = DEFAULT_CENTRE) -> ReferenceSet:
    """All reference files of one centre folder, read and checked against each other.

    Raises ValidationError (one line: file, entry and line, field) on the first problem.
    """
    centre, config = _centre_entry(folder / "centre.yaml")
    categories = _read_categories(folder / "categories.yaml")
    units = _read_units(folder / "units.yaml")
    rules = _read_rules(folder / "routing.yaml")
    components = _read_components(folder / "components.csv")
    grids = _read_grids(folder / "grid.geojson")
    users = _read_users(folder / "users.yaml")
    days = _read_calendar(folder / "calendar.yaml")
    ref = ReferenceSet(
        config=config,
        categories={c.code: c for _, c in categories},
        units={u.code: u for _, u in units},
        rules=tuple(r for _, r in rules),
        components={c.id: c for _, c in components},
        grids={g.code: g for _, g in grids},
        calendar_days=tuple(d for _, d in days),
        users={u.username: u for _, u in users},
    )
    problems = reference_problems(ref)
    if problems:
        where: dict[tuple[str, Any], Entry] = {("centre.yaml", None): centre}
        where.update({("categories.yaml", c.code): e for e, c in categories})
        where.update({("units.yaml", u.code): e for e, u in units})
        where.update({("routing.yaml", i): e for i, (e, _) in enumerate(rules)})
        where.update({("components.csv", c.id): e for e, c in components})
        where.update({("grid.geojson", g.code): e for e, g in grids})
        where.update({("users.yaml", u.username): e for e, u in users})
        raise ValidationError(describe(problems, where))
    return ref


def describe(problems: list[Problem], where: Mapping[tuple[str, Any], Entry] | None = None
             ) -> str:
    """The first problem as one line, with its entry's position when ``where`` knows it."""
    first = problems[0]
    entry = (where or {}).get((first.file, first.key))
    place = first.place if entry is None else entry.where(first.field.removeprefix(entry.prefix))
    more = f"（另有 {len(problems) - 1} 处问题）" if len(problems) > 1 else ""
    return f"{place}：{first.text}{more}"
