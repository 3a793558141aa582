"""The State Council's holiday notice, parsed (console.domain.holiday_notice).

The real notices of 2018–2026 (tests/unit/notices, see its README) are parsed and compared,
date by date over the whole year, with the installed ``chinesecalendar`` package: every day
off and every make-up workday must agree, except the dates two later adjustment notices
changed (and the package follows).  Bad notices are refused with one line naming the item.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from console.domain.errors import ValidationError
from console.domain.holiday_notice import (
    HolidayNotice,
    NoticeError,
    check_year_days,
    import_note,
    imported_from,
    parse_notice,
)
from console.domain.reference import CalendarDay

NOTICES = Path(__file__).parent / "notices"
REAL_YEARS = range(2018, 2027)
FICTIONAL_2027 = NOTICES / "test_2027_fictional.txt"

#: Dates a later notice changed after the annual one; the package has the later word.
LATER_ADJUSTMENTS = {
    # 国务院办公厅关于调整2019年劳动节假期安排的通知: Labour Day 5月1日至4日, 4月28日、5月5日上班.
    2019: {date(2019, 4, 28), date(2019, 5, 2), date(2019, 5, 3), date(2019, 5, 5)},
    # 国务院办公厅关于延长2020年春节假期的通知: to 2月2日; 2月1日 is no longer worked.
    2020: {date(2020, 1, 31), date(2020, 2, 1)},
}


def notice(year: int) -> str:
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


def workday_flags(parsed: HolidayNotice) -> dict[date, bool]:
    return {d.day: d.workday for d in parsed.calendar_days()}


def year_dates(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=k) for k in range((date(year + 1, 1, 1) - first).days)]


def governed_by_next(year: int) -> set[date]:
    """Dates of ``year`` the next year's notice arranges (元旦 of 2019 began on 2018-12-30)."""
    path = NOTICES / f"{year + 1}.txt"
    if not path.exists():
        return set()
    return {d for d in workday_flags(parse_notice(path.read_text(encoding="utf-8"))) if d.year == year}


@pytest.mark.parametrize("year", REAL_YEARS)
def test_a_real_notice_gives_the_packages_flags_for_its_whole_year(year: int) -> None:
    parsed = parse_notice(notice(year))
    assert parsed.year == year
    flags = workday_flags(parsed)
    dates = set(year_dates(year)) - governed_by_next(year) | set(flags)
    differ = {d for d in dates
              if flags.get(d, d.weekday() < 5) != chinese_calendar.is_workday(d)}
    assert differ == LATER_ADJUSTMENTS.get(year, set())
    # Every holiday and every make-up workday of the year, one by one: nothing left out.
    package_off = {d for d in dates if d.weekday() < 5 and not chinese_calendar.is_workday(d)}
    package_on = {d for d in dates if d.weekday() >= 5 and chinese_calendar.is_workday(d)}
    mine_off = {d for d, w in flags.items() if not w and d.weekday() < 5}
    mine_on = {d for d, w in flags.items() if w}
    assert mine_off ^ package_off <= LATER_ADJUSTMENTS.get(year, set())
    assert mine_on ^ package_on <= LATER_ADJUSTMENTS.get(year, set())
    assert len(parsed.festivals) in (6, 7)  # 国庆 and 中秋 share an item when they meet


def test_the_2019_notice_reaches_back_into_december_2018() -> None:
    parsed = parse_notice(notice(2019))
    new_year = parsed.festivals[0]
    assert new_year.name == "元旦"
    assert new_year.days_off == (date(2018, 12, 30), date(2018, 12, 31), date(2019, 1, 1))
    assert new_year.workdays == (date(2018, 12, 29),)
    assert new_year.stated_days == 3


def test_the_2025_form_with_weekdays_and_lunar_dates_in_brackets() -> None:
    parsed = parse_notice(notice(2025))
    spring = next(f for f in parsed.festivals if f.name == "春节")
    assert spring.days_off[0] == date(2025, 1, 28) and spring.days_off[-1] == date(2025, 2, 4)
    assert spring.workdays == (date(2025, 1, 26), date(2025, 2, 8))
    assert parsed.festivals[0].days_off == (date(2025, 1, 1),)  # 放假1天，不调休
    assert parsed.festivals[-1].name == "国庆节、中秋节"


def test_a_sentence_with_a_date_that_is_no_holiday_is_shown_not_stored() -> None:
    parsed = parse_notice(notice(2024))
    assert parsed.remarks == ("春节：鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息",)
    assert date(2024, 2, 9) not in workday_flags(parsed)  # 除夕 2024 stayed a workday


