"""Responsibility matrix -> the suggested unit for a case, and the rule that decided.

The matrix is data (``resources/<centre>/routing.yaml`` -> :class:`RoutingRule`); this module only
reads it.  The order follows standards.md §2.4 and the seed's 运行机制 3:

1. a rule restricted to the case's filing condition (立案条件) beats everything else (the seed splits
   some categories by condition, e.g. 非法小广告 涉及违法犯罪 -> 县公安局);
2. components (部件, :attr:`CategoryKind.COMPONENT`) go owner first, then locality (先属主、后属地):
   the inventoried instance's owner -> the category's county-wide rule (the type's owner department)
   -> the most specific area rule -> the coordination office;
3. events (事件, :attr:`CategoryKind.EVENT`) go locality first, then owner (先属地、后属主):
   the most specific area rule -> the county-wide rule -> the coordination office.

Rules (and owners) pointing at an unknown or inactive unit are skipped, and the reason says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from console.domain.reference import (
    Category,
    CategoryKind,
    ComponentInstance,
    GridCell,
    RoutingRule,
    Unit,
)

Matched = Literal[
    "component_owner", "owner_rule", "area_rule", "county_rule", "condition_rule", "fallback"
]

__all__ = ["Matched", "RouteResult", "route"]


@dataclass(frozen=True, slots=True)
class RouteResult:
    """The suggested unit and why.

    Attributes
    ----------
    unit : str
        Unit code to dispatch to.
    rule : str
        A sentence for the dispatcher naming the rule that decided, e.g.
        ``部件权属：县宣传部（部件 33082403006000001）`` or ``属地优先：华埠镇 → 华埠镇人民政府（…）``.
    matched : str
        Which step decided: ``component_owner``, ``owner_rule`` (a component type's county-wide
        rule), ``area_rule``, ``county_rule`` (an event's county-wide rule), ``condition_rule`` or
        ``fallback`` (the coordination office).
    skipped : tuple of str
        Unit codes of rules or owners passed over because the unit is unknown or inactive, in the
        order they were met.
    """

    unit: str
    rule: str
    matched: Matched
    skipped: tuple[str, ...] = ()


def route(
    category: Category,
    *,
    grid: GridCell | None,
    component: ComponentInstance | None,
    condition: str | None,
    rules: Sequence[RoutingRule],
    units: Mapping[str, Unit],
    coordination_office: str,
) -> RouteResult:
    """Suggest the responsible unit for a case.

    Parameters
    ----------
    category : Category
        The case's category; its ``kind`` chooses owner-first or locality-first.
    grid : GridCell or None
        The cell the case lies in; None when unknown (area rules then cannot match).
    component : ComponentInstance or None
        The inventoried component the case is about.  Used only for component categories and only
        when its type equals ``category.code`` (an instance of another type says nothing about who
        owns this one).  For events it is ignored: 先属地 means the locality answers first.
    condition : str or None
        Id of the filing condition the case was filed under.
    rules : sequence of RoutingRule
        The whole matrix; rules of other categories are ignored.  Among equally specific rules the
        first in the sequence wins.
    units : mapping of str to Unit
        Known units by code; a rule whose unit is missing or inactive is skipped.
    coordination_office : str
        The unit that receives a case no rule reaches (seed 运行机制 3).  Returned even if it is not in
        ``units``: there is nothing better to suggest.

    Returns
    -------
    RouteResult
        The unit, the reason and which step decided.
    """
    skipped: list[str] = []

    def usable(code: str) -> Unit | None:
        unit = units.get(code)
        if unit is None or not unit.active:
            if code not in skipped:
                skipped.append(code)
            return None
        return unit

    grid_code = grid.code if grid is not None else None
    own = [r for r in rules if r.category == category.code]

    def result(unit: str, reason: str, matched: Matched) -> RouteResult:
        if skipped:
            reason += f"（已跳过未知或停用单位：{'、'.join(skipped)}）"
        return RouteResult(unit=unit, rule=reason, matched=matched, skipped=tuple(skipped))

    # 1. The filing condition decides first: the seed splits categories by condition.
    if condition is not None:
        cond = category.condition(condition)
        cond_label = f"立案条件 {condition}" + (f"“{cond.text}”" if cond is not None else "")
        hit = _most_specific([r for r in own if r.condition == condition], grid_code, usable)
        if hit is not None:
            rule, unit = hit
            return result(unit.code, f"{cond_label}：{unit.name}{_basis(rule)}", "condition_rule")
        if cond is not None and cond.unit is not None:
            unit_or_none = usable(cond.unit)
            if unit_or_none is not None:
                return result(
                    unit_or_none.code, f"{cond_label}指定：{unit_or_none.name}", "condition_rule"
                )

    base = [r for r in own if r.condition is None]
    county = [r for r in base if r.area is None]
    area = [r for r in base if r.area is not None]

    if category.kind is CategoryKind.COMPONENT:
        # 2. 先属主: the inventoried owner, then the type's owner department.
        if component is not None and component.category == category.code and component.owner:
            owner = usable(component.owner)
            if owner is not None:
                return result(
                    owner.code, f"部件权属：{owner.name}（部件 {component.id}）", "component_owner"
                )
        hit = _first_usable(county, usable)
        if hit is not None:
            rule, unit = hit
            return result(
                unit.code, f"先属主：{category.name_zh} → {unit.name}{_basis(rule)}", "owner_rule"
            )
        # 后属地: nobody owns it, so the locality answers (属地兜底).
        hit = _most_specific(area, grid_code, usable)
        if hit is not None:
            rule, unit = hit
            place = _place(grid, rule)
            return result(unit.code, f"后属地：{place} → {unit.name}{_basis(rule)}", "area_rule")
    else:
        # 3. 先属地, then the department the matrix names county-wide.
        hit = _most_specific(area, grid_code, usable)
        if hit is not None:
            rule, unit = hit
            place = _place(grid, rule)
            return result(unit.code, f"属地优先：{place} → {unit.name}{_basis(rule)}", "area_rule")
        hit = _first_usable(county, usable)
        if hit is not None:
            rule, unit = hit
            prefix = "职责分工" if rule.basis.startswith("职责分工") else "全县规则"
            return result(
                unit.code,
                f"{prefix}：{category.name_zh} → {unit.name}{_basis(rule)}",
                "county_rule",
            )

    office = units.get(coordination_office)
    office_name = office.name if office is not None else coordination_office
    return result(coordination_office, f"无匹配规则，交{office_name}协调", "fallback")


def _most_specific(
    rules: Sequence[RoutingRule],
    grid_code: str | None,
    usable: Callable[[str], Unit | None],
) -> tuple[RoutingRule, Unit] | None:
    """The applicable rule with the longest area prefix (county-wide counts as length 0)."""
    applicable = [
        r
        for r in rules
        if r.area is None or (grid_code is not None and grid_code.startswith(r.area))
    ]
    # sorted() is stable, so equally specific rules keep the matrix order.
    applicable = sorted(applicable, key=lambda r: -len(r.area or ""))
    return _first_usable(applicable, usable)


def _first_usable(
    rules: Sequence[RoutingRule], usable: Callable[[str], Unit | None]
) -> tuple[RoutingRule, Unit] | None:
    for rule in rules:
        unit = usable(rule.unit)
        if unit is not None:
            return rule, unit
    return None


def _basis(rule: RoutingRule) -> str:
    return f"（{rule.basis}）" if rule.basis else ""


def _place(grid: GridCell | None, rule: RoutingRule) -> str:
    """Name the locality an area rule covers, as precisely as the rule is."""
    area = rule.area or ""
    if grid is None:
        return area
    if len(area) >= 15:
        return f"{grid.street}{grid.community}单元网格 {grid.code}"
    if len(area) >= 12:
        return f"{grid.street}{grid.community}"
    return grid.street
