"""What is wrong between a centre's reference files: dangling codes, cycles, ambiguities.

Pure: the loader (console/reference_files.py) and ``citydesk init``'s service both ask
:func:`reference_problems`; each problem names the file, the entry (by its key) and the field,
so the loader can add the entry's line.  The value checks of single fields (types, ranges,
NaN) are the loader's; this module sees only well-typed objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from console.domain.cases import Role, Stage
from console.domain.category_search import alias_problems
from console.domain.geo import haversine_m, ring_bbox
from console.domain.reference import CategoryKind, ComponentInstance, GridCell, ReferenceSet

#: How far (metres) an inventoried component may lie outside its grid cell's bounding box:
#: survey error and a cell drawn a little short, not a component placed in another town.
COMPONENT_SLACK_M = 500.0

#: Stages whose limits centre.yaml sets (处置 comes from each category).
CENTRE_STAGES = frozenset(s.value for s in Stage) - {Stage.HANDLE.value}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the reference data.

    ``key`` names the entry: a category, unit or grid code, a component id, a username, a
    date (ISO) or, for routing.yaml, the rule's 0-based position; None for centre.yaml or a
    problem of the whole file.
    """

    file: str
    key: str | int | None
    field: str
    text: str

    @property
    def place(self) -> str:
        """``routing.yaml 第 12 项 字段 unit``, ``units.yaml KH-X 字段 parent`` (no line)."""
        if isinstance(self.key, int):
            key = f" 第 {self.key + 1} 项"
        else:
            key = "" if self.key is None else f" {self.key}"
        return f"{self.file}{key} 字段 {self.field}"


def reference_problems(ref: ReferenceSet) -> list[Problem]:
    """Every problem between the files, in file order (centre, units, categories, rules …)."""
    return [*_centre(ref), *_units(ref), *_categories(ref), *_rules(ref), *_grids(ref),
            *_components(ref), *_users(ref)]


def _area_problem(area: str, county: str) -> str | None:
    if not re.fullmatch(r"\d{9}|\d{12}|\d{15}", area) or not area.startswith(county):
        return (f"区域 {area} 应为以 {county} 开头的 9、12 或 15 位网格编码前缀 / area must be a "
                f"9-, 12- or 15-digit grid-code prefix starting {county}")
    return None


def _centre(ref: ReferenceSet) -> Iterator[Problem]:
    office = ref.config.coordination_office
    if office not in ref.units:
        yield Problem("centre.yaml", None, "coordination_office",
                      f"未知单位 {office}（units.yaml 中没有）/ unknown unit")
    unknown = sorted(set(ref.config.stage_limits) - CENTRE_STAGES)
    if unknown:
        yield Problem("centre.yaml", None, "stage_limits",
                      f"未知的阶段 {unknown[0]}（可用：{'、'.join(sorted(CENTRE_STAGES))}）/ "
                      "unknown stage")


def _units(ref: ReferenceSet) -> Iterator[Problem]:
    units, county = ref.units, ref.config.county_code
    reported: set[str] = set()
    for unit in units.values():
        if unit.parent is not None and unit.parent not in units:
            yield Problem("units.yaml", unit.code, "parent",
                          f"上级单位 {unit.parent} 不存在 / unknown parent unit")
        elif unit.parent is not None and unit.code not in reported:
            chain = [unit.code]
            current: str | None = unit.parent
            while current is not None and current not in chain and current in units:
                chain.append(current)
                current = units[current].parent
            if current == unit.code:  # back at the start: every unit on the way is in a cycle
                reported.update(chain)
                loop = " → ".join([*chain, unit.code])
                yield Problem("units.yaml", unit.code, "parent",
                              f"上级关系成环：{loop} / the parent chain is a cycle")
        if unit.area is not None:
            problem = _area_problem(unit.area, county)
            if problem:
                yield Problem("units.yaml", unit.code, "area", problem)


def _categories(ref: ReferenceSet) -> Iterator[Problem]:
    for cat in ref.categories.values():
        for i, cond in enumerate(cat.filing_conditions, 1):
            if cond.unit is not None and cond.unit not in ref.units:
                yield Problem("categories.yaml", cat.code, f"filing_conditions[{i}].unit",
                              f"未知单位 {cond.unit} / unknown unit")
    for text in alias_problems(ref.categories.values()):
        yield Problem("categories.yaml", None, "aliases", text)


