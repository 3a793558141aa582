"""The seat's hotspot reads (a part of ``LocalDeskBackend`` and ``LocalWallBackend``; issue #16).

Hotspots rank every cell and category of the centre, so they are for the seats that see the
whole centre (受理员, 派遣员, 值班长, 管理员, the wall): a unit seat or a collector, whose reads are
scoped to their own cases, is refused rather than shown counts of cases it may not see.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from console.domain.cases import Actor
from console.domain.errors import PermissionDeniedError
from console.services.access import reader_of
from console.services.centre import Centre
from console.services.hotspots import (
    HotspotFigures,
    HotspotMap,
    HotspotUnitOfWork,
    RepeatPoints,
    hotspot_figures,
    hotspot_map,
    period_bounds,
    repeat_points,
)
from console.services.uow import UnitOfWork


class HotspotReads:
    """``hotspot_map``, ``repeat_points`` and ``hotspot_figures``: mixed into the in-process backends, which
    provide ``_raw`` (the unscoped factory), ``_clock``, ``centre`` and, for a desk,
    ``_actor``."""

    _raw: Callable[[], UnitOfWork]
    _clock: Callable[[], datetime]

    def _hotspot_centre(self) -> Centre:
        # A property of the desk backend, an attribute of the wall's: declared by neither here.
        centre: Centre = self.centre  # type: ignore[attr-defined]
        return centre

    def _hotspot_uow(self) -> HotspotUnitOfWork:
        actor: Actor | None = getattr(self, "_actor", None)
        if actor is not None and reader_of(actor) is not None:
            raise PermissionDeniedError("热点分析面向全中心席位 / hotspots are for the centre's "
                                        "seats, not a unit or a collector")
        # The composition root's units of work reach the hotspot reader (db/uow.py proves it).
        return cast(HotspotUnitOfWork, self._raw())

    def hotspot_map(self, period: str, categories: list[str]) -> HotspotMap:
        """The choropleth of a chooser's period (``7d``, ``30d``, ``month``, ``last_month``,
        ``quarter``) for a category set (empty: all)."""
        centre = self._hotspot_centre()
        start, end = period_bounds(period, centre, self._clock())
        return hotspot_map(self._hotspot_uow(), centre, start, end, categories)

    def repeat_points(self, period: str, categories: list[str],
                      repeat_min: int) -> RepeatPoints:
        """The repeat points of the 30 days to the period's end."""
        centre = self._hotspot_centre()
        _start, end = period_bounds(period, centre, self._clock())
        return repeat_points(self._hotspot_uow(), centre, end, categories, repeat_min)

    def hotspot_figures(self, period: str, categories: list[str]) -> HotspotFigures:
        """高发区域, 高发问题 and 高发时段 of a chooser's period."""
        centre = self._hotspot_centre()
        start, end = period_bounds(period, centre, self._clock())
        return hotspot_figures(self._hotspot_uow(), centre, start, end, categories)
