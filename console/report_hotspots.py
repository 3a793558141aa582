"""The period report's 「热点与难点」 tables (issue #16 part 4).

Turns a :class:`~console.services.hotspot_report.HotspotSection` into the report model's
tables and a chart; every title starts with :data:`SECTION`, so the XLSX sheets, CSV files
and PDF pages of the section sort together and read as one section.
"""

from __future__ import annotations

from typing import Any

from console.reports.model import Chart, Column, Table
from console.services.centre import Centre
from console.services.hotspot_report import (
    LONG_OPEN_DAYS,
    LONG_SUSPEND_DAYS,
    HardList,
    HotspotSection,
)

SECTION = "热点与难点"


def _category(centre: Centre, code: str) -> str:
    cat = centre.ref.categories.get(code)
    return f"{code} {cat.name_zh}" if cat is not None else code


def _change(now: int, before: int) -> str:
    return f"{now - before:+d}" if before or now else "0"


def top_cells_table(section: HotspotSection, centre: Centre) -> Table:
    """高发区域: the cells with the most reports, their density and the change."""
    rows: list[dict[str, Any]] = []
    for rank, c in enumerate(section.figures.cells, 1):
        cell = centre.ref.grids.get(c.grid)
        rows.append({
            "rank": rank, "grid": c.grid,
            "place": f"{cell.street} {cell.community}" if cell is not None else "",
            "count": c.count, "previous": c.previous, "change": _change(c.count, c.previous),
            "rate": None if c.rate is None else round(c.rate, 1),
        })
    columns = [Column("rank", "名次", "int"), Column("grid", "网格"), Column("place", "街道社区"),
               Column("count", "上报数", "int", "sum"), Column("previous", "上期", "int", "sum"),
               Column("change", "变化"), Column("rate", "每平方公里", "score")]
    return Table(f"{SECTION}·高发区域", columns, rows)


def top_categories_table(section: HotspotSection, centre: Centre) -> Table:
    """高发问题: the categories with the most reports and the change."""
    rows = [{"rank": rank, "category": _category(centre, k.category), "count": k.count,
             "previous": k.previous, "change": _change(k.count, k.previous),
             "share": k.count / section.figures.total if section.figures.total else None}
            for rank, k in enumerate(section.figures.categories, 1)]
    columns = [Column("rank", "名次", "int"), Column("category", "类别"),
               Column("count", "上报数", "int", "sum"), Column("previous", "上期", "int", "sum"),
               Column("change", "变化"), Column("share", "占比", "rate")]
    return Table(f"{SECTION}·高发问题", columns, rows)


def hard_table(title: str, times: str, listed: HardList, centre: Centre,
               with_units: bool = False) -> Table:
    """One 难点 list; the title says how many when more than the listed are."""
    units = centre.ref.units
    rows: list[dict[str, Any]] = []
    for c in listed.cases:
        rows.append({
            "case_no": c.case_no,
            "reported_at": centre.local(c.reported_at).replace(tzinfo=None),
            "category": _category(centre, c.category), "grid": c.grid or "",
            "unit": units[c.unit].name if c.unit is not None and c.unit in units else "",
            "state": c.state, "times": c.times, "units": c.units,
        })
    columns = [Column("case_no", "案件编号"), Column("reported_at", "上报时间", "datetime"),
               Column("category", "类别"), Column("grid", "网格"), Column("unit", "责任单位"),
               Column("state", "状态"), Column("times", times, "int")]
    if with_units:
        columns.append(Column("units", "回退单位数", "int"))
    shown = len(listed.cases)
    more = f"（共 {listed.total} 件，列出 {shown} 件）" if listed.total > shown else \
        f"（{listed.total} 件）"
    return Table(f"{SECTION}·{title}{more}", columns, rows)


def hotspot_tables(section: HotspotSection, centre: Centre) -> list[Table]:
    """The section's tables, in reading order."""
    return [
        top_cells_table(section, centre),
        top_categories_table(section, centre),
        hard_table(f"未结超{LONG_OPEN_DAYS}天", "已历天数", section.long_open, centre),
        hard_table("回退两次以上", "回退次数", section.returned, centre, with_units=True),
        hard_table("返工两次以上", "返工次数", section.reworked, centre),
        hard_table(f"挂账超{LONG_SUSPEND_DAYS}天", "挂账天数", section.suspended, centre),
        hard_table("多个单位回退", "回退次数", section.several_units, centre, with_units=True),
    ]


def hotspot_chart(section: HotspotSection, centre: Centre) -> Chart | None:
    """高发问题 as bars (None when the period has no reports)."""
    top = section.figures.categories
    if not top:
        return None
    names = [centre.ref.categories[k.category].name_zh if k.category in centre.ref.categories
             else k.category for k in top]
    return Chart(f"{SECTION}·高发问题", names, [float(k.count) for k in top], value_kind="int")
