"""What the work calendar knows, and saying so where it does not (issue #13 part 4).

``chinesecalendar`` 1.11 knows 2004–2026.  Before this change ``WorkCalendar.add`` answered
2026-12-31 17:00 + 120 working minutes with 2027-01-01 09:00 — New Year's Day counted as a
workday — and nothing said that 2027 was guessed.  Now the calendar names the years it does not
know, the services turn that into a warning, and an imported year closes the gap.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from console.domain.calendar import WorkCalendar, gap_message, seeded_years, statutory_days
from console.domain.errors import ValidationError
from console.domain.holiday_notice import parse_notice
from console.domain.reference import CalendarDay
from console.reference_files import load_centre_files
from console.services.calendar_year import (
    calendar_coverage,
    calendar_warnings,
    decode_text,
    horizon_gaps,
    longest_limits,
    read_day_list,
    year_span,
)
from console.services.centre import Centre, build_centre
from console.services.setup import init_reference
from console.services.wall import wall_data
from db.engine import make_engine
from db.schema import upgrade
from db.uow import make_uow_factory

SH = ZoneInfo("Asia/Shanghai")
NOTICE_2027 = Path(__file__).parent / "notices" / "test_2027_fictional.txt"
PACKAGE = statutory_days(range(2004, 2101))


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def centre(imported: frozenset[int] = frozenset(), extra: tuple[CalendarDay, ...] = ()) -> Centre:
    ref = load_centre_files()
    return build_centre(replace(ref, calendar_days=(*PACKAGE, *extra), imported_years=imported))


def test_the_installed_package_stops_at_2026() -> None:
    # The premise of the issue; when a newer package knows 2027 the tests below still hold for
    # the first year it does not know, but this one says why 2027 is the example.
    assert chinese_calendar.__version__ == "1.11.0"
    assert max(seeded_years(PACKAGE)) == 2026 and min(seeded_years(PACKAGE)) == 2004


def test_new_years_day_2027_is_counted_but_no_longer_silently() -> None:
    cal = WorkCalendar(SH, days=PACKAGE)
    start = sh(2026, 12, 31, 17)
    result = cal.add(start, 120)
    assert result == sh(2027, 1, 1, 9)  # Monday–Friday: what the calendar can do without data
    assert cal.uncovered_years(start, result) == (2027,)
    assert calendar_warnings(cal, start, result) == [gap_message((2027,))]
    assert "2027 年法定节假日未导入，期限按周一至周五计算" in gap_message((2027,))
    # Within a known year: no warning.
    assert calendar_warnings(cal, sh(2026, 9, 30, 17), cal.add(sh(2026, 9, 30, 17), 120)) == []


def test_the_imported_notice_fixes_the_answer_and_the_warning() -> None:
    notice = parse_notice(NOTICE_2027.read_text(encoding="utf-8"))
    days = (*PACKAGE, *notice.calendar_days())
    cal = WorkCalendar(SH, days=days, covered_years=seeded_years(days) | {2027})
    start = sh(2026, 12, 31, 17)
    assert cal.add(start, 120) == sh(2027, 1, 4, 9)
    assert cal.uncovered_years(start, cal.add(start, 120)) == ()


def test_coverage_by_default_is_the_packages_rows_not_an_administrators_day() -> None:
    typhoon = CalendarDay(date(2027, 7, 1), False, "admin", "台风停工")
    cal = WorkCalendar(SH, days=(*PACKAGE, typhoon))
    assert 2027 not in cal.covered_years and 2026 in cal.covered_years
    assert cal.uncovered_years(sh(2026, 12, 1), sh(2028, 1, 2)) == (2027, 2028)
    assert cal.uncovered_years() == ()
    assert cal.uncovered_years(sh(1990, 1, 1), sh(2003, 6, 1)) == (2000, 2001, 2002, 2003)
    with pytest.raises(ValidationError):
        cal.uncovered_years(datetime(2027, 1, 1))


def test_the_centre_counts_imported_years_as_known() -> None:
    assert centre().calendar.uncovered_years(sh(2027, 3, 1)) == (2027,)
    assert centre(frozenset({2027})).calendar.uncovered_years(sh(2027, 3, 1)) == ()
    coverage = calendar_coverage(centre(frozenset({2027})))
    assert coverage.covered[0] == 2004 and coverage.covered[-1] == 2027
    assert coverage.imported == (2027,) and coverage.first_uncovered == 2028
    assert coverage.as_dict()["first_uncovered"] == 2028
    assert calendar_coverage(centre()).first_uncovered == 2027


def test_a_desk_warns_from_the_day_a_deadline_can_reach_the_unknown_year() -> None:
    c = centre()
    working, _natural = longest_limits(c)
    assert working == 20 * 480  # Kaihua's longest 处置 limit: 20 working days
    assert horizon_gaps(c, sh(2026, 11, 25, 15, 30)) == ()  # the GUI tests' clock: no strip
    assert horizon_gaps(c, sh(2026, 12, 15, 9)) == (2027,)
    assert horizon_gaps(c, sh(2027, 6, 1)) == (2027,)
    assert horizon_gaps(c, sh(2026, 3, 1), [sh(2027, 1, 5)]) == (2027,)  # a running deadline
    assert horizon_gaps(centre(frozenset({2027})), sh(2026, 12, 15, 9)) == ()


def test_the_wall_data_carries_the_gap(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wall.sqlite3'}")
    upgrade(engine)
    factory = make_uow_factory(engine)
    init_reference(factory(), load_centre_files(), statutory_days(range(2004, 2101)))
    from console.services.centre import load_centre

    c = load_centre(factory())
    assert wall_data(factory(), c, sh(2026, 12, 15, 9)).calendar_gaps == (2027,)
    assert wall_data(factory(), c, sh(2026, 11, 2, 9)).calendar_gaps == ()
    engine.dispose()


def test_a_day_list_in_yaml_or_csv() -> None:
    yaml_text = ("year: 2027\ndays:\n  - {date: 2027-01-01, workday: false, note: 元旦}\n"
                 "  - {date: 2027-02-20, workday: true}\n")
    year, days = read_day_list(yaml_text, "yaml")
    assert year == 2027 and [(d.day, d.workday, d.note, d.source) for d in days] == [
        (date(2027, 1, 1), False, "元旦（2027年导入）", "admin"),
        (date(2027, 2, 20), True, "调休上班（2027年导入）", "admin")]
    csv_text = "date,workday,note\n2027-01-01,休息,元旦\n\n2027-02-20,上班,\n"
    assert read_day_list(csv_text, "csv") == (2027, days)
    assert read_day_list(csv_text, "csv", 2027)[0] == 2027


@pytest.mark.parametrize(("text", "kind", "year", "says"), [
    ("year: 2028\ndays:\n  - {date: 2028-01-01, workday: false}\n", "yaml", 2027, "年份不符"),
    ("days:\n  - {date: 2027-01-01, workday: false}\n", "yaml", 2028, "不属于 2028 年"),
    ("days: [", "yaml", None, "不是有效的 YAML"),
    ("year: 2027\n", "yaml", None, "days: 列表"),
    ("year: 2027\ndays: [5]\n", "yaml", None, "第 1 项"),
    ("days:\n  - {date: 2027-02-30, workday: false}\n", "yaml", None, "days 第 1 项：日期"),
    ("a: &x [1, 2]\nb: *x\ndays: []\n", "yaml", None, "不是有效的 YAML"),
    ("days:\n  - {date: 2027-01-01, workday: maybe}\n", "yaml", None, "workday"),
    ("date,workday\n2027-01-01,false\n2027-01-01,true\n", "csv", None, "前后矛盾"),
    ("date,workday\n2027-01-01,false\n2028-02-01,true\n", "csv", None, "请指定年份"),
    ("day,flag\n2027-01-01,false\n", "csv", None, "首行"),
    ("date,workday\n", "csv", None, "没有任何日期"),
])
def test_a_bad_day_list_is_refused(text: str, kind: str, year: int | None, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        read_day_list(text, kind, year, "days")


def test_file_text_is_utf8_or_gb18030_and_small() -> None:
    text = NOTICE_2027.read_text(encoding="utf-8")
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_text(text.encode("gb18030")) == text
    with pytest.raises(ValidationError, match="过大"):
        decode_text(b"x" * 1_000_001)


def test_year_spans() -> None:
    assert year_span([2004, 2005, 2006, 2027]) == "2004–2006、2027"
    assert year_span([]) == "—"