@pytest.mark.parametrize("year", [2019, 2023, 2025, 2026])
def test_pasted_as_one_line_or_in_half_width_it_reads_the_same(year: int) -> None:
    text = notice(year)
    one_line = text.replace("\n", "")
    half_width = text.translate(str.maketrans("（）：，；", "():,;"))
    indented = "\n".join("　　" + line for line in text.splitlines())
    expected = parse_notice(text)
    for variant in (one_line, half_width, indented):
        assert parse_notice(variant) == expected


def test_the_year_comes_from_the_title_or_is_given() -> None:
    body = notice(2026).split("一、", 1)[1]
    with pytest.raises(NoticeError, match="看不出通知是哪一年"):
        parse_notice("一、" + body)
    assert parse_notice("一、" + body, 2026) == parse_notice(notice(2026))


def test_the_fictional_2027_fixture_is_marked_and_parses() -> None:
    text = FICTIONAL_2027.read_text(encoding="utf-8")
    assert "虚构" in text.splitlines()[0] and "不是国务院办公厅发布的" in text.splitlines()[0]
    parsed = parse_notice(text)
    assert parsed.year == 2027
    assert chinese_calendar.__version__ and 2027 not in {d.year for d in chinese_calendar.constants.holidays}
    flags = workday_flags(parsed)
    assert flags[date(2027, 1, 1)] is False and flags[date(2027, 2, 20)] is True


HEAD = "国务院办公厅关于2026年部分节假日安排的通知\n"


@pytest.mark.parametrize(("text", "year", "says"), [
    ("", None, "看不出通知是哪一年"),
    (HEAD + "请各单位做好值班。", None, "没有找到放假安排"),
    (HEAD + "一、元旦：请做好值班。", None, "没有放假日期"),
    (notice(2025), 2026, "通知是 2025 年的安排，不是 2026 年"),
    (HEAD + "一、元旦：1月1日（周五）放假。", None, "写的是周五，但 2026-01-01 是周四"),
    (HEAD + "一、元旦：1月1日至3日放假调休，共4天。", None, "是 3 天，通知写的是共 4 天"),
    (HEAD + "一、元旦：1月1日放假1天，不调休。二、春节：2月1日至3日放假，共2天。", None, "共 2 天"),
    (HEAD + "一、元旦：1月1日至3日放假。1月5日（周一）上班。", None, "本是工作日"),
    (HEAD + "一、元旦：1月1日至3日放假。1月3日（周六）上班。", None, "既放假又上班"),
    (HEAD + "一、元旦：1月1日放假。\n二、春节：1月1日放假。", None, "出现两次"),
    (HEAD + "一、元旦：2月30日放假。", None, "不是有效日期"),
    (HEAD + "一、元旦：2024年1月1日放假。", None, "不在 2026 年的安排之内"),
    (HEAD + "一、元旦：2027年1月1日放假。", None, "不在 2026 年的安排之内"),  # next year's
    (HEAD + "一、元旦：1月3日至1日放假。", None, "日期范围无效"),
    (HEAD + "一、元旦：放假。", None, "没有日期"),
    (HEAD + "一、元旦：3日放假。", None, "缺少月份"),
    (HEAD + "一、元旦：1月1日至3月5日放假。", None, "不合常理"),
])
def test_a_bad_notice_is_refused_in_one_line(text: str, year: int | None, says: str) -> None:
    with pytest.raises(NoticeError) as refused:
        parse_notice(text, year)
    message = str(refused.value.message)
    assert says in message
    assert "\n" not in message and re.search(r"[ ）]/ ", message)  # one line, Chinese / English


def test_import_notes_carry_the_year() -> None:
    assert import_note("春节", 2027) == "春节（2027年导入）"
    assert imported_from("春节（2027年导入）") == 2027
    assert imported_from("台风停工") is None and imported_from("") is None


def test_a_day_list_is_checked_for_its_year_and_contradictions() -> None:
    ok = check_year_days(2027, [CalendarDay(date(2027, 1, 1), False), CalendarDay(date(2026, 12, 31), False),
                                CalendarDay(date(2027, 1, 1), False)])
    assert [d.day for d in ok] == [date(2026, 12, 31), date(2027, 1, 1)]
    for outside in (date(2026, 10, 1), date(2028, 1, 1)):
        with pytest.raises(ValidationError, match="不属于 2027 年"):
            check_year_days(2027, [CalendarDay(outside, False)])
    with pytest.raises(ValidationError, match="前后矛盾"):
        check_year_days(2027, [CalendarDay(date(2027, 1, 2), False), CalendarDay(date(2027, 1, 2), True)])
    with pytest.raises(ValidationError, match="没有任何日期"):
        check_year_days(2027, [])
