"""Reference data <-> column values.

Each ``*_values`` function gives the exact column values a domain object is stored as (enums as
their string values, tuples as JSON lists), in the same shape the row reads back, so the
repository can tell "unchanged" from "changed" by comparing plain dicts.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import time
from typing import Any

from console.domain.basemap import basemap_from_json, basemap_to_json
from console.domain.duty_settings import duty_from_json, duty_to_json
from console.domain.reference import (
    CalendarDay,
    Category,
    CategoryKind,
    CentreConfig,
    ComponentInstance,
    FilingCondition,
    GridCell,
    LimitClass,
    RoutingRule,
    Unit,
    UnitKind,
    User,
)
from db.tables import (
    CalendarDayRow,
    CategoryRow,
    ComponentRow,
    GridCellRow,
    RoutingRuleRow,
    UnitRow,
    UserRow,
)


def unit_values(unit: Unit) -> dict[str, Any]:
    """Columns of a unit."""
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": UnitKind(unit.kind).value,
        "parent": unit.parent,
        "area": unit.area,
        "seed": unit.seed,
        "duties": unit.duties,
        "active": unit.active,
        "name_en": unit.name_en,
    }


def unit_from(row: UnitRow) -> Unit:
    """A unit from its row."""
    return Unit(
        code=row.code,
        name=row.name,
        kind=UnitKind(row.kind),
        parent=row.parent,
        area=row.area,
        seed=row.seed,
        duties=row.duties,
        active=row.active,
        name_en=row.name_en or "",
    )


def category_values(cat: Category) -> dict[str, Any]:
    """Columns of a category; limits and filing conditions as JSON."""
    return {
        "code": cat.code,
        "kind": CategoryKind(cat.kind).value,
        "major": cat.major,
        "name_zh": cat.name_zh,
        "name_en": cat.name_en,
        "legacy_code": cat.legacy_code,
        "natural_time": cat.natural_time,
        "limits": {LimitClass(k).value: int(v) for k, v in cat.limits.items()},
        "filing_conditions": [
            {
                "id": c.id,
                "text": c.text,
                "limit_class": LimitClass(c.limit_class).value,
                "unit": c.unit,
            }
            for c in cat.filing_conditions
        ],
        "closing_condition": cat.closing_condition,
        "local": cat.local,
        "aliases": list(cat.aliases),
    }


def category_from(row: CategoryRow) -> Category:
    """A category from its row."""
    return Category(
        code=row.code,
        kind=CategoryKind(row.kind),
        major=row.major,
        name_zh=row.name_zh,
        name_en=row.name_en,
        legacy_code=row.legacy_code,
        natural_time=row.natural_time,
        limits={LimitClass(k): int(v) for k, v in row.limits.items()},
        filing_conditions=tuple(
            FilingCondition(
                id=c["id"],
                text=c["text"],
                limit_class=LimitClass(c["limit_class"]),
                unit=c.get("unit"),
            )
            for c in row.filing_conditions
        ),
        closing_condition=row.closing_condition,
        local=row.local,
        aliases=tuple(row.aliases or ()),
    )


def rule_values(position: int, rule: RoutingRule) -> dict[str, Any]:
    """Columns of the matrix row at ``position``."""
    return {
        "position": position,
        "category": rule.category,
        "unit": rule.unit,
        "area": rule.area,
        "condition": rule.condition,
        "basis": rule.basis,
    }


def rule_from(row: RoutingRuleRow) -> RoutingRule:
    """A routing rule from its row."""
    return RoutingRule(
        category=row.category,
        unit=row.unit,
        area=row.area,
        condition=row.condition,
        basis=row.basis,
    )


def component_values(comp: ComponentInstance) -> dict[str, Any]:
    """Columns of a component."""
    values = {f.name: getattr(comp, f.name) for f in fields(ComponentInstance)}
    # None without attributes, as rows stored before revision 0023 hold: no update for them.
    values["attributes"] = [list(pair) for pair in comp.attributes] or None
    return values


def component_from(row: ComponentRow) -> ComponentInstance:
    """A component from its row."""
    values = {f.name: getattr(row, f.name) for f in fields(ComponentInstance)}
    # revision 0023: rows stored before it have no attributes (NULL)
    values["attributes"] = tuple((str(k), str(v)) for k, v in values["attributes"] or ())
    return ComponentInstance(**values)


def grid_values(cell: GridCell) -> dict[str, Any]:
    """Columns of a grid cell: the ring as JSON plus its bounding box."""
    lons = [p[0] for p in cell.polygon]
    lats = [p[1] for p in cell.polygon]
    return {
        "code": cell.code,
        "street_code": cell.street_code,
        "street": cell.street,
        "community_code": cell.community_code,
        "community": cell.community,
        "street_en": cell.street_en,
        "community_en": cell.community_en,
        "name": cell.name,
        "polygon": [[p[0], p[1]] for p in cell.polygon],
        "lon_min": min(lons),
        "lon_max": max(lons),
        "lat_min": min(lats),
        "lat_max": max(lats),
    }


def grid_from(row: GridCellRow) -> GridCell:
    """A grid cell from its row."""
    return GridCell(
        code=row.code,
        street_code=row.street_code,
        street=row.street,
        community_code=row.community_code,
        community=row.community,
        polygon=tuple((p[0], p[1]) for p in row.polygon),
        street_en=row.street_en or "",
        community_en=row.community_en or "",
        name=row.name or "",
    )


def user_values(user: User) -> dict[str, Any]:
    """Columns of a user."""
    return {
        "username": user.username,
        "name": user.name,
        "role": user.role,
        "unit": user.unit,
        "grids": list(user.grids),
        "active": user.active,
    }


def user_from(row: UserRow) -> User:
    """A user from its row."""
    return User(
        username=row.username,
        name=row.name,
        role=row.role,
        unit=row.unit,
        grids=tuple(row.grids),
        active=row.active,
    )


def day_values(day: CalendarDay) -> dict[str, Any]:
    """Columns of a calendar day."""
    return {"day": day.day, "workday": day.workday, "source": day.source, "note": day.note}


def day_from(row: CalendarDayRow) -> CalendarDay:
    """A calendar day from its row."""
    return CalendarDay(day=row.day, workday=row.workday, source=row.source, note=row.note)


def config_to_json(config: CentreConfig) -> dict[str, Any]:
    """The centre's settings as a JSON document (times as ``HH:MM[:SS]``)."""
    return {
        "name": config.name,
        "county_code": config.county_code,
        "timezone": config.timezone,
        "windows": [[start.isoformat(), end.isoformat()] for start, end in config.windows],
        "stage_limits": {str(k): int(v) for k, v in config.stage_limits.items()},
        "yellow_at": config.yellow_at,
        "duplicate_radius_m": config.duplicate_radius_m,
        "duplicate_hours": config.duplicate_hours,
        "coordination_office": config.coordination_office,
        "verify_sources": list(config.verify_sources),
        "name_en": config.name_en,
        "position_retention_days": config.position_retention_days,
        "on_duty": duty_to_json(config.on_duty),
        "basemap": basemap_to_json(config.basemap),
    }


def config_from_json(doc: dict[str, Any]) -> CentreConfig:
    """A :class:`CentreConfig` from a stored document; missing keys take the defaults.

    Tolerating missing (and ignoring unknown) keys lets a newer or older release read the row.
    """
    known = {f.name for f in fields(CentreConfig)}
    kwargs: dict[str, Any] = {k: v for k, v in doc.items() if k in known}
    if "windows" in kwargs:
        kwargs["windows"] = tuple(
            (time.fromisoformat(start), time.fromisoformat(end)) for start, end in kwargs["windows"]
        )
    if "verify_sources" in kwargs:
        kwargs["verify_sources"] = tuple(kwargs["verify_sources"])
    if "stage_limits" in kwargs:
        kwargs["stage_limits"] = {str(k): int(v) for k, v in kwargs["stage_limits"].items()}
    if "on_duty" in kwargs:
        kwargs["on_duty"] = duty_from_json(kwargs["on_duty"])
    if "basemap" in kwargs:
        kwargs["basemap"] = basemap_from_json(kwargs["basemap"])
    return CentreConfig(**kwargs)
