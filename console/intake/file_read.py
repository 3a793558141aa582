"""How the cells of an imported row are read: its times, its place and the people it names.

A row is stored with the settings it was read by (``console.intake.file_import.READ``): the
zone, and — when they are not the defaults — each date-time column's day order and format,
the rule for DST folds and the placement options.  So a retried row is read exactly as its
import read it, whatever the mapping file or the centre says later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from console.domain.errors import ValidationError
from console.intake.dates import (
    FOLDS,
    ORDERS,
    TIME_FIELDS,
    DateColumn,
    decide_column,
    localize,
    read_local,
    survey,
)
from console.intake.fields import FieldError, text
from console.intake.file_mapping import FIELDS, ColumnMapping, normal
from console.intake.mapping_options import OUTSIDE, Placement

#: The fields that name the people of a history (user names; see intake_history).
PEOPLE = ("collector", "acceptor", "supervisor", "dispatcher")
#: How close to ``placeholder_point`` a row's coordinates must be to be that point (degrees).
SAME_POINT = 1e-6


@dataclass(frozen=True, slots=True)
class RowReading:
    """The settings a stored row is read by (its part of the ``_read`` entry)."""

    orders: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)
    fold: str = "refuse"
    placement: Placement = field(default_factory=Placement)


def decide_dates(mapping: ColumnMapping, headers: Sequence[str],
                 rows: Sequence[tuple[int, Sequence[Any]]]) -> list[DateColumn]:
    """How each mapped date-time column is read, decided from all its values at once.

    Raises ValidationError (one line, nothing read yet) for a column whose day order is
    mixed, or undecided and not given by the mapping, or whose values are no date at all.
    """
    position = {h: i for i, h in enumerate(headers)}
    seen = {}
    for name in TIME_FIELDS:
        column = mapping.columns.get(name)
        index = position.get(column) if column is not None else None
        if column is not None and index is not None:
            seen[name] = (column, survey(_cell(cells[index]) for _n, cells in rows
                                         if index < len(cells)))
    decided = {s.order for name, (_c, s) in seen.items()
               if s.order is not None and name not in mapping.reading.formats}
    file_order = next(iter(decided)) if len(decided) == 1 else None
    return [decide_column(name, column, s, mapping.reading.formats.get(name),
                          mapping.reading.date_order, file_order)
            for name, (column, s) in seen.items()]


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def settings(mapping: ColumnMapping, dates: Sequence[DateColumn]) -> dict[str, Any]:
    """The non-default reading settings to store with every row of a file."""
    out: dict[str, Any] = {}
    orders = {d.field: d.order for d in dates if d.order is not None and d.decided_by != "format"}
    if orders:
        out["date_order"] = orders
    if mapping.reading.formats:
        out["formats"] = dict(mapping.reading.formats)
    if mapping.reading.ambiguous_times != "refuse":
        out["ambiguous_times"] = mapping.reading.ambiguous_times
    placement = mapping.placement.as_dict()
    if placement:
        out["placement"] = placement
    return out


def stored(read: Any) -> RowReading:
    """The reading settings kept with a row (the defaults for a row kept without them)."""
    if not isinstance(read, Mapping):
        return RowReading()
    orders = _table(read.get("date_order"), ORDERS)
    formats = _table(read.get("formats"), None)
    fold = str(read.get("ambiguous_times") or "refuse")
    if fold not in FOLDS:
        raise FieldError(f"记录的 ambiguous_times {text(fold, 20)!r} 未知 / unknown stored rule")
    place = read.get("placement")
    placement = Placement()
    if isinstance(place, Mapping):
        mode = str(place.get("outside_county") or "refuse")
        point = place.get("placeholder_point")
        spot = None
        if isinstance(point, list | tuple) and len(point) == 2:
            try:
                spot = (float(point[0]), float(point[1]))
            except (TypeError, ValueError):
                spot = None
        if mode not in OUTSIDE:
            raise FieldError(f"记录的 outside_county {text(mode, 20)!r} 未知 / unknown stored rule")
        placement = Placement(mode, text(place.get("default_cell"), 64) or None, spot)
    return RowReading(orders, formats, fold, placement)


def _table(data: Any, allowed: tuple[str, ...] | None) -> dict[str, str]:
    if not isinstance(data, Mapping):
        return {}
    out = {}
    for key, value in data.items():
        if str(key) in TIME_FIELDS and (allowed is None or value in allowed):
            out[str(key)] = str(value)
    return out


def times(raw: Mapping[str, Any], tz: tzinfo | None, reading: RowReading
          ) -> dict[str, datetime | None]:
    """The row's instants, in UTC (FieldError for the first that cannot be read)."""
    out: dict[str, datetime | None] = {}
    for name in TIME_FIELDS:
        found = read_local(raw.get(name), FIELDS[name], reading.orders.get(name),
                           reading.formats.get(name))
        out[name] = None if found is None else localize(found, tz, FIELDS[name], reading.fold)
    return out


def point(lon: float | None, lat: float | None, placement: Placement
          ) -> tuple[float | None, float | None]:
    """The coordinates, or none when they are the source's placeholder for "no location"."""
    spot = placement.placeholder_point
    if spot is not None and lon is not None and lat is not None \
            and abs(lon - spot[0]) <= SAME_POINT and abs(lat - spot[1]) <= SAME_POINT:
        return None, None
    return lon, lat


def people(raw: Mapping[str, Any]) -> dict[str, str]:
    """The user names the row gives for the steps of its history (field -> user)."""
    return {name: value for name in PEOPLE if (value := normal(text(raw.get(name), 64)))}


def check_default_cell(placement: Placement, grids: Mapping[str, Any]) -> None:
    """Refuse an import whose ``default_cell`` is no cell of the centre's grid."""
    cell = placement.default_cell
    if cell and cell not in grids:
        raise ValidationError(f"映射文件：default_cell {cell!r} 不是本中心的单元网格 / default_cell "
                              "is not a grid cell")
