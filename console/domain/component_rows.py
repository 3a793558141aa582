"""Reading a 部件普查 (component survey) file's rows: each lands or is quarantined with a reason.

Columns are found by their heading, in the standard's abbreviations (GB/T 47678.5 表2:
``GLBJBSM`` 标识码, ``GLBJMC`` 名称, ``QSDWDM`` 权属, ``YHDWDM`` 养护, ``GLBJZT`` 状态), the
legacy exchange names (``ObjID``, ``ObjName``, ``DeptCode2``, ``DeptCode3``, ``ObjState``,
``PointX``/``PointY``), Chinese headings or this project's own (components.csv).  The category
is a column (code, name or alias as ``--category`` takes it) or, when there is none, the five
digits after the county code in a 17-digit id (6 + 2 major + 3 minor + 6 serial).  Owner and
maintainer are unit codes or unit names.  The cell is not read from the file: it is the cell
of the position (a survey's cell column is often stale after a grid change).  Every other
column is kept as the component's attributes.
"""

from __future__ import annotations

import enum
import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from console.domain.category_search import search_key
from console.domain.cell_finder import CellFinder
from console.domain.reference import Category, CategoryKind, ComponentInstance, Unit

#: Headings by field, compared as search keys (case, width and punctuation ignored).
HEADINGS: dict[str, tuple[str, ...]] = {
    "id": ("id", "glbjbsm", "objid", "部件标识码", "管理部件标识码", "部件编号", "编号"),
    "category": ("category", "type", "类别", "部件类别", "小类", "smallclass", "部件类型"),
    "name": ("name", "glbjmc", "objname", "名称", "部件名称", "管理部件名称"),
    "owner": ("owner", "qsdwdm", "qsdwmc", "deptcode2", "deptname2", "权属单位", "权属单位代码",
              "权属"),
    "maintainer": ("maintainer", "yhdwdm", "yhdwmc", "deptcode3", "deptname3", "养护单位",
                   "养护单位代码", "养护"),
    "state": ("state", "glbjzt", "objstate", "状态", "部件状态"),
    "lon": ("lon", "lng", "longitude", "pointx", "经度", "x"),
    "lat": ("lat", "latitude", "pointy", "纬度", "y"),
}
#: Headings that are read for a field of their own and not kept as attributes.
_IGNORED = {search_key(h) for h in ("grid", "bgid", "szdywgbsm", "所在单元网格", "网格")}
MAX_TEXT = 200


class Quarantine(enum.StrEnum):
    """Why a row did not land."""

    NO_ID = "no_id"
    DUPLICATE = "duplicate"
    UNKNOWN_CATEGORY = "unknown_category"
    NOT_COMPONENT = "not_component"
    UNKNOWN_OWNER = "unknown_owner"
    UNKNOWN_MAINTAINER = "unknown_maintainer"
    NO_POSITION = "no_position"
    BAD_POSITION = "bad_position"
    OUTSIDE = "outside"


REASON_TEXT = {
    Quarantine.NO_ID: "没有部件标识码或标识码无效 / no usable id",
    Quarantine.DUPLICATE: "标识码与前面的行重复 / duplicate id",
    Quarantine.UNKNOWN_CATEGORY: "未知的部件类别 / unknown category",
    Quarantine.NOT_COMPONENT: "类别是事件类，不是部件 / an event category, not a component",
    Quarantine.UNKNOWN_OWNER: "未知的权属单位 / unknown owner unit",
    Quarantine.UNKNOWN_MAINTAINER: "未知的养护单位 / unknown maintainer unit",
    Quarantine.NO_POSITION: "没有位置 / no position",
    Quarantine.BAD_POSITION: "位置不是有效的坐标 / not a valid position",
    Quarantine.OUTSIDE: "不在本中心的任何网格内 / outside the centre's grid",
}


@dataclass(frozen=True, slots=True)
class QuarantinedComponent:
    """A row that did not land, and why."""

    row: int
    id: str
    reason: Quarantine
    detail: str = ""

    @property
    def text(self) -> str:
        """The reason in one line (Chinese / English), with its detail."""
        return REASON_TEXT[self.reason] + (f"（{self.detail}）" if self.detail else "")


@dataclass(frozen=True, slots=True)
class ComponentReading:
    """Every row of a file: the components that land and the rows quarantined."""

    components: list[ComponentInstance]
    quarantined: list[QuarantinedComponent]


def columns(headings: Sequence[str]) -> dict[str, str]:
    """Each field's heading in the file (fields the file lacks are left out)."""
    return dict(_columns(tuple(headings)))


@functools.lru_cache(maxsize=16)
def _columns(headings: tuple[str, ...]) -> dict[str, str]:
    # Once per file's heading row, not per row: a row-by-row reader (a Shapefile's features
    # without geometry) asks for every one of 100 000 rows.  Callers only read the result.
    keys = {search_key(h): h for h in headings}
    found: dict[str, str] = {}
    for field, names in HEADINGS.items():
        for name in names:
            if search_key(name) in keys:
                found[field] = keys[search_key(name)]
                break
    return found


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet's 1001.0 is the code 1001
    return " ".join(str(value).split())[:MAX_TEXT]


