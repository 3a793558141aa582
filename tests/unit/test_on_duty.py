"""在岗 rules (console.domain.on_duty): status, the three alarms, their starts and ends, settings."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from console.domain.duty_settings import (
    DutySettings,
    RestPoint,
    duty_from_json,
    duty_to_json,
)
from console.domain.errors import ValidationError
from console.domain.on_duty import (
    AlarmKind,
    DutyStatus,
    PatrolArea,
    TrackPoint,
    conditions,
    ended_at,
    shift_around,
    status,
)
from console.reference_files import load_config

TZ = ZoneInfo("Asia/Shanghai")
SETTINGS = DutySettings(rest_points=(RestPoint("中队", 118.420, 29.140, 50.0),))
#: Two neighbouring cells, 0.01° (≈ 1 km) square, sharing the border at lon 118.41.
CELL_A = ((118.40, 29.13), (118.41, 29.13), (118.41, 29.14), (118.40, 29.14), (118.40, 29.13))
CELL_B = ((118.41, 29.13), (118.42, 29.13), (118.42, 29.14), (118.41, 29.14), (118.41, 29.13))
AREA = PatrolArea([CELL_A, CELL_B])
MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=TZ)  # a Monday, inside 08:00-12:00
SHIFT = (datetime(2026, 12, 7, 8, 0, tzinfo=TZ), datetime(2026, 12, 7, 12, 0, tzinfo=TZ))


def walk(start: datetime, minutes: int, lon: float, lat: float, *, step_deg: float = 0.0003,
         every: int = 1) -> list[TrackPoint]:
    """A fix a minute (by default) walking east; 0.0003° a minute ≈ 1.7 km/h at 29° N."""
    return [TrackPoint(start + timedelta(minutes=m), lon + step_deg * m / every, lat)
            for m in range(0, minutes + 1, every)]


def stand(start: datetime, minutes: int, lon: float, lat: float) -> list[TrackPoint]:
    return [TrackPoint(start + timedelta(minutes=m), lon, lat, 0.1) for m in range(minutes + 1)]


def kinds(now: datetime, track: list[TrackPoint]) -> dict[AlarmKind, datetime]:
    return {c.kind: c.since for c in conditions(now, track, SHIFT, AREA, SETTINGS)}


# ---- shifts and status ---------------------------------------------------------------------

def test_shift_around_a_workday_and_a_day_off() -> None:
    assert shift_around(MORNING, SETTINGS, workday=True) == SHIFT
    assert shift_around(MORNING.replace(hour=13), SETTINGS, workday=True) is None  # lunch
    assert shift_around(MORNING, SETTINGS, workday=False) is None
    every_day = DutySettings(workdays_only=False)
    assert shift_around(MORNING, every_day, workday=False) == SHIFT
    # the end is outside the window, the start inside
    assert shift_around(SHIFT[1], SETTINGS, True) is None
    assert shift_around(SHIFT[0], SETTINGS, True) == SHIFT


def test_status_on_duty_offline_off_shift() -> None:
    fix = MORNING - timedelta(minutes=14)
    assert status(MORNING, fix, SHIFT, SETTINGS) is DutyStatus.ON_DUTY
    assert status(MORNING, MORNING - timedelta(minutes=16), SHIFT, SETTINGS) is DutyStatus.OFFLINE
    assert status(MORNING, None, SHIFT, SETTINGS) is DutyStatus.OFFLINE
    assert status(MORNING, fix, None, SETTINGS) is DutyStatus.OFF_SHIFT
    # a fix from the future (a phone's clock running fast) is not "in the last 15 minutes"
    assert status(MORNING, MORNING + timedelta(minutes=3), SHIFT, SETTINGS) is DutyStatus.OFFLINE


# ---- 离线 -----------------------------------------------------------------------------------

def test_offline_after_15_minutes_without_a_fix() -> None:
    track = walk(MORNING - timedelta(minutes=30), 20, 118.401, 29.135)  # last fix 08:50
    last = track[-1].t
    assert AlarmKind.OFFLINE not in kinds(last + timedelta(minutes=14, seconds=59), track)
    assert kinds(last + timedelta(minutes=15), track)[AlarmKind.OFFLINE] == last


def test_offline_counts_from_the_shift_start_not_yesterdays_fix() -> None:
    yesterday = [TrackPoint(SHIFT[0] - timedelta(hours=20), 118.401, 29.135)]
    assert AlarmKind.OFFLINE not in kinds(SHIFT[0] + timedelta(minutes=10), yesterday)
    assert kinds(SHIFT[0] + timedelta(minutes=15), yesterday)[AlarmKind.OFFLINE] == SHIFT[0]
    assert kinds(SHIFT[0] + timedelta(minutes=15), [])[AlarmKind.OFFLINE] == SHIFT[0]


def test_no_alarm_outside_a_shift() -> None:
    assert conditions(MORNING, [], None, AREA, SETTINGS) == []


def test_offline_ends_at_the_next_fix_or_the_shift_end() -> None:
    track = walk(MORNING - timedelta(minutes=30), 20, 118.401, 29.135)
    started = track[-1].t
    back = TrackPoint(started + timedelta(minutes=40), 118.405, 29.135)
    now = back.t + timedelta(minutes=1)
    assert AlarmKind.OFFLINE not in kinds(now, [*track, back])
    assert ended_at(AlarmKind.OFFLINE, started, now, [*track, back], AREA, SETTINGS,
                    SHIFT[1]) == back.t
    after_shift = SHIFT[1] + timedelta(minutes=5)
    assert ended_at(AlarmKind.OFFLINE, started, after_shift, track, AREA, SETTINGS,
                    SHIFT[1]) == SHIFT[1]


# ---- 越界 -----------------------------------------------------------------------------------

def test_outside_after_ten_minutes_of_fixes_outside_the_cells() -> None:
    inside = walk(MORNING - timedelta(minutes=20), 10, 118.405, 29.135)
    out_from = inside[-1].t + timedelta(minutes=1)
    outside = walk(out_from, 9, 118.43, 29.135)  # east of both cells
    assert AlarmKind.OUTSIDE not in kinds(outside[-1].t, inside + outside)
    more = walk(out_from, 10, 118.43, 29.135)
    found = conditions(more[-1].t, inside + more, SHIFT, AREA, SETTINGS)
    alarm = next(c for c in found if c.kind is AlarmKind.OUTSIDE)
    assert alarm.since == out_from
    assert 900 < float(alarm.detail["distance_m"] or 0) < 1500  # ≈ 1.0–1.3 km east of 118.42


def test_a_walk_across_the_border_of_two_own_cells_is_no_alarm() -> None:
    track = walk(MORNING - timedelta(minutes=30), 30, 118.402, 29.135, step_deg=0.0005)
    assert track[-1].lon > 118.41  # crossed from cell A into B
    assert AlarmKind.OUTSIDE not in kinds(track[-1].t, track)


def test_outside_ends_at_the_first_fix_back_inside() -> None:
    outside = walk(MORNING - timedelta(minutes=30), 15, 118.43, 29.135)
    back = walk(outside[-1].t + timedelta(minutes=1), 3, 118.405, 29.135)
    now = back[-1].t
    assert AlarmKind.OUTSIDE not in kinds(now, outside + back)
    assert ended_at(AlarmKind.OUTSIDE, outside[0].t, now, outside + back, AREA, SETTINGS,
                    SHIFT[1]) == back[0].t


def test_a_collector_without_cells_is_never_outside() -> None:
    track = walk(MORNING - timedelta(minutes=30), 30, 118.43, 29.135)
    found = conditions(track[-1].t, track, SHIFT, PatrolArea([]), SETTINGS)
    assert AlarmKind.OUTSIDE not in {c.kind for c in found}


def test_fixes_before_the_shift_do_not_count_towards_outside() -> None:
    before = walk(SHIFT[0] - timedelta(minutes=30), 35, 118.43, 29.135)  # 07:30-08:05 outside
    assert AlarmKind.OUTSIDE not in kinds(before[-1].t, before)
    more = walk(SHIFT[0] - timedelta(minutes=30), 40, 118.43, 29.135)  # to 08:10
    assert kinds(more[-1].t, more)[AlarmKind.OUTSIDE] == SHIFT[0]


# ---- 停留 -----------------------------------------------------------------------------------

def test_still_after_twenty_minutes_below_two_kmh() -> None:
    moving = walk(MORNING - timedelta(minutes=40), 10, 118.401, 29.135, step_deg=0.001)
    still = stand(moving[-1].t + timedelta(minutes=1), 19, 118.405, 29.135)
    assert AlarmKind.STILL not in kinds(still[-1].t, moving + still)
    still = stand(moving[-1].t + timedelta(minutes=1), 20, 118.405, 29.135)
    assert kinds(still[-1].t, moving + still)[AlarmKind.STILL] == still[0].t


def test_speed_is_derived_from_the_fixes_when_the_phone_sends_none() -> None:
    # 0.0003° of longitude a minute at 29° N ≈ 29 m/min ≈ 1.7 km/h: below 2 km/h, still
    slow = walk(MORNING - timedelta(minutes=25), 25, 118.401, 29.135, step_deg=0.0003)
    assert AlarmKind.STILL in kinds(slow[-1].t, slow)
    fast = walk(MORNING - timedelta(minutes=25), 25, 118.401, 29.135, step_deg=0.0004)
    assert AlarmKind.STILL not in kinds(fast[-1].t, fast)  # ≈ 2.3 km/h


def test_standing_at_a_rest_point_is_no_alarm() -> None:
    rest = stand(MORNING - timedelta(minutes=30), 30, 118.4202, 29.1401)  # ≈ 25 m from 中队
    assert AlarmKind.STILL not in kinds(rest[-1].t, rest)


def test_still_ends_when_the_collector_moves_on() -> None:
    still = stand(MORNING - timedelta(minutes=40), 25, 118.405, 29.135)
    moving = [TrackPoint(still[-1].t + timedelta(minutes=1), 118.406, 29.135, 1.5)]
    now = moving[0].t
    assert AlarmKind.STILL not in kinds(now, still + moving)
    assert ended_at(AlarmKind.STILL, still[0].t, now, still + moving, AREA, SETTINGS,
                    SHIFT[1]) == moving[0].t


# ---- settings --------------------------------------------------------------------------------

def test_settings_round_trip_through_json() -> None:
    settings = DutySettings(shifts=((time(7, 30), time(11, 30)),), workdays_only=False,
                            offline_minutes=20, still_speed_kmh=1.5,
                            rest_points=(RestPoint("中队", 118.4, 29.1, 80.0),))
    assert duty_from_json(duty_to_json(settings)) == settings
    assert duty_from_json(None) == DutySettings()
    assert duty_from_json({"offline_minutes": 30}) == DutySettings(offline_minutes=30)


def _centre_yaml(tmp_path: Path, on_duty: object) -> Path:
    path = tmp_path / "centre.yaml"
    path.write_text(yaml.safe_dump({"name": "测试中心", "on_duty": on_duty},
                                   allow_unicode=True), encoding="utf-8")
    return path


def test_centre_yaml_on_duty_is_read(tmp_path: Path) -> None:
    config = load_config(_centre_yaml(tmp_path, {
        "shifts": "07:30-11:30,13:30-17:30", "offline_minutes": 20, "still_speed_kmh": 1.5,
        "workdays_only": False,
        "rest_points": [{"name": "城关中队", "lon": 118.41, "lat": 29.13}]}))
    duty = config.on_duty
    assert duty.shifts == ((time(7, 30), time(11, 30)), (time(13, 30), time(17, 30)))
    assert duty.offline_minutes == 20 and duty.outside_minutes == 10  # the rest: defaults
    assert duty.still_speed_kmh == 1.5 and not duty.workdays_only
    assert duty.rest_points == (RestPoint("城关中队", 118.41, 29.13, 50.0),)
    assert load_config(_centre_yaml(tmp_path, None)).on_duty == DutySettings()


@pytest.mark.parametrize(("on_duty", "field"), [
    ({"offline_minutes": 0}, "on_duty.offline_minutes"),
    ({"outside_minutes": "ten"}, "on_duty.outside_minutes"),
    ({"still_speed_kmh": -1}, "on_duty.still_speed_kmh"),
    ({"shifts": "25:00-26:00"}, "on_duty.shifts"),
    ({"shifts": "08:00-12:00,11:00-13:00"}, "on_duty.shifts"),
    ({"workdays_only": "no"}, "on_duty.workdays_only"),
    ({"offline_minuts": 15}, "on_duty.offline_minuts"),
    ({"rest_points": [{"name": "中队", "lon": 200, "lat": 29}]}, "on_duty.rest_points[1].lon"),
    ({"rest_points": [{"lon": 118, "lat": 29}]}, "on_duty.rest_points[1].name"),
    ("often", "on_duty"),
])
def test_a_bad_on_duty_value_is_one_line_naming_it(tmp_path: Path, on_duty: object,
                                                   field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_config(_centre_yaml(tmp_path, on_duty))
    message = caught.value.message
    assert "\n" not in message and "centre.yaml" in message, message
    assert f"字段 {field}" in message, message
