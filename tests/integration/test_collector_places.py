"""Where the collectors are, for the desk (issue #15), on SQLite and PostgreSQL: V / K's list
(the cell's on-duty collector first, then on duty nearest first, then the rest), the holder's
last fix, the map's spots and a day's track; a seat that does not watch collectors is refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from console.domain.errors import PermissionDeniedError
from console.domain.on_duty import DutyStatus
from console.services.cases import Report, act, report_case
from console.services.centre import load_centre
from console.services.collector_places import (
    collector_options,
    collector_spots,
    day_track,
    holder_fix,
)
from console.services.positions import Fix
from db.alarm_repo import SqlAlarmStore
from db.position_repo import SqlPositionStore

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday's shift
OWN = "330824001001001"  # caiji01's beat


@pytest.fixture
def scene(engine, kaihua_factory):
    uow_factory = kaihua_factory
    centre = load_centre(uow_factory())
    lon, lat = centre.ref.grids[OWN].centroid
    SqlPositionStore(engine).add_many([
        Fix("caiji01", NOW - timedelta(minutes=2), lon, lat + 0.018),  # own cell, ~2 km
        Fix("caiji02", NOW - timedelta(minutes=3), lon, lat + 0.0009),  # on duty, ~100 m
        Fix("caiji02", NOW - timedelta(days=1), lon, lat),  # yesterday: not today's track
        Fix("caiji03", NOW - timedelta(minutes=30), lon, lat + 0.0001),  # offline, ~10 m
    ], NOW)
    acceptor = centre.actor("shouli1", "t")
    case = report_case(uow_factory, centre, acceptor, NOW,
                       Report("06010", "路口垃圾", source="12345热线", grid=OWN,
                              lon=lon, lat=lat)).case
    act(uow_factory, centre, acceptor, NOW, case.id, "accept")
    return uow_factory, centre, SqlAlarmStore(engine), acceptor, case


def test_the_list_puts_the_cells_on_duty_collector_first_then_the_nearest(scene) -> None:
    uow_factory, centre, store, acceptor, case = scene
    act(uow_factory, centre, acceptor, NOW, case.id, "request-verify", {"collector": "caiji02"})
    with uow_factory() as uow:
        case = uow.cases.get(case.id)
    options = collector_options(store, uow_factory(), centre, acceptor, case, NOW)
    names = [o.username for o in options]
    assert names[:3] == ["caiji01", "caiji02", "caiji03"]
    assert len(names) == len({u for u, x in centre.ref.users.items()
                              if x.role == "监督员" and x.active})
    first, second, third = options[:3]
    assert first.status is DutyStatus.ON_DUTY and 1900 < (first.distance_m or 0) < 2100
    assert second.status is DutyStatus.ON_DUTY and 90 < (second.distance_m or 0) < 110
    assert second.tasks == 1 and first.tasks == 0
    assert third.status is DutyStatus.OFFLINE and (third.distance_m or 0) < 20
    assert all(o.distance_m is None and o.last_fix is None for o in options[3:])
    fix = holder_fix(store, centre, case, NOW)
    assert fix is not None and fix.username == "caiji02"
    assert fix.t == NOW - timedelta(minutes=3) and 90 < (fix.distance_m or 0) < 110


def test_spots_tracks_and_who_may_read_them(scene) -> None:
    _uow_factory, centre, store, acceptor, _case = scene
    spots = {s.username: s for s in collector_spots(store, centre, acceptor, NOW)}
    assert spots["caiji01"].status is DutyStatus.ON_DUTY
    assert spots["caiji03"].status is DutyStatus.OFFLINE and spots["caiji03"].fix is not None
    assert spots["caiji04"].fix is None
    track = day_track(store, centre, acceptor, "caiji02", NOW.date(), NOW)
    assert [p.t for p in track] == [NOW - timedelta(minutes=3)]
    unit = centre.actor("unit_zhzf", "t")
    with pytest.raises(PermissionDeniedError):
        collector_spots(store, centre, unit, NOW)
    with pytest.raises(PermissionDeniedError):
        day_track(store, centre, unit, "caiji02", NOW.date(), NOW)
