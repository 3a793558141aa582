"""Read a centre's reference files (resources/<centre>/) into domain objects.

The formats are documented in resources/kaihua/README.md.  Every problem is reported as a
:class:`~console.domain.errors.ValidationError` naming the file and the entry, before anything
is written to a database.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from console.domain.calendar import parse_windows
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

DEFAULT_CENTRE = Path(__file__).resolve().parent.parent / "resources" / "kaihua"


def _yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise ValidationError(f"缺少参考数据文件 {path} / missing reference file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "语法错误"
        raise ValidationError(f"{path.name} 不是有效的 YAML：{where} {problem}") from None


def _entries(path: Path, key: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    data = _yaml(path)
    if not isinstance(data, Mapping) or not isinstance(data.get(key), list):
        raise ValidationError(f"{path.name} 应含有列表 {key}: / expected a '{key}:' list")
    for i, entry in enumerate(data[key], 1):
        if not isinstance(entry, Mapping):
            raise ValidationError(f"{path.name} 第 {i} 项 {key} 不是映射 / entry is not a mapping")
        yield i, entry


def _req(path: Path, i: int, entry: Mapping[str, Any], name: str) -> Any:
    value = entry.get(name)
    if value is None or value == "":
        raise ValidationError(f"{path.name} 第 {i} 项缺少字段 {name} / missing '{name}'")
    return value


def load_config(path: Path) -> CentreConfig:
    """centre.yaml -> CentreConfig (missing keys keep their defaults)."""
    data = _yaml(path) or {}
    if not isinstance(data, Mapping):
        raise ValidationError(f"{path.name} 应为映射 / expected a mapping")
    base = CentreConfig()
    try:
        limits = {str(k): int(v) for k, v in (data.get("stage_limits") or base.stage_limits).items()}
        return CentreConfig(
            name=str(data.get("name", base.name)),
            county_code=str(data.get("county_code", base.county_code)),
            timezone=str(data.get("timezone", base.timezone)),
            windows=parse_windows(str(data["windows"])) if "windows" in data else base.windows,
            stage_limits=limits,
            yellow_at=float(data.get("yellow_at", base.yellow_at)),
            duplicate_radius_m=float(data.get("duplicate_radius_m", base.duplicate_radius_m)),
            duplicate_hours=float(data.get("duplicate_hours", base.duplicate_hours)),
            coordination_office=str(data.get("coordination_office", base.coordination_office)),
            verify_sources=tuple(data.get("verify_sources", base.verify_sources)),
            name_en=str(data.get("name_en") or "").strip(),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValidationError(f"{path.name} 的取值无效：{exc}") from None


def load_categories(path: Path) -> list[Category]:
    """categories.yaml -> categories."""
    out = []
    for i, e in _entries(path, "categories"):
        try:
            limits = {LimitClass(k): int(v) for k, v in (_req(path, i, e, "limits")).items()}
            conds = tuple(
                FilingCondition(str(c["id"]), str(c["text"]),
                                LimitClass(c.get("limit_class", "一般性")), c.get("unit"))
                for c in e.get("filing_conditions") or ()
            )
            out.append(Category(
                code=str(_req(path, i, e, "code")),
                kind=CategoryKind(_req(path, i, e, "kind")),
                major=str(_req(path, i, e, "major")),
                name_zh=str(_req(path, i, e, "name_zh")),
                name_en=str(e.get("name_en") or ""),
                limits=limits,
                legacy_code=str(e["legacy_code"]) if e.get("legacy_code") else None,
                natural_time=bool(e.get("natural_time", False)),
                filing_conditions=conds,
                closing_condition=str(e.get("closing_condition") or ""),
                local=bool(e.get("local", False)),
                aliases=_aliases(path, i, e.get("aliases")),
            ))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValidationError(f"{path.name} 第 {i} 项类别无效：{exc}") from None
        if any(v <= 0 for v in limits.values()) or LimitClass.GENERAL not in limits:
            raise ValidationError(f"{path.name} 第 {i} 项：须有正的「一般性」处置时限")
    problems = alias_problems(out)
    if problems:
        more = f"（另有 {len(problems) - 1} 处）" if len(problems) > 1 else ""
        raise ValidationError(f"{path.name}：{problems[0]}{more}")
    return out


def _aliases(path: Path, i: int, raw: Any) -> tuple[str, ...]:
    # A bare string would otherwise be read as a list of its characters.
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
        raise ValidationError(f"{path.name} 第 {i} 项：aliases 应为字符串列表 / aliases must be"
                              " a list of strings")
    return tuple(a.strip() for a in raw)


def load_units(path: Path) -> list[Unit]:
    """units.yaml -> units."""
    out = []
    for i, e in _entries(path, "units"):
        try:
            kind = UnitKind(_req(path, i, e, "kind"))
        except ValueError:
            raise ValidationError(f"{path.name} 第 {i} 项单位类型无效 {e.get('kind')!r}") from None
        out.append(Unit(
            code=str(_req(path, i, e, "code")), name=str(_req(path, i, e, "name")), kind=kind,
            parent=e.get("parent"), area=str(e["area"]) if e.get("area") else None,
            seed=bool(e.get("seed", False)), duties=str(e.get("duties") or ""),
            active=bool(e.get("active", True)), name_en=str(e.get("name_en") or "").strip(),
        ))
    return out


def load_rules(path: Path) -> list[RoutingRule]:
    """routing.yaml -> responsibility matrix rows."""
    return [
        RoutingRule(
            category=str(_req(path, i, e, "category")), unit=str(_req(path, i, e, "unit")),
            area=str(e["area"]) if e.get("area") else None,
            condition=str(e["condition"]) if e.get("condition") else None,
            basis=str(e.get("basis") or ""),
        )
        for i, e in _entries(path, "rules")
    ]


def load_components(path: Path) -> list[ComponentInstance]:
    """components.csv -> component inventory."""
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), 2):
            try:
                out.append(ComponentInstance(
                    id=row["id"].strip(), category=row["category"].strip(), name=row["name"].strip(),
                    owner=row["owner"].strip() or None, maintainer=row["maintainer"].strip() or None,
                    grid=row["grid"].strip(), lon=float(row["lon"]), lat=float(row["lat"]),
                    state=(row.get("state") or "完好").strip(),
                ))
            except (KeyError, ValueError, AttributeError) as exc:
                raise ValidationError(f"{path.name} 第 {line} 行无效：{exc}") from None
    return out


def load_grids(path: Path) -> list[GridCell]:
    """grid.geojson -> grid cells (Polygon outer rings)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        cells = []
        for i, feature in enumerate(data["features"], 1):
            props = feature["properties"]
            geom = feature["geometry"]
            if geom["type"] != "Polygon":
                raise ValueError(f"feature {i}: geometry must be a Polygon")
            ring = tuple((float(x), float(y)) for x, y, *_ in geom["coordinates"][0])
            cells.append(GridCell(
                code=str(props["code"]), street_code=str(props["street_code"]),
                street=str(props["street"]), community_code=str(props["community_code"]),
                community=str(props["community"]), polygon=ring,
                # Optional: a centre's own grid may have no English names (the desk then
                # shows the Chinese ones).
                street_en=str(props.get("street_en") or "").strip(),
                community_en=str(props.get("community_en") or "").strip(),
            ))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError(f"{path.name} 不是有效的网格 GeoJSON：{exc}") from None
    return cells


