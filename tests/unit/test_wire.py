"""The seam's wire codec: typed values survive JSON, bad input is refused naming its field."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from console.desk_backend import LOCAL_PARAMETERS, METHODS, DeskBackend
from console.domain.cases import CaseState, Source
from console.domain.deadlines import Light
from console.domain.errors import ValidationError
from console.services import wire
from console.services.queue_view import QueueQuery, Reader
from console.services.wire import WireError

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class Inner:
    when: datetime
    day: date | None = None


@dataclass(frozen=True)
class Outer:
    name: str
    inner: Inner
    tally: Counter[Light]
    by_pair: dict[tuple[str | None, str], int]
    ids: frozenset[int] = frozenset()
    pair: tuple[int, str] = (0, "")
    blob: bytes = b""
    amount: Decimal = Decimal(0)
    span: timedelta = timedelta(0)
    opens: time = time(8)
    zone: Any = None
    states: tuple[CaseState, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def round_trip(value: Any, hint: Any) -> Any:
    return wire.decode(json.loads(json.dumps(wire.encode(value, hint))), hint)


def test_every_kind_of_value_survives_json() -> None:
    value = Outer(
        "开化", Inner(datetime(2026, 11, 25, 15, 30, tzinfo=SHANGHAI), date(2026, 2, 28)),
        Counter({Light.RED: 2, Light.GREEN: 5}), {(None, "330824001001001"): 3, ("a", "b"): 1},
        frozenset({3, 1, 2}), (7, "七"), b"\x00\xffjpeg", Decimal("12.50"),
        timedelta(hours=2, seconds=1.5), time(14, 0), None,
        (CaseState.REPORTED,), {"nested": [1, "二", None, {"x": 2.5}]})
    back = round_trip(value, Outer)
    assert back == value
    assert back.inner.when.utcoffset() == timedelta(hours=8)  # the offset is kept as sent
    assert isinstance(back.tally, Counter) and isinstance(back.ids, frozenset)


def test_the_offset_travels_and_naive_times_are_refused() -> None:
    moment = datetime(2026, 11, 25, 7, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert wire.encode(moment) == "2026-11-25T07:30:00-05:00"
    with pytest.raises(WireError, match="when"):
        wire.encode(Inner(datetime(2026, 11, 25, 7, 30)), Inner)
    with pytest.raises(WireError, match=r"when") as caught:
        wire.decode({"when": "2026-11-25T07:30:00"}, Inner)
    assert isinstance(caught.value, ValidationError)  # the server answers 422


def test_zones_travel_by_name_or_offset() -> None:
    from datetime import tzinfo

    for zone in (SHANGHAI, UTC, timezone(timedelta(hours=5, minutes=30))):
        assert round_trip(zone, tzinfo).utcoffset(datetime(2026, 1, 1)) == \
            zone.utcoffset(datetime(2026, 1, 1))
    with pytest.raises(WireError, match="tz"):
        wire.decode("Mars/Olympus", tzinfo, "tz")


@pytest.mark.parametrize(("data", "path"), [
    ({"name": "x", "inner": {"when": "2026-11-25T07:30:00+08:00"}, "tally": {},
      "by_pair": [], "colour": "red"}, "colour"),
    ({"name": 5, "inner": {"when": "2026-11-25T07:30:00+08:00"}, "tally": {},
      "by_pair": []}, "name"),
    ({"name": "x", "inner": {"when": "yesterday"}, "tally": {}, "by_pair": []}, "inner.when"),
    ({"name": "x", "inner": {"when": "2026-11-25T07:30:00+08:00"}, "tally": {"purple": 1},
      "by_pair": []}, "tally.purple"),
    ({"name": "x", "inner": {"when": "2026-11-25T07:30:00+08:00"}, "tally": {},
      "by_pair": [["a", "b", 3]]}, "by_pair[0]"),
    ({"name": "x", "inner": {}, "tally": {}, "by_pair": []}, "inner.when"),
    ({"name": "x", "inner": {"when": "2026-11-25T07:30:00+08:00"}, "tally": {},
      "by_pair": [], "blob": "not base64!"}, "blob"),
    ({"name": "x", "inner": {"when": "2026-11-25T07:30:00+08:00"}, "tally": {},
      "by_pair": [], "pair": [1]}, "pair"),
    ({"name": "x", "inner": {"when": "2026-11-25T07:30:00+08:00"}, "tally": {},
      "by_pair": [], "states": ["飞走了"]}, "states[0]"),
    ({"name": "x", "inner": {"when": "2026-11-25T07:30:00+08:00"}, "tally": {},
      "by_pair": [], "amount": "NaN"}, "amount"),
])
def test_bad_input_names_its_field(data: dict[str, Any], path: str) -> None:
    with pytest.raises(WireError) as caught:
        wire.decode(data, Outer)
    assert caught.value.path == path
    assert f"字段 {path} 无效" in caught.value.message and f"field {path}" in caught.value.message


def test_booleans_are_not_numbers_and_nesting_is_bounded() -> None:
    with pytest.raises(WireError):
        wire.decode(True, int)
    deep: Any = 1
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(WireError):
        wire.decode(deep, Any)


def test_a_call_is_checked_argument_by_argument() -> None:
    spec = DeskBackend.act
    good = {"case_id": 5, "command": "dispatch", "fields": {"unit": "KH-CGJ"},
            "seen_version": None, "request_id": "r1", "photos": []}
    assert wire.decode_arguments(spec, good) == good
    with pytest.raises(WireError, match="actor"):
        wire.decode_arguments(spec, {**good, "actor": "zhibanzhang1"})  # never the caller's
    with pytest.raises(WireError, match="case_id"):
        wire.decode_arguments(spec, {**good, "case_id": "5"})
    with pytest.raises(WireError, match="request_id"):
        wire.decode_arguments(spec, {k: v for k, v in good.items() if k != "request_id"})


def test_a_queue_query_and_its_reader_round_trip() -> None:
    query = QueueQuery((CaseState.REPORTED, CaseState.ACCEPTED), "deadline", True,
                       "KH-CGJ", Reader(unit="KH-CGJ"), None)
    spec = DeskBackend.recount
    sent = wire.encode_arguments(spec, {"queries": {"待受理": query}})
    assert wire.decode_arguments(spec, json.loads(json.dumps(sent))) == {"queries": {"待受理": query}}


def test_the_wire_methods_are_the_protocols_calls_and_take_no_actor_or_time() -> None:
    assert "act" in METHODS and "centre" not in METHODS and "is_connection_error" not in METHODS
    for name in METHODS:
        params = set(wire.hints_of(getattr(DeskBackend, name))) - {"return"}
        assert not params & {"actor", "now", "clock", "at"}, name
        assert not params & LOCAL_PARAMETERS or name == "import_table"


def test_enums_decode_by_value() -> None:
    assert wire.decode("12345热线", Source) is Source.HOTLINE
    with pytest.raises(WireError, match="source"):
        wire.decode("HOTLINE", Source, "source")  # the value, never the member's name
