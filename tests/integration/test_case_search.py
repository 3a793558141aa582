"""Finding a case by number, phone digits or words, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from console.domain.cases import Actor, Role
from console.domain.errors import ValidationError
from console.services.access import scoped_factory
from console.services.case_search import search_cases, search_words
from console.services.cases import Report, report_case
from console.services.centre import load_centre

NOW = datetime(2026, 11, 25, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
ACCEPTOR = Actor("shouli1", Role.ACCEPTOR, None, "t")


@pytest.fixture
def reported(kaihua_factory):
    uow_factory = kaihua_factory  # init_reference of Kaihua's files, 2026 (a copy)
    centre = load_centre(uow_factory())
    base = Report(category="06010", description="", source="12345热线",
                  grid="330824001001001")
    texts = [
        ("北门社区菜场门口垃圾堆积", "芹阳路12号", "13800001234"),
        ("路灯不亮，夜间行人不便", "城关镇解放路88号", "王先生 13955556789"),
        ("菜场外流动摊贩占道 100%", "芹阳路_3号", ""),
    ]
    made = [report_case(uow_factory, centre, ACCEPTOR, NOW, replace(
        base, description=d, address=a, contact=c)).case for d, a, c in texts]
    return uow_factory, centre, made


def _nos(found):
    return [r.case.case_no for r in found.rows]


def test_words_phone_digits_and_number_parts_find_their_cases(reported) -> None:
    uow_factory, centre, (garbage, light, vendor) = reported
    assert _nos(search_cases(uow_factory(), centre, "菜场", NOW)) == [vendor.case_no,
                                                                      garbage.case_no]
    assert _nos(search_cases(uow_factory(), centre, "菜场 垃圾", NOW)) == [garbage.case_no]
    assert _nos(search_cases(uow_factory(), centre, "6789", NOW)) == [light.case_no]
    assert _nos(search_cases(uow_factory(), centre, "解放路", NOW)) == [light.case_no]
    # The serial at the end of the number: what a caller reads off an SMS.
    tail = search_cases(uow_factory(), centre, light.case_no[-4:], NOW)
    assert light.case_no in _nos(tail)
    assert search_cases(uow_factory(), centre, "不存在的内容", NOW).rows == ()


def test_a_whole_case_number_is_an_exact_hit(reported) -> None:
    uow_factory, centre, (_garbage, light, _vendor) = reported
    found = search_cases(uow_factory(), centre, f"  {light.case_no} ", NOW)
    assert found.exact and _nos(found) == [light.case_no]


def test_like_wildcards_are_literal(reported) -> None:
    uow_factory, centre, (_garbage, _light, vendor) = reported
    assert _nos(search_cases(uow_factory(), centre, "100%", NOW)) == [vendor.case_no]
    assert _nos(search_cases(uow_factory(), centre, "路_3", NOW)) == [vendor.case_no]
    assert search_cases(uow_factory(), centre, "%%", NOW).rows == ()


def test_more_than_the_limit_says_so(reported) -> None:
    uow_factory, centre, _made = reported
    found = search_cases(uow_factory(), centre, "芹阳", NOW, limit=1)
    assert len(found.rows) == 1 and found.more


def test_a_unit_seat_finds_only_its_units_cases(reported) -> None:
    uow_factory, centre, (garbage, _light, _vendor) = reported
    unit = Actor("unit_zjj", Role.UNIT, "KH-ZJJ", "t")
    scoped = scoped_factory(uow_factory, unit)
    assert search_cases(scoped(), centre, "菜场", NOW).rows == ()
    # Another unit's case number finds what a number nobody has finds: nothing.
    assert search_cases(scoped(), centre, garbage.case_no, NOW).rows == ()


@pytest.mark.parametrize("text", ["", " ", "x", "a" * 101, "a b c d e f g"])
def test_useless_searches_are_refused_with_one_line(text) -> None:
    with pytest.raises(ValidationError) as caught:
        search_words(text)
    assert "\n" not in caught.value.message
