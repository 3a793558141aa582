"""Date-time cells as exports write them: forms, a column's day order, DST (issue #13 part 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from console.domain.errors import ValidationError
from console.intake.dates import (
    check_format,
    decide_column,
    localize,
    parse_with,
    read_local,
    survey,
)
from console.intake.fields import FieldError
from console.intake.file_mapping import parse_mapping
from console.services.intake_history import check_times
from console.services.intake_ports import HistorySteps

NY = ZoneInfo("America/New_York")
COLUMNS = {"external_id": "id", "reported_at": "at", "category": "type"}


@pytest.mark.parametrize(("value", "expected"), [
    ("10/31/2016 11:07:15 PM", datetime(2016, 10, 31, 23, 7, 15)),
    ("10/31/2016 12:07:15 AM", datetime(2016, 10, 31, 0, 7, 15)),
    ("10/31/2016 12:07 PM", datetime(2016, 10, 31, 12, 7)),
    ("10/31/2016 11:07 p.m.", datetime(2016, 10, 31, 23, 7)),
    ("10/31/2016", datetime(2016, 10, 31)),
    ("2016/10/31 23:07", datetime(2016, 10, 31, 23, 7)),
    ("2016/10/31 下午 11:07:15", datetime(2016, 10, 31, 23, 7, 15)),
    ("2016年10月31日 23时07分", datetime(2016, 10, 31, 23, 7)),
    ("2016年10月31日23时07分15秒", datetime(2016, 10, 31, 23, 7, 15)),
    ("2016年10月31日 23:07", datetime(2016, 10, 31, 23, 7)),
    ("2016年1月3日 8点05分", datetime(2016, 1, 3, 8, 5)),
    ("2016-10-31 23:07", datetime(2016, 10, 31, 23, 7)),
    ("2016-10-31T23:07:15.25", datetime(2016, 10, 31, 23, 7, 15, 250000)),
    ("  2016-10-31   23:07 ", datetime(2016, 10, 31, 23, 7)),
])
def test_the_recognised_forms(value: str, expected: datetime) -> None:
    assert read_local(value, "t", "MDY") == expected


def test_an_offset_in_the_value_wins_over_the_zone() -> None:
    found = read_local("2016-10-31T23:07:15-04:00", "t")
    assert found is not None and localize(found, ZoneInfo("Asia/Shanghai"), "t") == datetime(
        2016, 11, 1, 3, 7, 15, tzinfo=UTC)


@pytest.mark.parametrize(("value", "needle"), [
    ("13:00 PM 10/31/2016", "not a recognised"),
    ("10/31/2016 13:07 PM", "not a valid"),
    ("02/30/2016", "not a valid"),
    ("31/10/2016", "not in the column's day order"),
    ("03/04/2016", "ambiguous day order"),
    ("1899-01-01", "year out of range"),
])
def test_values_that_cannot_be_read_say_why(value: str, needle: str) -> None:
    order = "MDY" if value == "31/10/2016" else None
    with pytest.raises(FieldError, match=needle):
        read_local(value, "上报时间", order)


def test_a_column_decides_its_day_order_once() -> None:
    us = survey(["10/31/2016 11:07:15 PM", "03/04/2016 01:00:00 AM", "", None])
    column = decide_column("reported_at", "Created Date", us, None, None)
    assert (column.order, column.decided_by) == ("MDY", "values")
    assert column.forms == (("%m/%d/%Y %I:%M:%S %p", 2),)
    assert decide_column("due_at", "Due", survey(["03/04/2016"]), None, None, "DMY").order == "DMY"
    with pytest.raises(ValidationError, match="ambiguous day order"):
        decide_column("due_at", "Due", survey(["03/04/2016", "05/06/2016"]), None, None)
    with pytest.raises(ValidationError, match="mixes day orders"):
        decide_column("due_at", "Due", survey(["10/31/2016", "31/10/2016"]), None, None)
    with pytest.raises(ValidationError, match="unrecognised date format"):
        decide_column("due_at", "Due", survey(["yesterday", "soon"]), None, None)
    # The mapping says, whatever the values would decide.
    assert decide_column("due_at", "Due", survey(["03/04/2016"]), None, "DMY").decided_by \
        == "mapping"
    assert decide_column("due_at", "Due", survey(["x"]), "%Y%m%d", None).forms == (("%Y%m%d", 1),)


def test_am_pm_do_not_depend_on_the_process_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Chinese desk's Qt sets LC_TIME to zh_CN, where strptime's %p wants 上午/下午.

    The machine may lack that locale, so strptime's own idea of AM/PM is replaced with what
    zh_CN gives it (and strptime itself is shown to fail on "PM" then).
    """
    import _strptime

    class ChineseTime(_strptime.LocaleTime):
        def _LocaleTime__calc_am_pm(self) -> None:  # the name-mangled hook LocaleTime calls
            self.am_pm = ["上午", "下午"]

    monkeypatch.setattr(_strptime, "_TimeRE_cache", _strptime.TimeRE(ChineseTime()))
    monkeypatch.setattr(_strptime, "_regex_cache", {})
    with pytest.raises(ValueError, match="does not match format"):
        datetime.strptime("10/31/2016 11:07:15 PM", "%m/%d/%Y %I:%M:%S %p")
    assert parse_with("10/31/2016 11:07:15 PM", "%m/%d/%Y %I:%M:%S %p") == datetime(
        2016, 10, 31, 23, 7, 15)
    assert read_local("10/31/2016 11:07:15 PM", "t", "MDY") == datetime(2016, 10, 31, 23, 7, 15)


