"""Administration of reference data: units, categories and their limits, stage limits, grid
names and the work calendar.

Every function checks that the actor is an administrator, validates all of its input before
it writes and writes in one transaction, so a refused edit leaves the database as it was.
Each returns a :class:`Change` saying field by field what it changed; input equal to what is
stored writes nothing and returns an empty change.

Units, categories and grid cells are written with ``by_admin``: ``citydesk init`` re-reading
the reference files afterwards keeps them (see ``docs/admin.md``).  The desk that made the edit
reloads its centre; other desks read reference data when they start.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from console.domain.calendar import statutory_days
from console.domain.cases import Actor, Role, Stage
from console.domain.category_search import CategoryIndex
from console.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from console.domain.reference import CalendarDay, LimitClass, ReferenceSet, Unit
from console.services.admin_trail import record
from console.services.centre import Centre
from console.services.uow import CaseFilter, UnitOfWork

UowFactory = Callable[[], UnitOfWork]

MAX_LIMIT = 60 * 480
"""Upper bound of a 处置 limit in minutes: 60 working days (a typo guard, not a policy)."""
MAX_STAGE_LIMIT = 5 * 480
"""Upper bound of a stage limit in working minutes: 5 working days."""
MAX_NAME = 200
MAX_NOTE = 200
STAGES: tuple[str, ...] = tuple(s.value for s in Stage if s is not Stage.HANDLE)
"""The stages whose limits the centre sets (处置 comes from each category)."""
ADMIN_SOURCE = "admin"


@dataclass(frozen=True, slots=True)
class Change:
    """What one administrative edit changed.

    Attributes
    ----------
    table : str
        ``units``, ``categories``, ``stage_limits``, ``grids`` or ``calendar``.
    key : str
        The edited row: a code, or an ISO date.
    fields : mapping of str to (before, after)
        Each field whose value changed; empty when nothing did (and nothing was written).
    rows : int
        Rows written (a renamed street touches every cell of the street).
    notes : tuple of str
        Consequences the administrator should know about, bilingual like error messages.
    """

    table: str
    key: str
    fields: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    rows: int = 0
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """True when anything was written."""
        return bool(self.fields) or self.rows > 0


@dataclass(frozen=True, slots=True)
class AdminView:
    """What the administration window shows: the reference set as stored, edit marks, load."""

    ref: ReferenceSet
    edited: Mapping[str, frozenset[str]]
    open_by_unit: Mapping[str, int]


def require_admin(actor: Actor) -> None:
    """PermissionDeniedError unless ``actor`` is an administrator."""
    if actor.role is not Role.ADMIN:
        raise PermissionDeniedError(
            "只有管理员可以修改参考数据 / only an administrator edits reference data")


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (before[k], v) for k, v in after.items() if before[k] != v}


def _name(text: str, what: str) -> str:
    name = text.strip()
    if not name:
        raise ValidationError(f"{what}不能为空 / a name is required")
    if len(name) > MAX_NAME:
        raise ValidationError(f"{what}过长（最多 {MAX_NAME} 个字符）/ name too long")
    return name


def _english(text: str) -> str:
    # An English name may be empty (the desk then shows the Chinese one), never too long.
    text = text.strip()
    if len(text) > MAX_NAME:
        raise ValidationError(f"英文名称过长（最多 {MAX_NAME} 个字符）/ English name too long")
    return text


def _minutes(value: object, upper: int, what: str, what_en: str) -> int:
    # Two names for the limit: the English half of a message has no Chinese in it, so the
    # desk can show it alone in English (console.ui.i18n.error_text).
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what}须为整数分钟 / {what_en}: whole minutes expected")
    if not 0 < value <= upper:
        raise ValidationError(
            f"{what}须在 1 到 {upper} 分钟之间 / {what_en} must be 1–{upper} minutes, "
            f"got {value}")
    return value


def load_admin_view(uow_factory: UowFactory, actor: Actor) -> AdminView:
    """The stored reference set, which rows an administrator edited, open cases per unit."""
    require_admin(actor)
    with uow_factory() as uow:
        ref = uow.reference.load()
        edited = uow.reference.edited_keys()
        counts = {code: uow.cases.count(CaseFilter(unit=code, open_only=True))
                  for code in ref.units}
    return AdminView(ref, edited, {c: n for c, n in counts.items() if n})


def update_unit(uow_factory: UowFactory, actor: Actor, code: str, *, name: str,
                parent: str | None, active: bool, name_en: str | None = None) -> Change:
    """Rename a unit, move it under another parent, or (de)activate it.  The kind stays.

    ``name_en`` is the English name an English desk shows (None keeps the stored one, ``""``
    clears it: the desk then shows ``name``).

    A unit with open cases cannot be deactivated: the error names how many and the first few,
    so the supervisor reassigns them first (a disabled unit cannot be dispatched to, and its
    cases would be stranded).  The coordination office can never be deactivated: routing falls
    back to it.
    """
    require_admin(actor)
    name = _name(name, "单位名称")
    english = None if name_en is None else _english(name_en)
    parent = parent or None
    with uow_factory() as uow:
        ref = uow.reference.load()
        unit = ref.units.get(code)
        if unit is None:
            raise NotFoundError(f"未知的单位 {code!r} / unknown unit")
        english = unit.name_en if english is None else english
        if any(u.name == name and u.code != code for u in ref.units.values()):
            raise ValidationError(f"已有名为「{name}」的单位 / another unit has this name")
        _check_parent(ref.units, code, parent)
        notes: list[str] = []
        if unit.active and not active:
            notes = _deactivation_notes(uow, ref, unit)
        new = replace(unit, name=name, parent=parent, active=active, name_en=english)
        fields = _diff(
            {"name": unit.name, "parent": unit.parent, "active": unit.active,
             "name_en": unit.name_en},
            {"name": name, "parent": parent, "active": active, "name_en": english},
        )
        rows = uow.reference.upsert_units([new], by_admin=True) if fields else 0
        _trail(uow, actor, "units", code, fields)
        uow.commit()
    return Change("units", code, fields, rows, tuple(notes))


def _check_parent(units: Mapping[str, Unit], code: str, parent: str | None) -> None:
    if parent is None:
        return
    if parent not in units:
        raise NotFoundError(f"未知的上级单位 {parent!r} / unknown parent unit")
    seen: set[str] = {code}
    cursor: str | None = parent
    while cursor is not None:
        if cursor in seen:
            raise ValidationError(
                f"上级单位 {units[parent].name} 会形成循环隶属 / the parent would make a cycle")
        seen.add(cursor)
        up = units.get(cursor)
        cursor = up.parent if up is not None else None


def _deactivation_notes(uow: UnitOfWork, ref: ReferenceSet, unit: Unit) -> list[str]:
    if unit.code == ref.config.coordination_office:
        raise ValidationError(
            f"{unit.name}是协调单位，不能停用 / the coordination office cannot be disabled")
    open_cases = uow.cases.list(CaseFilter(unit=unit.code, open_only=True, limit=5, order="id"))
    if open_cases:
        total = uow.cases.count(CaseFilter(unit=unit.code, open_only=True))
        first = "、".join(c.case_no for c in open_cases)
        raise ValidationError(
            f"{unit.name}仍有 {total} 件未结案件（{first}{' 等' if total > 5 else ''}），"
            f"请先改派再停用 / the unit still has {total} open case(s): reassign them first")
    notes = []
    users = [u.username for u in ref.users.values() if u.unit == unit.code and u.active]
    if users:
        notes.append(f"该单位仍有 {len(users)} 个启用的用户账号：{'、'.join(users)} / "
                     f"{len(users)} active user(s) still belong to it")
    rules = sum(1 for r in ref.rules if r.unit == unit.code)
    if rules:
        notes.append(f"{rules} 条路由规则指向该单位，新案件将跳过它 / "
                     f"{rules} routing rule(s) name it; routing now skips it")
    return notes


def update_category(uow_factory: UowFactory, actor: Actor, code: str, *, name_zh: str,
                    name_en: str, limits: Mapping[LimitClass, int],
                    natural_time: bool) -> Change:
    """Rename a category, change its 处置 limits (minutes per limit class) or its clock.

    ``limits`` must give 一般性 (the fallback of every class); a class left out falls back to
    it.  Limits are working minutes, or wall-clock minutes with ``natural_time``.  The change
    applies to cases filed (or re-timed) after it; running deadlines keep theirs.
    """
    require_admin(actor)
    name_zh = _name(name_zh, "类别名称")
    name_en = _english(name_en)
    checked: dict[LimitClass, int] = {}
    for key, value in limits.items():
        try:
            cls = LimitClass(key)
        except ValueError:
            raise ValidationError(f"未知的时限类别 {key!r} / unknown limit class") from None
        checked[cls] = _minutes(value, MAX_LIMIT, f"{cls.value}处置时限",
                                f"the {cls.name.lower()} handling limit")
    if LimitClass.GENERAL not in checked:
        raise ValidationError("须设定一般性处置时限 / the general limit is required")
    ordered = {cls: checked[cls] for cls in LimitClass if cls in checked}
    with uow_factory() as uow:
        ref = uow.reference.load()
        cat = ref.categories.get(code)
        if cat is None:
            raise NotFoundError(f"未知的案件类别 {code!r} / unknown category")
        # Compared as the resolver compares (punctuation and case aside) and against aliases
        # too: a name that is another category's name or alias would make it ambiguous.
        taken = [c for c in CategoryIndex(ref.categories.values()).holders(name_zh)
                 if c.code != code]
        if taken:
            raise ValidationError(f"已有名为「{name_zh}」的类别（{taken[0].code} {taken[0].name_zh}"
                                  "，名称或别名）/ another category has this name or alias")
        before_limits = {k.value: v for k, v in cat.limits.items()}
        after_limits = {k.value: v for k, v in ordered.items()}
        fields = _diff(
            {"name_zh": cat.name_zh, "name_en": cat.name_en, "limits": before_limits,
             "natural_time": cat.natural_time},
            {"name_zh": name_zh, "name_en": name_en, "limits": after_limits,
             "natural_time": bool(natural_time)},
        )
        new = replace(cat, name_zh=name_zh, name_en=name_en, limits=ordered,
                      natural_time=bool(natural_time))
        rows = uow.reference.upsert_categories([new], by_admin=True) if fields else 0
        _trail(uow, actor, "categories", code, fields)
        uow.commit()
    return Change("categories", code, fields, rows)


STAGE_LIMITS_EDITS = "stage_limits"
"""Name under which the stages whose limits an administrator set are remembered."""


def update_stage_limits(uow_factory: UowFactory, actor: Actor,
                        limits: Mapping[str, int]) -> Change:
    """Set the working-minute limits of the stages in ``limits`` (the others stay as stored)."""
    require_admin(actor)
    checked: dict[str, int] = {}
    for stage, value in limits.items():
        if stage not in STAGES:
            raise ValidationError(
                f"未知的环节 {stage!r}（可选：{'、'.join(STAGES)}）/ unknown stage")
        checked[stage] = _minutes(value, MAX_STAGE_LIMIT, f"{stage}时限",
                                  f"the {Stage(stage).name.lower()} limit")
    with uow_factory() as uow:
        config = uow.reference.load().config
        current = dict(config.stage_limits)
        fields = {s: (current.get(s), m) for s, m in checked.items() if current.get(s) != m}
        if fields:
            uow.reference.save_config(replace(config, stage_limits={**current, **checked}))
            # Theirs from now on: a later `citydesk init` keeps these stages' limits.
            uow.reference.mark_edited(STAGE_LIMITS_EDITS, list(fields))
        _trail(uow, actor, "stage_limits", "", fields)
        uow.commit()
    return Change("stage_limits", "", fields, int(bool(fields)))


def update_grid(uow_factory: UowFactory, actor: Actor, code: str, *, street: str,
                community: str, street_en: str | None = None,
                community_en: str | None = None) -> Change:
    """Rename the street and the community a grid cell belongs to.

    The names belong to the street and the community, not to the cell: every cell of the same
    street (community) gets the new name, so the map and the report form never disagree.
    ``street_en`` / ``community_en`` are the English names (None keeps the stored ones).
    """
    require_admin(actor)
    street = _name(street, "街道名称")
    community = _name(community, "社区名称")
    street_en = None if street_en is None else _english(street_en)
    community_en = None if community_en is None else _english(community_en)
    with uow_factory() as uow:
        grids = uow.reference.load().grids
        cell = grids.get(code)
        if cell is None:
            raise NotFoundError(f"未知的单元网格 {code!r} / unknown grid cell")
        street_en = cell.street_en if street_en is None else street_en
        community_en = cell.community_en if community_en is None else community_en
        if any(g.street == street and g.street_code != cell.street_code for g in grids.values()):
            raise ValidationError(f"已有名为「{street}」的街道 / another street has this name")
        if any(g.community == community and g.community_code != cell.community_code
               and g.street_code == cell.street_code for g in grids.values()):
            raise ValidationError(
                f"本街道已有名为「{community}」的社区 / another community of the street has it")
        fields = _diff({"street": cell.street, "community": cell.community,
                        "street_en": cell.street_en, "community_en": cell.community_en},
                       {"street": street, "community": community,
                        "street_en": street_en, "community_en": community_en})
        same = cell.community_code
        touched = [
            replace(g, street=street, street_en=street_en,
                    community=community if g.community_code == same else g.community,
                    community_en=community_en if g.community_code == same else g.community_en)
            for g in grids.values()
            if g.street_code == cell.street_code
        ]
        changed = [g for g in touched if g != grids[g.code]]
        rows = uow.reference.upsert_grids(changed, by_admin=True) if changed else 0
        _trail(uow, actor, "grids", code, fields)
        uow.commit()
    return Change("grids", code, fields, rows)


def set_calendar_day(uow_factory: UowFactory, centre: Centre, actor: Actor, day: date,
                     workday: bool, note: str = "") -> Change:
    """Make ``day`` a workday or a day off by the administrator's word (source ``admin``).

    The override wins over the statutory calendar and survives its yearly re-seed.  Dates
    outside the years the centre's calendar counts are refused.
    """
    require_admin(actor)
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValidationError("请给出日期（YYYY-MM-DD）/ a date is expected")
    first, last = centre.calendar.first_year, centre.calendar.last_year
    if not first <= day.year <= last:
        raise ValidationError(
            f"日期 {day.isoformat()} 超出工作日历范围（{first}–{last} 年）/ "
            f"date outside the work calendar ({first}–{last})")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationError(f"说明过长（最多 {MAX_NOTE} 个字符）/ note too long")
    with uow_factory() as uow:
        before = _day_state(uow.reference.load(), day)
        after = {"workday": bool(workday), "source": ADMIN_SOURCE, "note": note}
        fields = _diff(before, after)
        rows = 0
        if fields:
            rows = uow.reference.upsert_calendar_days(
                [CalendarDay(day, bool(workday), ADMIN_SOURCE, note)])
        _trail(uow, actor, "calendar", day.isoformat(), fields, "calendar-edit")
        uow.commit()
    return Change("calendar", day.isoformat(), fields, rows)


def remove_calendar_override(uow_factory: UowFactory, actor: Actor, day: date) -> Change:
    """Drop the administrator's flag for ``day``: the statutory calendar applies again."""
    require_admin(actor)
    with uow_factory() as uow:
        before = _day_state(uow.reference.load(), day)
        if before["source"] != ADMIN_SOURCE:
            raise NotFoundError(
                f"{day.isoformat()} 没有管理员调整 / no administrator override on this date")
        uow.reference.delete_calendar_day(day)
        # The package's flag for the date (a holiday, a make-up day) was replaced when the
        # override was written; put it back, or the date falls back to Monday–Friday.
        seeded = [d for d in statutory_days([day.year]) if d.day == day]
        if seeded:
            uow.reference.upsert_calendar_days(seeded)
        after = {"workday": seeded[0].workday if seeded else day.weekday() < 5,
                 "source": seeded[0].source if seeded else "",
                 "note": seeded[0].note if seeded else ""}
        _trail(uow, actor, "calendar", day.isoformat(), _diff(before, after), "calendar-edit")
        uow.commit()
    return Change("calendar", day.isoformat(), _diff(before, after), 1 + len(seeded))


def _trail(uow: UnitOfWork, actor: Actor, table: str, key: str,
           fields: Mapping[str, tuple[Any, Any]], action: str = "reference-edit") -> None:
    # The admin log's row of the edit, in its transaction; an edit that changed nothing
    # wrote nothing and logs nothing.
    if fields:
        record(uow, actor, action, table, key, {"fields": {k: list(v) for k, v in fields.items()}})


def _day_state(ref: ReferenceSet, day: date) -> dict[str, Any]:
    stored = next((d for d in ref.calendar_days if d.day == day), None)
    if stored is None:  # no row: the Monday–Friday default
        return {"workday": day.weekday() < 5, "source": "", "note": ""}
    return {"workday": stored.workday, "source": stored.source, "note": stored.note}