def _number(value: Any) -> float | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class Lookups:
    """What the rows are checked against: categories, units and the grid."""

    categories: Mapping[str, Category]
    units: Mapping[str, Unit]
    finder: CellFinder
    #: ``find(text) -> category codes`` (the category search of ``--category``).
    find_category: Callable[[str], Sequence[str]]
    county: str

    def category(self, text: str, cid: str) -> Category | None:
        """The category named by ``text``, or by the id's type digits when ``text`` is empty."""
        if not text and re.fullmatch(r"\d{17}", cid) and cid.startswith(self.county):
            text = cid[6:11]
        if not text:
            return None
        if text in self.categories:
            return self.categories[text]
        codes = list(dict.fromkeys(self.find_category(text)))
        return self.categories.get(codes[0]) if len(codes) == 1 else None

    def unit(self, text: str) -> Unit | None:
        """A unit by code or by its Chinese name."""
        if text in self.units:
            return self.units[text]
        return next((u for u in self.units.values() if u.name == text), None)


Position = tuple[float, float] | str | None
"""A row's WGS-84 point; the text given when it is no coordinate pair; None when absent."""


def read_components(rows: Sequence[tuple[int, Mapping[str, Any], Position]],
                    headings: Sequence[str], look: Lookups) -> ComponentReading:
    """Sort rows into components and quarantined rows.

    Parameters
    ----------
    rows : sequence of (row number, attributes, position)
        The position already converted to WGS-84 (from the feature's point, or from the lon /
        lat columns by :func:`position_columns`).
    headings : sequence of str
        The file's column headings, in order.
    look : Lookups
    """
    col = columns(headings)
    used = set(col.values())
    landed: list[ComponentInstance] = []
    out: list[QuarantinedComponent] = []
    seen: dict[str, int] = {}
    for number, props, point in rows:
        def get(field: str, props: Mapping[str, Any] = props) -> str:
            return _text(props.get(col[field])) if field in col else ""

        cid = get("id")
        if not cid or not re.fullmatch(r"[0-9A-Za-z_.-]{1,64}", cid):
            out.append(QuarantinedComponent(number, cid, Quarantine.NO_ID, cid[:30]))
            continue
        if cid in seen:
            out.append(QuarantinedComponent(number, cid, Quarantine.DUPLICATE,
                                            f"第 {seen[cid]} 行 / row {seen[cid]}"))
            continue
        seen[cid] = number
        category = look.category(get("category"), cid)
        if category is None:
            out.append(QuarantinedComponent(number, cid, Quarantine.UNKNOWN_CATEGORY,
                                            get("category")[:30]))
            continue
        if category.kind is not CategoryKind.COMPONENT:
            out.append(QuarantinedComponent(number, cid, Quarantine.NOT_COMPONENT, category.code))
            continue
        units: dict[str, str | None] = {}
        for field, reason in (("owner", Quarantine.UNKNOWN_OWNER),
                              ("maintainer", Quarantine.UNKNOWN_MAINTAINER)):
            found = look.unit(get(field)) if get(field) else None
            if get(field) and found is None:
                out.append(QuarantinedComponent(number, cid, reason, get(field)[:30]))
                break
            units[field] = None if found is None else found.code
        if len(units) < 2:
            continue
        owner, maintainer = units["owner"], units["maintainer"]
        if point is None:
            out.append(QuarantinedComponent(number, cid, Quarantine.NO_POSITION))
            continue
        if isinstance(point, str):
            out.append(QuarantinedComponent(number, cid, Quarantine.BAD_POSITION, point))
            continue
        lon, lat = point
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180
                and -90 <= lat <= 90):
            out.append(QuarantinedComponent(number, cid, Quarantine.BAD_POSITION,
                                            f"{lon:g}, {lat:g}"))
            continue
        cell = look.finder.cell(lon, lat)
        if cell is None:
            out.append(QuarantinedComponent(number, cid, Quarantine.OUTSIDE,
                                            f"{lon:.6f}, {lat:.6f}"))
            continue
        extra = tuple((str(k), _text(v)) for k, v in props.items()
                      if k not in used and search_key(str(k)) not in _IGNORED and _text(v))
        landed.append(ComponentInstance(
            id=cid, category=category.code, name=get("name") or category.name_zh,
            owner=owner, maintainer=maintainer, grid=cell.code, lon=lon, lat=lat,
            state=get("state") or "完好", attributes=extra))
    return ComponentReading(landed, out)


def position_columns(props: Mapping[str, Any], headings: Sequence[str]
                     ) -> tuple[float, float] | str | None:
    """A table row's (x, y) from its lon / lat columns: None when empty, the text when bad."""
    col = _columns(tuple(headings))
    if "lon" not in col or "lat" not in col:
        return None
    x_text, y_text = _text(props.get(col["lon"])), _text(props.get(col["lat"]))
    if not x_text or not y_text:
        return None
    x, y = _number(x_text), _number(y_text)
    if x is None or y is None:
        return f"{x_text[:20]}, {y_text[:20]}"
    return x, y
