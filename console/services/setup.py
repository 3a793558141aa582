"""Setting a centre up: cross-check reference data and write it (idempotently)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from console.domain.cases import Role
from console.domain.category_search import alias_problems
from console.domain.errors import ValidationError
from console.domain.reference import CalendarDay, CentreConfig, ReferenceSet
from console.services.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class InitReport:
    """How many rows ``citydesk init`` changed, per table (all 0 on a second run)."""

    config: int
    units: int
    categories: int
    rules: int
    components: int
    grids: int
    users: int
    calendar_days: int

    @property
    def total(self) -> int:
        """Rows changed in all tables."""
        return sum(
            (self.config, self.units, self.categories, self.rules, self.components,
             self.grids, self.users, self.calendar_days)
        )


def check_reference(ref: ReferenceSet) -> None:
    """Raise ValidationError naming the first dangling reference between the files."""
    problems: list[str] = []
    units, cats, grids = ref.units, ref.categories, ref.grids
    county = ref.config.county_code
    if ref.config.coordination_office not in units:
        problems.append(f"协调单位 {ref.config.coordination_office} 不在 units 中")
    for unit in units.values():
        if unit.parent is not None and unit.parent not in units:
            problems.append(f"单位 {unit.code} 的上级 {unit.parent} 不存在")
    for rule in ref.rules:
        if rule.unit not in units:
            problems.append(f"路由规则 {rule.category} → 未知单位 {rule.unit}")
        if rule.category not in cats:
            problems.append(f"路由规则引用未知类别 {rule.category}")
    problems.extend(alias_problems(cats.values()))
    for cat in cats.values():
        for cond in cat.filing_conditions:
            if cond.unit is not None and cond.unit not in units:
                problems.append(f"类别 {cat.code} 立案条件 {cond.id} 指向未知单位 {cond.unit}")
    for cell in grids.values():
        if len(cell.code) != 15 or not cell.code.isdigit() or not cell.code.startswith(county):
            problems.append(f"网格编码 {cell.code} 应为以 {county} 开头的 15 位数字")
    for comp in ref.components.values():
        if comp.grid not in grids:
            problems.append(f"部件 {comp.id} 所在网格 {comp.grid} 不存在")
        if comp.category not in cats:
            problems.append(f"部件 {comp.id} 类别 {comp.category} 不存在")
        for owner in (comp.owner, comp.maintainer):
            if owner is not None and owner not in units:
                problems.append(f"部件 {comp.id} 的单位 {owner} 不存在")
    roles = {r.value for r in Role}
    for user in ref.users.values():
        if user.role not in roles:
            problems.append(f"用户 {user.username} 的角色 {user.role} 无效")
        if user.role == Role.UNIT.value and user.unit not in units:
            problems.append(f"责任单位用户 {user.username} 的单位 {user.unit} 不存在")
        problems.extend(
            f"监督员 {user.username} 的网格 {g} 不存在" for g in user.grids if g not in grids
        )
    if problems:
        more = f"（另有 {len(problems) - 5} 处）" if len(problems) > 5 else ""
        raise ValidationError("参考数据有误：" + "；".join(problems[:5]) + more)


def _keep_admin_limits(new: CentreConfig, stored: CentreConfig,
                       edited: frozenset[str]) -> CentreConfig:
    # Stage limits an administrator set stay theirs, as edited units and categories do.
    kept = {s: stored.stage_limits[s] for s in edited if s in stored.stage_limits}
    if not kept:
        return new
    return replace(new, stage_limits={**new.stage_limits, **kept})


def init_reference(
    uow: UnitOfWork, ref: ReferenceSet, statutory: Iterable[CalendarDay] = ()
) -> InitReport:
    """Write reference data in one transaction; returns what changed."""
    check_reference(ref)
    with uow:
        before = uow.reference.load().config
        config = _keep_admin_limits(ref.config, before,
                                    uow.reference.edited_keys().get("stage_limits", frozenset()))
        config_changed = int(before != config)
        if config_changed:
            uow.reference.save_config(config)
        report = InitReport(
            config=config_changed,
            units=uow.reference.upsert_units(list(ref.units.values())),
            categories=uow.reference.upsert_categories(list(ref.categories.values())),
            rules=uow.reference.replace_rules(list(ref.rules)),
            components=uow.reference.upsert_components(list(ref.components.values())),
            grids=uow.reference.upsert_grids(list(ref.grids.values())),
            users=uow.reference.upsert_users(list(ref.users.values())),
            calendar_days=uow.reference.upsert_calendar_days(
                [*statutory, *ref.calendar_days]
            ),
        )
        uow.commit()
    return report
