"""The options of an import mapping that say how cells are read and where rows are placed.

``formats``, ``date_order`` and ``ambiguous_times`` (how date-time columns are read: see
:mod:`console.intake.dates`) and ``outside_county``, ``default_cell`` and
``placeholder_point`` (what a row whose coordinates lie outside the county becomes)::

    formats: {reported_at: "%m/%d/%Y %I:%M:%S %p"}   # per field; else the forms are recognised
    date_order: MDY                 # NN/NN/YYYY values are month first (DMY: day first)
    ambiguous_times: later          # a DST-fold local time is the later of its two instants
    outside_county: default         # refuse (default) | grid | default
    default_cell: "330824001001001" # with default: where unplaceable history rows go (flagged)
    placeholder_point: [118.4, 29.1]  # the source's "no location" point: not a place

Each is checked here, before any row is read; a bad one raises
:class:`~console.domain.errors.ValidationError` naming it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from console.domain.errors import ValidationError
from console.intake.dates import FOLDS, ORDERS, TIME_FIELDS, check_format

#: What a row whose place is outside the county (or missing) becomes.
OUTSIDE = ("refuse", "grid", "default")
KEYS = ("formats", "date_order", "ambiguous_times", "outside_county", "default_cell",
        "placeholder_point")


@dataclass(frozen=True, slots=True)
class Reading:
    """How a file's date-time cells are read.

    Attributes
    ----------
    formats : dict
        Field → strftime format (the mapping's ``formats:``).
    date_order : str or None
        ``MDY`` / ``DMY``: the day order of ``NN/NN/YYYY`` values when a column's values do
        not decide it.
    ambiguous_times : str
        ``refuse`` / ``earlier`` / ``later``: a local time a DST fold repeats.
    """

    formats: dict[str, str] = field(default_factory=dict)
    date_order: str | None = None
    ambiguous_times: str = "refuse"


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a row goes whose coordinates lie outside the county (or that has no place).

    Attributes
    ----------
    outside_county : str
        ``refuse``: quarantined (the default); ``grid``: placed by the row's ``grid`` cell
        (a column of cell codes, or an address / zip / district column translated to cells
        in ``values.grid``), refused without one; ``default``: the ``grid`` cell if the row
        has one, else ``default_cell``, flagged so area evaluation leaves it out.
    default_cell : str or None
        The cell of ``default``.
    placeholder_point : tuple of float or None
        (lon, lat) the source writes when it has no location: a row there has no coordinates.
    """

    outside_county: str = "refuse"
    default_cell: str | None = None
    placeholder_point: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The non-default settings (stored with each row, so a retry places it the same)."""
        out: dict[str, Any] = {}
        if self.outside_county != "refuse":
            out["outside_county"] = self.outside_county
        if self.default_cell:
            out["default_cell"] = self.default_cell
        if self.placeholder_point is not None:
            out["placeholder_point"] = list(self.placeholder_point)
        return out


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...], name: str
            ) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    shown = str(value).strip()
    if shown not in allowed:
        raise ValidationError(f"{name}：{key} 应为 {' / '.join(allowed)}，不是 {shown!r}"
                              f" / {key} must be one of {', '.join(allowed)}")
    return shown


def parse_reading(data: Mapping[str, Any], name: str) -> Reading:
    """``formats``, ``date_order`` and ``ambiguous_times`` of a parsed mapping, checked."""
    raw = data.get("formats") or {}
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{name}：formats 应为「字段: 格式」表 / formats must be a mapping")
    formats = {}
    for key, fmt in raw.items():
        if str(key) not in TIME_FIELDS:
            raise ValidationError(f"{name}：formats 只用于时间字段（{', '.join(TIME_FIELDS)}），"
                                  f"不能用于 {key} / formats are for time fields")
        if not isinstance(fmt, str):
            raise ValidationError(f"{name}：formats.{key} 应为文字 / formats.{key} must be text")
        formats[str(key)] = check_format(fmt, f"{name}：formats.{key}")
    order = _choice(data, "date_order", ORDERS, name)
    fold = _choice(data, "ambiguous_times", FOLDS, name) or "refuse"
    return Reading(formats, order, fold)


def parse_placement(data: Mapping[str, Any], name: str) -> Placement:
    """``outside_county``, ``default_cell`` and ``placeholder_point``, checked.

    The cell itself is checked against the centre's grid when the import starts.
    """
    mode = _choice(data, "outside_county", OUTSIDE, name) or "refuse"
    cell = data.get("default_cell")
    if cell is not None and not isinstance(cell, str):
        # YAML reads an unquoted 330824001001001 as a number: refuse rather than guess.
        raise ValidationError(f"{name}：default_cell 须加引号，如 \"330824001001001\""
                              " / quote default_cell")
    cell = cell.strip() if cell else None
    if mode == "default" and not cell:
        raise ValidationError(f"{name}：outside_county: default 须给出 default_cell"
                              " / default needs default_cell")
    point = data.get("placeholder_point")
    spot: tuple[float, float] | None = None
    if point is not None:
        ok = (isinstance(point, list | tuple) and len(point) == 2
              and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point))
        if ok:
            spot = (float(point[0]), float(point[1]))
        if spot is None or not all(math.isfinite(v) for v in spot) \
                or not (-180 <= spot[0] <= 180 and -90 <= spot[1] <= 90):
            raise ValidationError(f"{name}：placeholder_point 应为 [经度, 纬度] / placeholder_point "
                                  "must be [lon, lat]")
    return Placement(mode, cell, spot)