def load_users(path: Path) -> list[User]:
    """users.yaml -> users."""
    return [
        User(
            username=str(_req(path, i, e, "username")), name=str(_req(path, i, e, "name")),
            role=str(_req(path, i, e, "role")), unit=e.get("unit"),
            grids=tuple(str(g) for g in e.get("grids") or ()), active=bool(e.get("active", True)),
        )
        for i, e in _entries(path, "users")
    ]


def load_calendar(path: Path) -> list[CalendarDay]:
    """calendar.yaml -> administrator overrides (source ``admin``)."""
    out = []
    for i, e in _entries(path, "days"):
        raw = _req(path, i, e, "date")
        try:
            day = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except ValueError:
            raise ValidationError(f"{path.name} 第 {i} 项日期无效 {raw!r}") from None
        out.append(CalendarDay(day, bool(_req(path, i, e, "workday")), "admin", str(e.get("note") or "")))
    return out


def load_centre_files(folder: Path = DEFAULT_CENTRE) -> ReferenceSet:
    """All reference files of one centre folder, as a ReferenceSet (not yet cross-checked)."""
    categories = load_categories(folder / "categories.yaml")
    units = load_units(folder / "units.yaml")
    components = load_components(folder / "components.csv")
    grids = load_grids(folder / "grid.geojson")
    users = load_users(folder / "users.yaml")
    return ReferenceSet(
        config=load_config(folder / "centre.yaml"),
        categories={c.code: c for c in categories},
        units={u.code: u for u in units},
        rules=tuple(load_rules(folder / "routing.yaml")),
        components={c.id: c for c in components},
        grids={g.code: g for g in grids},
        calendar_days=tuple(load_calendar(folder / "calendar.yaml")),
        users={u.username: u for u in users},
    )
