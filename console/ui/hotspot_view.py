"""How a :class:`~console.services.hotspots.HotspotMap` is drawn: fills, tooltips, legend.

Shared by the desk's hotspot mode (:mod:`console.ui.hotspot_map`) and the wall's hotspot page
(:mod:`console.ui.wall.hotspots`), so both colour a cell the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.services.centre import Centre
from console.services.hotspots import CellHeat, HotspotMap, RepeatCluster, RepeatPoints
from console.ui.i18n import N_, _
from console.ui.names import community_name, localized
from widgets.choropleth import DIVERGING, SEQUENTIAL, PointMark, class_of, quantile_breaks

#: The periods of the choosers (``console.services.hotspots.PERIODS``), in order.
PERIOD_LABELS: dict[str, str] = {
    "7d": N_("近 7 天"), "30d": N_("近 30 天"), "month": N_("本月"),
    "last_month": N_("上月"), "quarter": N_("本季度"),
}

#: What the cells can be filled by, in the chooser's order.
MEASURES: dict[str, str] = {"count": N_("件数"), "rate": N_("每平方公里"),
                            "change": N_("较上期变化")}


@dataclass(frozen=True, slots=True)
class Fills:
    """Colours and tooltips by cell, and the legend's classes."""

    colours: dict[str, str]
    tooltips: dict[str, str]
    legend: list[tuple[str, str]]


def category_label(centre: Centre, code: str) -> str:
    """A category's name in the console's language (its code when unknown)."""
    cat = centre.ref.categories.get(code)
    return localized(cat.name_zh, cat.name_en) if cat is not None else code


def _number(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _value(cell: CellHeat, measure: str) -> float | None:
    if measure == "rate":
        return cell.rate
    if measure == "change":
        return float(cell.change)
    return float(cell.count)


def cell_tooltip(centre: Centre, cell: CellHeat) -> str:
    """Both periods, the change and the density of one cell."""
    grid = centre.ref.grids.get(cell.grid)
    place = community_name(grid) if grid is not None else ""
    rate = "—" if cell.rate is None else f"{cell.rate:.1f}"
    return _("网格 {grid}（{place}）：本期 {n} 件，上期 {p} 件（{change:+d}），每平方公里 {rate} 件"
             ).format(grid=cell.grid, place=place, n=cell.count, p=cell.previous,
                      change=cell.change, rate=rate)


def fills(centre: Centre, data: HotspotMap, measure: str) -> Fills:
    """Fill colours for ``measure`` (``count``, ``rate`` or ``change``)."""
    cells = [c for c in data.cells if (c.count or measure == "change")]
    values = {c.grid: v for c in cells if (v := _value(c, measure)) is not None}
    tips = {c.grid: cell_tooltip(centre, c) for c in cells}
    if not values:
        return Fills({}, tips, [])
    if measure == "change":
        # Symmetric classes around no change, so blue and red mean the same size of change.
        top = max(abs(v) for v in values.values()) or 1.0
        step = top / 5 * 2
        bounds = [-step * 1.5, -step * 0.5, step * 0.5, step * 1.5, top]
        near, far = step * 0.5, step * 1.5
        labels = [f"≤ {-far:+.0f}", f"{-far:+.0f}…{-near:+.0f}", f"±{near:.0f}",
                  f"{near:+.0f}…{far:+.0f}", f"> {far:+.0f}"]
        colours = {k: DIVERGING[class_of(v, bounds)] for k, v in values.items()}
        return Fills(colours, tips, list(zip(DIVERGING, labels, strict=True)))
    breaks = quantile_breaks(list(values.values()))
    ramp = SEQUENTIAL[-len(breaks):] if len(breaks) < len(SEQUENTIAL) else SEQUENTIAL
    colours = {k: ramp[class_of(v, breaks)] for k, v in values.items()}
    legend: list[tuple[str, str]] = []
    low = min(values.values())
    for colour, bound in zip(ramp, breaks, strict=True):
        if measure == "count":  # whole reports: 1–3, 4–8 …
            text = f"{low:.0f}" if low == bound else f"{low:.0f}–{bound:.0f}"
            low = bound + 1
        else:  # a density: each class up to its bound
            text = f"≤ {_number(bound)}"
        legend.append((colour, text))
    return Fills(colours, tips, legend)


def repeat_marks(centre: Centre, repeats: tuple[RepeatCluster, ...]) -> list[PointMark]:
    """A counted mark per repeat point, its tooltip naming the category and the cases."""
    return [PointMark(f"repeat:{i}", r.lon, r.lat, r.count,
                      _("重复点位：{category} {n} 次（{cases}）").format(
                          category=category_label(centre, r.category), n=r.count,
                          cases="、".join(r.case_nos)))
            for i, r in enumerate(repeats)]


def summary(data: HotspotMap) -> str:
    """The totals line: this period, the one before, the change, what has no cell."""
    if data.previous_complete:
        text = _("本期 {n} 件 · 上期 {p} 件（{change:+d}）").format(
            n=data.total, p=data.previous_total, change=data.total - data.previous_total)
    else:  # the database begins inside the previous period: no change to tell
        text = _("本期 {n} 件 · 上期无完整记录").format(n=data.total)
    if data.unplaced:
        text += " · " + _("{n} 件无网格").format(n=data.unplaced)
    return text


def repeat_summary(points: RepeatPoints) -> str:
    """How many repeat points, and how many of them are listed."""
    if points.total > len(points.repeats):
        return _("重复点位 {n} 处，列出最多的 {k} 处").format(n=points.total,
                                                        k=len(points.repeats))
    return _("重复点位（近 30 天）")