def test_a_mappings_format_must_read_back_what_it_writes() -> None:
    assert check_format("%d.%m.%Y %H:%M", "f") == "%d.%m.%Y %H:%M"
    for bad in ("%H:%M", "yyyy-mm-dd", "%Q"):
        with pytest.raises(ValidationError, match="not a usable date format"):
            check_format(bad, "f")


@pytest.mark.parametrize(("options", "needle"), [
    ({"date_order": "YMD"}, "date_order must be one of"),
    ({"ambiguous_times": "first"}, "ambiguous_times must be one of"),
    ({"formats": {"category": "%Y"}}, "formats are for time fields"),
    ({"formats": {"reported_at": "%H:%M"}}, "not a usable date format"),
    ({"formats": ["%Y"]}, "formats must be a mapping"),
    ({"outside_county": "nearest"}, "outside_county must be one of"),
    ({"outside_county": "default"}, "default needs default_cell"),
    ({"outside_county": "default", "default_cell": 330824001001001}, "quote default_cell"),
    ({"placeholder_point": [118.4]}, "placeholder_point must be"),
    ({"placeholder_point": [float("nan"), 29.1]}, "placeholder_point must be"),
])
def test_bad_mapping_options_are_one_line(options: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle) as refused:
        parse_mapping({"channel": "x", "columns": COLUMNS, **options})
    assert "\n" not in refused.value.message


def test_dst_gaps_are_refused_and_folds_resolved_only_by_the_rule() -> None:
    gap = datetime(2016, 3, 13, 2, 30)
    for rule in ("refuse", "earlier", "later"):
        with pytest.raises(FieldError, match="DST gap"):
            localize(gap, NY, "上报时间", rule)
    fold = datetime(2016, 11, 6, 1, 30)
    with pytest.raises(FieldError, match="UTC-04:00 或 UTC-05:00"):
        localize(fold, NY, "结案时间")
    assert localize(fold, NY, "t", "earlier") == datetime(2016, 11, 6, 5, 30, tzinfo=UTC)
    assert localize(fold, NY, "t", "later") == datetime(2016, 11, 6, 6, 30, tzinfo=UTC)
    # A zone without DST, or a fixed offset, has neither.
    assert localize(fold, ZoneInfo("Asia/Shanghai"), "t").hour == 17
    assert localize(fold, timezone(timedelta(hours=-5)), "t").hour == 6
    with pytest.raises(FieldError, match="no UTC offset"):
        localize(fold, None, "t")


def test_order_checks_compare_instants_not_wall_clocks() -> None:
    """Two readings in one zone compare by wall clock in Python, whatever their offsets."""
    early = datetime(2016, 11, 6, 1, 50, tzinfo=NY)  # EDT: 05:50 UTC
    late = datetime(2016, 11, 6, 1, 10, tzinfo=NY, fold=1)  # EST: 06:10 UTC
    now = datetime(2026, 1, 1, tzinfo=UTC)
    check_times(early, HistorySteps("已结案", closed_at=late), now)  # closes 20 min later
    with pytest.raises(ValidationError, match="结案时间早于上报时间"):
        check_times(late, HistorySteps("已结案", closed_at=early), now)
