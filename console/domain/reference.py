"""Reference data a centre owns: categories, units, the responsibility matrix, components, grids.

All frozen dataclasses. They are loaded from ``resources/`` by ``citydesk init`` into the database
and read back into a :class:`ReferenceSet`, which the services hand to the pure domain functions.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time

from console.domain.basemap import BasemapSource
from console.domain.duty_settings import DutySettings


class CategoryKind(enum.StrEnum):
    """部件 (a problem with a city component) or 事件 (an event / matter)."""

    COMPONENT = "component"
    EVENT = "event"


class LimitClass(enum.StrEnum):
    """处置时限 classes of a category (一般性 / 工程性 / 特殊性)."""

    GENERAL = "一般性"
    ENGINEERING = "工程性"
    SPECIAL = "特殊性"


class UnitKind(enum.StrEnum):
    """What sort of responsible unit this is."""

    DEPARTMENT = "department"  # 县政府部门
    COMPANY = "company"  # 公用企业 (water, power, telecom …)
    STREET = "street"  # 街道办事处 / 乡镇人民政府 (locality)
    OFFICE = "office"  # 领导小组办公室 (coordination) and the centre itself


@dataclass(frozen=True, slots=True)
class FilingCondition:
    """One 立案条件 of a category, with the limit class it is handled under.

    ``unit`` overrides routing for cases filed under this condition (e.g. 非法小广告 that
    涉及违法犯罪 goes to 县公安局 instead of 县综合执法局).
    """

    id: str
    text: str
    limit_class: LimitClass = LimitClass.GENERAL
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Category:
    """A 部件/事件 type (GB/T 47678.5-2026 5-digit code, legacy CJ/T 214 code beside it).

    ``limits`` are 处置 limits in minutes per :class:`LimitClass`; working minutes unless
    ``natural_time`` is set, in which case they are wall-clock minutes.  ``aliases`` are other
    words people use for the category (the seed's 职责分工 says 交通信号灯 for 交通信号灯异常);
    :mod:`console.domain.category_search` resolves them like the name.
    """

    code: str
    kind: CategoryKind
    major: str
    name_zh: str
    name_en: str
    limits: Mapping[LimitClass, int]
    legacy_code: str | None = None
    natural_time: bool = False
    filing_conditions: tuple[FilingCondition, ...] = ()
    closing_condition: str = ""
    local: bool = False  # a local extension code (numbered down from 999), not in the standard
    aliases: tuple[str, ...] = ()

    def limit_for(self, limit_class: LimitClass) -> int:
        """The 处置 limit for a class, falling back to 一般性 when the class is not set."""
        if limit_class in self.limits:
            return self.limits[limit_class]
        return self.limits[LimitClass.GENERAL]

    def condition(self, condition_id: str | None) -> FilingCondition | None:
        """The filing condition with this id, or None."""
        for cond in self.filing_conditions:
            if cond.id == condition_id:
                return cond
        return None


@dataclass(frozen=True, slots=True)
class Unit:
    """A responsible unit (责任单位), a street/town office, or the coordination office.

    ``seed`` is True when the seed document names the unit; False marks an entry a centre added
    (utilities, bureaus the seed does not reach).  ``area`` is the street/town code a locality
    unit is responsible for.  ``name_en`` is the English name an English desk shows; ``""``
    when the centre's files give none (the desk then shows ``name``).
    """

    code: str
    name: str
    kind: UnitKind
    parent: str | None = None
    area: str | None = None
    seed: bool = False
    duties: str = ""
    active: bool = True
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """One row of the responsibility matrix.

    ``area`` is a grid-code prefix: 9 digits for a street/town, 12 for a community, 15 for one
    cell; None means county-wide.  ``condition`` restricts the rule to one filing condition.
    ``basis`` says why (usually the seed's words), and is shown as the routing reason.
    """

    category: str
    unit: str
    area: str | None = None
    condition: str | None = None
    basis: str = ""


@dataclass(frozen=True, slots=True)
class ComponentInstance:
    """One inventoried component (部件): 17-digit id, type, owner (权属) and maintainer (养护)."""

    id: str
    category: str
    name: str
    owner: str | None
    maintainer: str | None
    grid: str
    lon: float
    lat: float
    state: str = "完好"
    #: The survey's other columns (材质, 设置位置 …) as (heading, text) pairs, in file order.
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class GridCell:
    """A 单元网格: 15-digit code (6 county + 3 street + 3 community + 3 cell) and its polygon.

    ``polygon`` is the outer ring as (lon, lat) pairs, WGS84 / CGCS2000 degrees.
    ``street_en`` and ``community_en`` are the English names an English desk shows; ``""`` when
    the centre's grid gives none (the desk then shows the Chinese name).
    """

    code: str
    street_code: str
    street: str
    community_code: str
    community: str
    polygon: tuple[tuple[float, float], ...]
    street_en: str = ""
    community_en: str = ""
    #: The cell's own name from the centre's survey (``""``: the map shows the code).
    name: str = ""

    @property
    def centroid(self) -> tuple[float, float]:
        """Mean of the ring's vertices: good enough for the small convex cells we draw."""
        pts = self.polygon[:-1] if self.polygon[0] == self.polygon[-1] else self.polygon
        return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


@dataclass(frozen=True, slots=True)
class CentreConfig:
    """Settings of one centre: clock, stage limits, thresholds, duplicate window.

    ``stage_limits`` are working minutes per stage name (受理, 核实, 立案, 派遣, 核查, 结案);
    处置 comes from the category.  ``yellow_at`` is the used fraction where the light turns
    yellow; red is always "past the deadline".
    """

    name: str = "开化县智慧城管指挥中心"
    county_code: str = "330824"
    timezone: str = "Asia/Shanghai"
    windows: tuple[tuple[time, time], ...] = ((time(8), time(12)), (time(14), time(18)))
    stage_limits: Mapping[str, int] = field(
        default_factory=lambda: {
            "受理": 30,
            "核实": 120,
            "立案": 30,
            "派遣": 30,
            "核查": 120,
            "结案": 60,
        }
    )
    yellow_at: float = 0.8
    duplicate_radius_m: float = 50.0
    duplicate_hours: float = 24.0
    coordination_office: str = "KH-LDXZ"
    verify_sources: tuple[str, ...] = ("公众举报", "12345热线", "网络/微信", "媒体曝光")
    name_en: str = ""  # the English name an English desk shows; "" shows ``name``
    position_retention_days: int = 90  # collectors' positions are kept this many days
    on_duty: DutySettings = field(default_factory=DutySettings)  # 在岗 rules (issue #15)
    basemap: tuple[BasemapSource, ...] = ()  # the map's tile sources; the first is drawn


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in: a role, the unit a 责任单位 user belongs to, a collector's cells."""

    username: str
    name: str
    role: str
    unit: str | None = None
    grids: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """An explicit workday flag for one date (a statutory holiday, a make-up day, an override).

    ``source`` is ``chinesecalendar`` for flags seeded from the package and ``admin`` for an
    administrator's override, which wins.
    """

    day: date
    workday: bool
    source: str = "chinesecalendar"
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReferenceSet:
    """Everything the domain needs to route, time and validate cases, read once per process."""

    config: CentreConfig
    categories: Mapping[str, Category]
    units: Mapping[str, Unit]
    rules: tuple[RoutingRule, ...]
    components: Mapping[str, ComponentInstance]
    grids: Mapping[str, GridCell]
    calendar_days: tuple[CalendarDay, ...] = ()
    users: Mapping[str, User] = field(default_factory=dict)
    #: Years whose statutory holidays an administrator imported (a notice, a day list): with
    #: the years seeded from the package, the years the work calendar knows.
    imported_years: frozenset[int] = frozenset()
