"""The compiled encoder: the generic encoder's JSON for every value, its errors where it fails."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from console.domain.cases import CaseState
from console.domain.deadlines import Light
from console.services import wire
from console.services.wire import WireError
from console.services.wire_compiled import decode_fast, encode_fast, encoder
from tests.unit.test_wire import SHANGHAI, Inner, Outer

WHEN = datetime(2026, 11, 25, 15, 30, tzinfo=SHANGHAI)

CASES: list[tuple[Any, Any]] = [
    (Outer("开化", Inner(WHEN, date(2026, 2, 28)), Counter({Light.RED: 2}),
           {(None, "330824001001001"): 3}, frozenset({3, 1}), (7, "七"), b"\x00\xff",
           Decimal("1.50"), timedelta(seconds=90), time(8), None, (CaseState.REPORTED,),
           {"nested": [1, None, {"x": 2.5}]}), Outer),
    ([Inner(WHEN), None], list[Inner | None]),
    ((1, 2, 3), tuple[int, ...]),
    ([1, 2], Sequence[int]),
    ({"a": [WHEN]}, dict[str, list[datetime]]),
    ({CaseState.REPORTED: 1}, dict[CaseState, int]),  # text-enum keys travel by value
    ({1: "x"}, dict[int, str]),  # not text keys: pairs, by the generic encoder
    ({3, 1, 2}, list[int]),  # a set where a list is declared: sorted, as the generic one does
    (CaseState.FILED, str),  # a text enum where text is declared: its value
    (True, int), (3, float), (2.5, float | None), (None, Inner), ("x", Any),
    (timedelta(hours=1), timedelta), (date(2026, 1, 1), date), (WHEN.astimezone(UTC), datetime),
]


@pytest.mark.parametrize(("value", "hint"), CASES, ids=range(len(CASES)))
def test_the_same_json_and_values_as_the_generic_codec(value: Any, hint: Any) -> None:
    sent = wire.encode(value, hint)
    assert encode_fast(value, hint) == sent
    data = json.loads(json.dumps(sent))
    try:
        expected = wire.decode(data, hint, "result")
    except WireError as refused:  # (True as an int, None as a dataclass: not round trips)
        with pytest.raises(WireError, match=re.escape(str(refused))):
            decode_fast(data, hint, "result")
        return
    back = decode_fast(data, hint, "result")
    assert back == expected and type(back) is type(expected)


BAD: list[tuple[Any, Any]] = [
    ({"when": "2026-11-25T07:30:00"}, Inner),  # naive
    ({"when": "2026-11-25T07:30:00+08:00", "extra": 1}, Inner),  # unknown field
    ({"day": None}, Inner),  # a required field missing
    ([1, True], list[int]),  # a boolean is not a number
    ([1.5, float("nan")], list[float]),
    ({"待受理": 1, "nope": 2}, dict[CaseState, int]),
    (["x"], tuple[int, str]),
]


@pytest.mark.parametrize(("data", "hint"), BAD, ids=range(len(BAD)))
def test_what_the_generic_decoder_refuses_is_refused_the_same(data: Any, hint: Any) -> None:
    with pytest.raises(WireError) as generic:
        wire.decode(data, hint, "result")
    with pytest.raises(WireError) as fast:
        decode_fast(data, hint, "result")
    assert str(fast.value) == str(generic.value)


def test_the_hot_shapes_compile_without_falling_back() -> None:
    value = [Inner(WHEN, date(2026, 1, 1)), Inner(WHEN)]
    assert encoder(list[Inner])(value) == wire.encode(value, list[Inner])


def test_what_the_wire_refuses_is_refused_naming_the_field() -> None:
    with pytest.raises(WireError, match=r"result\[1\]"):
        encode_fast([1.0, float("nan")], list[float], "result")
    with pytest.raises(WireError, match=r"result\[1\]"):
        encode_fast([WHEN, WHEN.replace(tzinfo=None)], list[datetime], "result")
