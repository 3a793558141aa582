"""centre.yaml's ``on_duty:`` mapping: the 在岗 rules, read and checked.

Every key is optional and keeps :class:`~console.domain.duty_settings.DutySettings`' default;
a bad value is one line naming ``centre.yaml``, ``on_duty.KEY`` (and its line), as every other
field of the centre's files (:mod:`console.reference_files`).
"""

from __future__ import annotations

from typing import Any

from console.domain.calendar import parse_windows
from console.domain.duty_settings import DutySettings, RestPoint
from console.domain.errors import ValidationError
from console.reference_entry import Entry

_KEYS = frozenset({"shifts", "workdays_only", "fresh_minutes", "offline_minutes",
                   "outside_minutes", "still_minutes", "still_speed_kmh", "rest_points"})
_REST_KEYS = frozenset({"name", "lon", "lat", "radius_m"})
#: The longest threshold, minutes (a whole day: longer never fires within one shift).
_LONGEST = 24 * 60


def duty_settings(centre: Entry) -> DutySettings:
    """The ``on_duty`` mapping of centre.yaml's entry as settings (absent: the defaults)."""
    raw = centre.mapping("on_duty", required=False)
    base = DutySettings()
    if not raw:
        return base
    e = Entry(centre.file, centre.index, raw, centre.unit, "on_duty.")
    e.unknown_keys(_KEYS)
    shifts = base.shifts
    if "shifts" in raw:
        try:
            shifts = parse_windows(e.text("shifts"))
        except ValidationError as exc:
            e.fail("shifts", exc.message)
    return DutySettings(
        shifts=shifts,
        workdays_only=e.flag("workdays_only", base.workdays_only),
        fresh_minutes=e.integer("fresh_minutes", low=1, high=_LONGEST,
                                default=base.fresh_minutes),
        offline_minutes=e.integer("offline_minutes", low=1, high=_LONGEST,
                                  default=base.offline_minutes),
        outside_minutes=e.integer("outside_minutes", low=1, high=_LONGEST,
                                  default=base.outside_minutes),
        still_minutes=e.integer("still_minutes", low=1, high=_LONGEST,
                                default=base.still_minutes),
        still_speed_kmh=e.number("still_speed_kmh", low=0, high=50, open_low=True,
                                 default=base.still_speed_kmh),
        rest_points=tuple(_rest_point(e, raw_point, i)
                          for i, raw_point in enumerate(e.items("rest_points"), 1)),
    )


def _rest_point(e: Entry, raw: Any, number: int) -> RestPoint:
    p = e.nested("rest_points", raw, number)
    p.unknown_keys(_REST_KEYS)
    return RestPoint(name=p.text("name"),
                     lon=p.number("lon", low=-180, high=180),
                     lat=p.number("lat", low=-90, high=90),
                     radius_m=p.number("radius_m", low=0, high=5_000, open_low=True,
                                       default=50.0))
