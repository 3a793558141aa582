"""Reading the State Council's annual holiday notice (国务院办公厅关于20XX年部分节假日安排的通知).

Every autumn the General Office of the State Council publishes next year's public holidays
and the weekend days worked in exchange (调休上班).  The ``chinesecalendar`` package copies
them into its tables, but only in a release after the notice; until then an administrator
pastes the notice itself and :func:`parse_notice` turns it into workday flags.

The notice has numbered items, one per holiday, in a fixed wording::

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。…
    三、清明节：4月5日放假，与周末连休。

Each sentence is read as a stream of dates and the words 至 (a range), 放假 (the dates before it
are days off) and 上班 (the dates before it are worked).  A date without a year is in the
notice's year; a range's end without a month is in its start's month.  Everything the notice
states about itself is checked, so a wrong paste or a wrong year is refused, not stored:
the weekday in brackets (``1月4日（周日）``) must be that date's weekday, ``共3天`` / ``放假1天``
must be the range's length, a worked day must be a weekend day, no date may be both off and
worked or belong to two holidays, and dates lie in the notice's year (or, written with their
year, in the December before it: ``2018年12月30日至2019年1月1日`` in the 2019 notice).

Sentences with dates but neither word (``鼓励…安排职工在除夕（2月9日）休息``) are not holidays;
they are kept as :attr:`HolidayNotice.remarks` so the administrator sees what was left out.
Later adjustments (the 2019 Labour Day change, the 2020 Spring Festival extension) are separate
notices in another form; they are entered as single-date overrides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from console.domain.errors import ValidationError
from console.domain.reference import CalendarDay

__all__ = [
    "Festival",
    "HolidayNotice",
    "NoticeError",
    "check_year_days",
    "import_note",
    "imported_from",
    "is_import_note",
    "parse_notice",
]

ADMIN = "admin"
WEEKDAYS = "一二三四五六日"
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MAKE_UP = "调休上班"

# Full-width forms (digits, brackets, colons, commas) and the ideographic space read as their
# ASCII twins, so ``１月４日（周日）`` and ``1月4日(周日)`` read alike.  One character for one,
# so a remark can be quoted from the text as pasted.
_ASCII = {0xFF01 + k: 0x21 + k for k in range(0x5E)} | {0x3000: 0x20}
_TITLE_YEAR = re.compile(r"关于\s*(\d{4})\s*年\s*部分节假日安排")
_BODY_YEAR = re.compile(r"现将\s*(\d{4})\s*年")
_NAME = r"[^\s:,，。、;；()]{1,40}"
_HEADING = re.compile(
    rf"(?:^|(?<=[\n。]))[ \t]*(?:[一二三四五六七八九十]{{1,3}}[、.][ \t]*)?({_NAME}(?:、{_NAME})*)[ \t]*:")
_TOKEN = re.compile(
    r"(?P<date>(?:(?P<y>\d{4})\s*年\s*)?(?:(?P<m>\d{1,2})\s*月\s*)?(?P<d>\d{1,2})\s*日"
    r"(?:\s*\((?P<note>[^()]*)\))?)"
    r"|(?P<to>至)|(?P<off>放假)|(?P<on>上班)"
)
_COUNT = re.compile(r"^(?:调休|连休)?\s*(\d{1,2})\s*天|共\s*(\d{1,2})\s*天")
_WEEKDAY = re.compile(r"(?:星期|周)([一二三四五六日天])")
_IMPORTED = re.compile(r"（(\d{4})年导入）$")


class NoticeError(ValidationError):
    """A notice that cannot be read, or that contradicts itself: nothing is stored."""


def _is_holiday_name(name: str) -> bool:
    # A heading names holidays (元旦, 春节, 国庆节、中秋节, …纪念日); the salutation
    # "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：" also ends in a colon and must not count.
    return all(part.endswith(("节", "元旦", "纪念日")) for part in name.split("、"))


@dataclass(frozen=True, slots=True)
class Festival:
    """One item of the notice: a holiday's days off and the weekend days worked for it.

    Attributes
    ----------
    name : str
        The item's heading, e.g. ``春节`` or ``国庆节、中秋节``.
    days_off : tuple of date
        Every day of the holiday, weekends inside it included, in order.
    workdays : tuple of date
        The weekend days worked in exchange (调休上班), in order.
    stated_days : int or None
        The length the notice states (``共8天``, ``放假1天``), None when it states none.
    """

    name: str
    days_off: tuple[date, ...]
    workdays: tuple[date, ...] = ()
    stated_days: int | None = None


@dataclass(frozen=True, slots=True)
class HolidayNotice:
    """A parsed notice: its year, its holidays and what it said that is not a holiday.

    Attributes
    ----------
    year : int
        The year the notice arranges (from its title, or as given).
    festivals : tuple of Festival
        In the notice's order.
    remarks : tuple of str
        Sentences with dates that are neither days off nor workdays (not stored).
    """

    year: int
    festivals: tuple[Festival, ...]
    remarks: tuple[str, ...] = ()

    def calendar_days(self) -> list[CalendarDay]:
        """Every day off and every worked day as an administrator's flag, sorted by date.

        Notes carry the holiday's name and the year of the notice (:func:`import_note`), so
        the calendar shows where a flag came from and a later import of the same year can
        replace exactly these rows.
        """
        out = [CalendarDay(d, False, ADMIN, import_note(f.name, self.year))
               for f in self.festivals for d in f.days_off]
        out += [CalendarDay(d, True, ADMIN, import_note(f.name + _MAKE_UP, self.year))
                for f in self.festivals for d in f.workdays]
        return sorted(out, key=lambda row: row.day)


def import_note(text: str, year: int) -> str:
    """A flag's note marked as part of ``year``'s import: ``春节（2027年导入）``."""
    return f"{text}（{year}年导入）"


def is_import_note(note: str, year: int) -> bool:
    """Whether ``note`` was written by :func:`import_note` for ``year``."""
    return imported_from(note) == year


def imported_from(note: str) -> int | None:
    """The year whose import wrote ``note`` (:func:`import_note`), None for any other note."""
    found = _IMPORTED.search(note)
    return int(found.group(1)) if found else None


def _in_window(day: date, year: int) -> bool:
    # A year's notice may reach into the December before (元旦 2018-12-30 to 2019-01-01 is in
    # the 2019 notice).  The January after belongs to the next year's notice.
    return date(year - 1, 12, 1) <= day <= date(year, 12, 31)


def _fmt(d: date) -> str:
    return f"{d.isoformat()}（周{WEEKDAYS[d.weekday()]}）"


def check_year_days(year: int, days: Iterable[CalendarDay]) -> list[CalendarDay]:
    """Check a year's flags before they are stored; returns them sorted by date.

    Raises
    ------
    ValidationError
        When there are none, a date lies outside the year (the December before is allowed:
        New Year's Day often spans the turn), or one date is
        given twice with different flags.
    """
    seen: dict[date, CalendarDay] = {}
    for row in days:
        if not _in_window(row.day, year):
            raise ValidationError(
                f"日期 {row.day.isoformat()} 不属于 {year} 年的安排（年份不符？）/ "
                f"{row.day.isoformat()} is not in {year}: wrong year?")
        before = seen.get(row.day)
        if before is not None and before.workday != row.workday:
            raise ValidationError(
                f"{_fmt(row.day)} 既是休息日又是上班日，前后矛盾 / "
                f"{row.day.isoformat()} is given both as a day off and as a workday")
        seen[row.day] = row
    if not seen:
        raise ValidationError(f"{year} 年没有任何日期 / no dates for {year}")
    return [seen[d] for d in sorted(seen)]


def _notice_year(text: str, year: int | None) -> int:
    found = _TITLE_YEAR.search(text) or _BODY_YEAR.search(text)
    stated = int(found.group(1)) if found else None
    if stated is not None and year is not None and stated != year:
        raise NoticeError(
            f"通知是 {stated} 年的安排，不是 {year} 年（年份不符）/ "
            f"the notice arranges {stated}, not {year}")
    chosen = year if year is not None else stated
    if chosen is None:
        raise NoticeError(
            "看不出通知是哪一年的（标题应为「国务院办公厅关于20XX年部分节假日安排的通知」），"
            "请指定年份 / cannot tell the notice's year: give the year")
    if not 1900 < chosen < 9999:
        raise NoticeError(f"年份 {chosen} 无效 / invalid year")
    return chosen


class _Reader:
    """Reads one item's sentences into days off, workdays and remarks."""

    def __init__(self, year: int, name: str) -> None:
        self.year, self.name = year, name
        self.off: list[date] = []
        self.on: list[date] = []
        self.stated: int | None = None
        self.remarks: list[str] = []

    def _date(self, m: re.Match[str], start: date | None) -> date:
        text = m.group("date").strip()
        y, mo, d = m.group("y"), m.group("m"), int(m.group("d"))
        if mo is None and start is None:
            raise NoticeError(f"「{self.name}」：{text} 缺少月份 / {text}: no month")
        month = int(mo) if mo is not None else start.month if start is not None else 0
        if y is not None:
            year = int(y)
        elif start is not None:  # a range's end: the start's year, the next one past December
            year = start.year + (1 if month < start.month else 0)
        else:
            year = self.year
        try:
            day = date(year, month, d)
        except ValueError:
            raise NoticeError(f"「{self.name}」：{text} 不是有效日期 / not a date") from None
        if not _in_window(day, self.year):
            raise NoticeError(
                f"「{self.name}」：{text}（{day.isoformat()}）不在 {self.year} 年的安排之内（年份不符？）"
                f" / {day.isoformat()} is outside {self.year}: wrong year?")
        said = _WEEKDAY.search(m.group("note") or "")
        if said is not None:
            wanted = WEEKDAYS.index("日" if said.group(1) == "天" else said.group(1))
            if wanted != day.weekday():
                raise NoticeError(
                    f"「{self.name}」：{text} 写的是周{WEEKDAYS[wanted]}，但 {day.isoformat()} 是"
                    f"周{WEEKDAYS[day.weekday()]}（年份不符？）/ {day.isoformat()} is not a "
                    f"{_WEEKDAYS_EN[wanted]}: wrong year?")
        return day

    def sentence(self, text: str, pasted: str) -> None:
        """Read one sentence (``pasted``: the same sentence as the administrator pasted it)."""
        tokens = list(_TOKEN.finditer(text))
        if not any(m.group("off") or m.group("on") for m in tokens):
            # Neither off nor worked: a remark (除夕 encouraged off), or the signature's date
            # when the notice was pasted as one line; only the former is worth showing.
            if any(m.group("date") and self._remark_date(m) for m in tokens):
                self.remarks.append(f"{self.name}：{pasted.strip()}")
            return
        pending: list[date] = []
        ranged = False
        for i, m in enumerate(tokens):
            if m.group("date"):
                start = pending[-1] if ranged and pending else None
                pending.append(self._date(m, start))
            elif m.group("to"):
                if not pending or ranged:
                    raise NoticeError(f"「{self.name}」：读不懂「{text.strip()}」 / cannot read")
                ranged = True
            else:
                days = self._expand(pending, ranged, text)
                if m.group("off"):
                    self.off += days
                    after = text[m.end():tokens[i + 1].start() if i + 1 < len(tokens) else None]
                    counted = _COUNT.search(after)
                    if counted is not None:
                        self.stated = int(counted.group(1) or counted.group(2))
                        if self.stated != len(days):
                            raise NoticeError(
                                f"「{self.name}」：{_fmt(days[0])}至{_fmt(days[-1])}是 "
                                f"{len(days)} 天，通知写的是共 {self.stated} 天 / the range has "
                                f"{len(days)} days, the notice says {self.stated}")
                else:
                    self.on += days
                pending, ranged = [], False
        if pending:
            self.remarks.append(f"{self.name}：{pasted.strip()}")

    def _remark_date(self, m: re.Match[str]) -> bool:
        year = int(m.group("y") or self.year)
        try:
            return _in_window(date(year, int(m.group("m") or 1), int(m.group("d"))), self.year)
        except ValueError:
            return False

    def _expand(self, pending: list[date], ranged: bool, text: str) -> list[date]:
        if not pending:
            raise NoticeError(f"「{self.name}」：「{text.strip()}」没有日期 / no date")
        if not ranged:
            return pending
        if len(pending) != 2 or pending[1] < pending[0]:
            raise NoticeError(f"「{self.name}」：日期范围无效「{text.strip()}」 / invalid range")
        span = (pending[1] - pending[0]).days + 1
        if span > 31:
            raise NoticeError(f"「{self.name}」：{span} 天的假期不合常理 / a {span}-day holiday")
        return [pending[0] + timedelta(days=k) for k in range(span)]

    def festival(self) -> Festival:
        if not self.off:
            raise NoticeError(f"「{self.name}」一项没有放假日期 / an item without days off")
        for d in self.on:
            if d.weekday() < 5:
                raise NoticeError(
                    f"「{self.name}」：{_fmt(d)} 本是工作日，不会是调休上班日（年份不符？）/ "
                    f"{d.isoformat()} is a weekday, not a make-up workday: wrong year?")
        return Festival(self.name, tuple(sorted(set(self.off))), tuple(sorted(set(self.on))),
                        self.stated)


def parse_notice(text: str, year: int | None = None) -> HolidayNotice:
    """Parse the text of the State Council's holiday notice.

    Parameters
    ----------
    text : str
        The notice as published (title optional; full- or half-width punctuation; pasted as
        paragraphs or as one line).
    year : int, optional
        The year the administrator means to import.  The notice's title (or ``现将20XX年``)
        names it too; when both are given they must agree.

    Returns
    -------
    HolidayNotice
        Its holidays, with every date checked.

    Raises
    ------
    NoticeError
        No holiday items, an unknown year, a year that does not match, a date that does not
        exist, a weekday or a length that contradicts the date, a worked weekday, or a date
        both off and worked or in two holidays.  The message names the item and the date.
    """
    pasted = text or ""
    text = pasted.translate(_ASCII)
    notice_year = _notice_year(text, year)
    headings = [m for m in _HEADING.finditer(text) if _is_holiday_name(m.group(1))]
    if not headings:
        raise NoticeError(
            "没有找到放假安排（应有「一、元旦：1月1日放假…」这样的条目），请粘贴国务院办公厅的通知原文 / "
            "no holiday items found: paste the State Council's notice")
    festivals: list[Festival] = []
    remarks: list[str] = []
    for i, head in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        start = head.end()
        while start < end and text[start].isspace():  # the item may go on on the next line
            start += 1
        # An item is one paragraph; pasted as one line, the last one stops at the signature.
        stops = [at for at in (text.find("\n", start, end), text.find("国务院办公厅", start, end))
                 if at >= 0]
        end = min(stops, default=end)
        reader = _Reader(notice_year, head.group(1))
        for sentence in re.finditer(r"[^。;]+", text[start:end]):
            if sentence.group().strip():
                at = start + sentence.start()
                reader.sentence(sentence.group(), pasted[at:at + len(sentence.group())])
        festivals.append(reader.festival())
        remarks += reader.remarks
    _check_overlaps(festivals)
    return HolidayNotice(notice_year, tuple(festivals), tuple(remarks))


def _check_overlaps(festivals: list[Festival]) -> None:
    owner: dict[date, tuple[str, bool]] = {}
    for f in festivals:
        for days, worked in ((f.days_off, False), (f.workdays, True)):
            for d in days:
                before = owner.get(d)
                if before is None:
                    owner[d] = (f.name, worked)
                    continue
                what = "既放假又上班" if before[1] != worked else "出现两次"
                raise NoticeError(
                    f"{_fmt(d)} 在「{before[0]}」和「{f.name}」中{what}，前后矛盾 / "
                    f"{d.isoformat()} is given twice: in two items, or both off and worked")