def _rules(ref: ReferenceSet) -> Iterator[Problem]:
    seen: dict[tuple[str, str | None, str | None], int] = {}
    for i, rule in enumerate(ref.rules):
        cat = ref.categories.get(rule.category)
        if cat is None:
            yield Problem("routing.yaml", i, "category",
                          f"未知类别 {rule.category} / unknown category")
        elif rule.condition is not None and cat.condition(rule.condition) is None:
            ids = "、".join(c.id for c in cat.filing_conditions) or "无"
            yield Problem("routing.yaml", i, "condition",
                          f"类别 {cat.code} 没有立案条件 {rule.condition}（有：{ids}）/ "
                          "no such filing condition")
        if rule.unit not in ref.units:
            yield Problem("routing.yaml", i, "unit", f"未知单位 {rule.unit} / unknown unit")
        if rule.area is not None:
            problem = _area_problem(rule.area, ref.config.county_code)
            if problem:
                yield Problem("routing.yaml", i, "area", problem)
        key = (rule.category, rule.area, rule.condition)
        first = seen.setdefault(key, i)
        if first != i:
            other = ref.rules[first]
            same = "同一单位" if other.unit == rule.unit else f"另一条指向 {other.unit}"
            yield Problem("routing.yaml", i, "category",
                          f"与第 {first + 1} 项重复（同一类别、区域、立案条件；{same}）/ "
                          "duplicates an earlier rule")


def _grids(ref: ReferenceSet) -> Iterator[Problem]:
    county = ref.config.county_code
    for cell in ref.grids.values():
        if not re.fullmatch(r"\d{15}", cell.code) or not cell.code.startswith(county):
            yield Problem("grid.geojson", cell.code, "properties.code",
                          f"网格编码 {cell.code} 应为以 {county} 开头的 15 位数字 / "
                          "a grid code is 15 digits starting with the county code")
            continue
        for name, value, size in (("street_code", cell.street_code, 9),
                                  ("community_code", cell.community_code, 12)):
            if value != cell.code[:size]:
                yield Problem("grid.geojson", cell.code, f"properties.{name}",
                              f"{value} 应为网格编码的前 {size} 位 {cell.code[:size]} / "
                              f"must be the code's first {size} digits")


def _outside(comp: ComponentInstance, cell: GridCell) -> float:
    """Metres from the component to its cell's bounding box (0 inside)."""
    lon_min, lon_max, lat_min, lat_max = ring_bbox(cell.polygon)
    lon = min(max(comp.lon, lon_min), lon_max)
    lat = min(max(comp.lat, lat_min), lat_max)
    return haversine_m(comp.lon, comp.lat, lon, lat)


def _components(ref: ReferenceSet) -> Iterator[Problem]:
    for comp in ref.components.values():
        cell = ref.grids.get(comp.grid)
        if cell is None:
            yield Problem("components.csv", comp.id, "grid", f"网格 {comp.grid} 不存在 / unknown "
                          "grid cell")
        elif (away := _outside(comp, cell)) > COMPONENT_SLACK_M:
            yield Problem("components.csv", comp.id, "lon/lat",
                          f"位置离所在网格 {comp.grid} {away / 1000:.1f} 千米（经纬度颠倒或网格有误？）"
                          f" / {away / 1000:.1f} km from its grid cell")
        cat = ref.categories.get(comp.category)
        if cat is None:
            yield Problem("components.csv", comp.id, "category",
                          f"类别 {comp.category} 不存在 / unknown category")
        elif cat.kind is not CategoryKind.COMPONENT:
            yield Problem("components.csv", comp.id, "category",
                          f"类别 {comp.category} 是事件类，不是部件 / an event category, not a "
                          "component")
        for name, owner in (("owner", comp.owner), ("maintainer", comp.maintainer)):
            if owner is not None and owner not in ref.units:
                yield Problem("components.csv", comp.id, name, f"未知单位 {owner} / unknown unit")


def _users(ref: ReferenceSet) -> Iterator[Problem]:
    roles = {r.value for r in Role}
    for user in ref.users.values():
        if user.role not in roles:
            yield Problem("users.yaml", user.username, "role",
                          f"角色 {user.role} 无效（可用：{'、'.join(sorted(roles))}）/ unknown role")
        if user.role == Role.UNIT.value and user.unit is None:
            yield Problem("users.yaml", user.username, "unit",
                          "责任单位用户须有 unit / a unit user needs a unit")
        elif user.unit is not None and user.unit not in ref.units:
            yield Problem("users.yaml", user.username, "unit",
                          f"未知单位 {user.unit} / unknown unit")
        for grid in user.grids:
            if grid not in ref.grids:
                yield Problem("users.yaml", user.username, "grids",
                              f"网格 {grid} 不存在 / unknown grid cell")
                break
