"""Which years the work calendar knows, the warning where it does not, and importing a year.

The statutory calendar comes from the ``chinesecalendar`` package, which only knows the years
up to its release (2026 for 1.11).  A year it does not know still counts — Monday to Friday —
so every answer that reaches into such a year is *probably wrong* (New Year's Day counted as
a workday) and must say so: :func:`calendar_warnings` for an answer between instants,
:func:`horizon_gaps` for a desk or a wall that shows deadlines from now on.

An administrator closes the gap by importing the year: the State Council's notice
(:func:`console.domain.holiday_notice.parse_notice`) or a plain day list (:func:`read_day_list`,
YAML or CSV).  :func:`import_year` stores the flags as administrator overrides (source
``admin``, which ``citydesk init``'s re-seed keeps) and lists the year under
:data:`~console.services.uow.IMPORTED_YEARS`, so the centre counts it as known.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import yaml

from console.domain.calendar import (
    WorkCalendar,
    gap_message,
    seeded_years,
    statutory_days,
    statutory_package,
)
from console.domain.cases import TERMINAL_STATES, Actor, Case, CaseState, Stage
from console.domain.errors import CalendarRangeError, ValidationError
from console.domain.holiday_notice import (
    HolidayNotice,
    check_year_days,
    import_note,
    imported_from,
    is_import_note,
)
from console.domain.reference import CalendarDay
from console.services.admin import ADMIN_SOURCE, require_admin
from console.services.admin_trail import record
from console.services.centre import Centre
from console.services.uow import IMPORTED_YEARS, UnitOfWork

UowFactory = Callable[[], UnitOfWork]

OPEN_STATES = tuple(s for s in CaseState if s not in TERMINAL_STATES)

MAX_FILE_BYTES = 1_000_000
"""A notice is a few kilobytes and a year's day list smaller still: a bigger file is a mistake."""

_TRUE = {"true", "1", "yes", "y", "是", "上班", "工作日", "workday"}
_FALSE = {"false", "0", "no", "n", "否", "休息", "放假", "休息日", "holiday", "off"}


@dataclass(frozen=True, slots=True)
class CalendarCoverage:
    """The years with statutory holidays, where they came from, and the first one missing.

    Attributes
    ----------
    seeded : tuple of int
        Years whose flags the database holds from the package (``citydesk init``).
    imported : tuple of int
        Years an administrator imported (a notice or a day list).
    package_version : str
        The installed ``chinesecalendar``.
    package_years : tuple of int
        The years the installed package knows; those not in ``seeded`` arrive with the next
        ``citydesk init``.
    overrides : mapping of int to int
        Per year, single dates an administrator set by hand (not part of an import).
    """

    seeded: tuple[int, ...]
    imported: tuple[int, ...]
    package_version: str
    package_years: tuple[int, ...]
    overrides: Mapping[int, int]

    @property
    def covered(self) -> tuple[int, ...]:
        """Every year whose holidays are known, in order."""
        return tuple(sorted({*self.seeded, *self.imported}))

    @property
    def first_uncovered(self) -> int | None:
        """The first year after the earliest known one that is not known (None: none known)."""
        covered = set(self.covered)
        if not covered:
            return None
        year = min(covered)
        while year in covered:
            year += 1
        return year

    @property
    def not_seeded(self) -> tuple[int, ...]:
        """Years the installed package knows that the database does not have yet."""
        return tuple(y for y in self.package_years if y not in self.covered)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``citydesk calendar status``."""
        return {
            "covered": list(self.covered),
            "package": {"version": self.package_version, "seeded": list(self.seeded),
                        "installed": list(self.package_years),
                        "not_seeded": list(self.not_seeded)},
            "imported": list(self.imported),
            "first_uncovered": self.first_uncovered,
            "overrides": {str(y): n for y, n in sorted(self.overrides.items())},
        }


def year_span(years: Iterable[int], empty: str = "—") -> str:
    """Years as runs: ``2004–2026``, ``2004–2020、2022``; ``empty`` for none."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return "、".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs) or empty


def calendar_coverage(centre: Centre) -> CalendarCoverage:
    """What the centre's calendar knows (its reference data as loaded)."""
    ref = centre.ref
    version, package_years = statutory_package()
    imported = ref.imported_years
    overrides = Counter(d.day.year for d in ref.calendar_days
                        if d.source == ADMIN_SOURCE and imported_from(d.note) is None)
    return CalendarCoverage(tuple(sorted(seeded_years(ref.calendar_days))), tuple(sorted(imported)),
                            version, package_years, dict(overrides))


def default_coverage(calendar: WorkCalendar) -> CalendarCoverage:
    """The coverage of a calendar built from the package alone (no database)."""
    version, package_years = statutory_package()
    return CalendarCoverage(tuple(sorted(calendar.covered_years)), (), version, package_years, {})


def calendar_warnings(calendar: WorkCalendar, *instants: datetime) -> list[str]:
    """``[gap_message(…)]`` when the span of ``instants`` touches an uncovered year, else []."""
    years = calendar.uncovered_years(*instants)
    return [gap_message(years)] if years else []


def case_warnings(centre: Centre, now: datetime, cases: Iterable[Case]) -> list[str]:
    """The warning for cases whose running working-time deadline or countdown (from ``now``, or
    from the suspension) spans an uncovered year; [] when none does.  A natural-time 处置
    stage counts wall-clock time: holidays do not move it."""
    cal = centre.calendar
    years: set[int] = set()
    for case in cases:
        if case.stage_deadline is None or (case.natural_time and case.stage == Stage.HANDLE.value):
            continue
        since = case.suspended_at if case.suspended_at is not None else now
        years.update(cal.uncovered_years(since, case.stage_deadline))
    return [gap_message(sorted(years))] if years else []


def longest_limits(centre: Centre) -> tuple[int, int]:
    """(working, natural) minutes of the longest limit any stage or category sets."""
    config = centre.ref.config
    working = max(config.stage_limits.values(), default=0)
    natural = 0
    for category in centre.ref.categories.values():
        longest = max(category.limits.values(), default=0)
        if category.natural_time:
            natural = max(natural, longest)
        else:
            working = max(working, longest)
    return working, natural


def horizon_gaps(centre: Centre, now: datetime,
                 deadlines: Iterable[datetime] = ()) -> tuple[int, ...]:
    """Uncovered years a deadline set now can reach, or one of ``deadlines`` does.

    A desk in December 2026 files cases whose deadlines fall in January 2027 long before the
    year begins, so the horizon is the longest limit the centre sets, counted from ``now``
    (plus any running deadlines that reach further: an extension).
    """
    cal = centre.calendar
    working, natural = longest_limits(centre)
    ends = [now, *deadlines]
    try:
        ends.append(cal.add(now, working))
        ends.append(cal.add_natural(now, natural))
    except CalendarRangeError:
        pass  # beyond the calendar's span the arithmetic itself refuses, with its own error
    return cal.uncovered_years(*ends)


# -- importing a year ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class YearImport:
    """What :func:`import_year` stored.

    Attributes
    ----------
    year : int
        The year now known.
    days : tuple of CalendarDay
        The flags as stored (administrator overrides), by date.
    changed : int
        Rows written (0 when the same import was made before).
    removed : tuple of date
        Dates a previous import of the year had flagged and this one does not (their
        package flag, if any, applies again).
    running : int
        Open cases whose running working-time deadline falls in the year.  A deadline is
        fixed when its stage begins (as after any calendar change), so these were counted
        Monday to Friday; the stages that begin from now on follow the imported days.
    """

    year: int
    days: tuple[CalendarDay, ...]
    changed: int
    removed: tuple[date, ...] = ()
    running: int = 0

    @property
    def notes(self) -> tuple[str, ...]:
        """What the administrator should know beyond the count (Chinese / English)."""
        if not self.running:
            return ()
        return (f"{self.running} 件在办案件的当前期限落在 {self.year} 年，是导入前按周一至周五计算的"
                "（期限在环节开始时确定）；此后开始的环节按导入的安排计时 / "
                f"{self.running} open cases have a deadline in {self.year} counted Monday to "
                "Friday before the import; stages that begin from now on follow it",)


def import_notice(uow_factory: UowFactory, centre: Centre, actor: Actor,
                  notice: HolidayNotice) -> YearImport:
    """Store a parsed State Council notice (see :func:`import_year`)."""
    return import_year(uow_factory, centre, actor, notice.year, notice.calendar_days())


def import_year(uow_factory: UowFactory, centre: Centre, actor: Actor, year: int,
                days: Iterable[CalendarDay]) -> YearImport:
    """Make ``days`` the statutory arrangement of ``year``, as an administrator's overrides.

    Every flag is checked before anything is written (a date outside the year or the
    calendar, a date given as both a day off and a workday, an empty list); then, in one
    transaction, the flags of an earlier import of the same year that this one drops are
    removed, the new ones written and the year listed as imported.

    Raises
    ------
    PermissionDeniedError
        The actor is not an administrator.
    ValidationError
        Bad input; nothing is written.
    """
    require_admin(actor)
    cal = centre.calendar
    if not cal.first_year <= year <= cal.last_year:
        raise ValidationError(
            f"{year} 年超出工作日历范围（{cal.first_year}–{cal.last_year} 年）/ "
            f"{year} is outside the work calendar ({cal.first_year}–{cal.last_year})")
    checked = check_year_days(year, days)
    for row in checked:
        if not cal.first_year <= row.day.year <= cal.last_year:
            raise ValidationError(
                f"日期 {row.day.isoformat()} 超出工作日历范围 / date outside the work calendar")
    rows = tuple(CalendarDay(r.day, r.workday, ADMIN_SOURCE, _note(r, year)) for r in checked)
    wanted = {r.day for r in rows}
    with uow_factory() as uow:
        stored = uow.reference.load().calendar_days
        stale = sorted(d.day for d in stored if d.source == ADMIN_SOURCE
                       and is_import_note(d.note, year) and d.day not in wanted)
        for day in stale:
            uow.reference.delete_calendar_day(day)
        # A dropped date goes back to the package's flag, as when an override is removed.
        back = [d for d in statutory_days({day.year for day in stale}) if d.day in set(stale)]
        if back:
            uow.reference.upsert_calendar_days(back)
        changed = uow.reference.upsert_calendar_days(rows)
        uow.reference.mark_edited(IMPORTED_YEARS, [str(year)])
        record(uow, actor, "calendar-import", "calendar", str(year),
               {"days": [[r.day, r.workday, r.note] for r in rows], "removed": stale})
        start = datetime.combine(min(wanted | {date(year, 1, 1)}), time(0), cal.tz)
        end = datetime.combine(date(year + 1, 1, 1), time(0), cal.tz)
        running = sum(1 for *_key, natural in uow.queues.due_between(OPEN_STATES, start, end)
                      if not natural)
        uow.commit()
    return YearImport(year, rows, changed, tuple(stale), running)


def _note(row: CalendarDay, year: int) -> str:
    if is_import_note(row.note, year):
        return row.note
    text = row.note.strip() or ("调休上班" if row.workday else "法定节假日")
    return import_note(text[:150], year)


# -- day lists -----------------------------------------------------------------------------------


def decode_text(data: bytes, name: str = "") -> str:
    """File bytes as text: UTF-8 (with or without a BOM), else GB18030 (a Chinese Windows
    editor's default for a notice saved as .txt)."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(f"文件 {name} 过大（上限 1 MB）/ file too large")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(f"文件 {name} 不是 UTF-8 或 GB18030 文本 / not a text file")


def read_day_list(text: str, kind: str, year: int | None = None,
                  name: str = "") -> tuple[int, list[CalendarDay]]:
    """A year's flags from a YAML or CSV day list; returns (year, flags).

    YAML: ``year: 2027`` and ``days:`` entries ``{date: 2027-01-01, workday: false, note: 元旦}``
    (the format of ``calendar.yaml``).  CSV: a header ``date,workday,note`` (note optional),
    workday as true/false, 1/0, 上班/休息.  The year is ``year``, else the file's ``year:``,
    else the one year every date falls in; a file that names another year than ``year`` is
    refused.  The flags come back as they will be stored (notes marked with the year, an
    empty one named 法定节假日 / 调休上班).
    """
    if kind == "yaml":
        stated, entries = _yaml_entries(text, name)
    elif kind == "csv":
        stated, entries = None, _csv_entries(text, name)
    else:
        raise ValidationError(f"未知的格式 {kind!r}（yaml / csv）/ unknown format")
    if stated is not None and year is not None and stated != year:
        raise ValidationError(f"{name} 写的是 {stated} 年，不是 {year} 年（年份不符）/ "
                              f"the file is for {stated}, not {year}")
    days = [_entry_day(where, raw, flag, note, name) for where, raw, flag, note in entries]
    if not days:
        raise ValidationError(f"{name} 没有任何日期 / no dates in the file")
    chosen = year if year is not None else stated
    if chosen is None:
        years = {d.day.year for d in days}
        if len(years) != 1:
            raise ValidationError(f"{name} 的日期跨 {len(years)} 个年份：请指定年份 / "
                                  "the dates span several years: give the year")
        chosen = years.pop()
    # Notes as they will be stored, so the preview shows what is saved.
    return chosen, [CalendarDay(d.day, d.workday, ADMIN_SOURCE, _note(d, chosen))
                    for d in check_year_days(chosen, days)]


class _DayListLoader(yaml.SafeLoader):
    """Safe YAML without timestamps (a date stays text, so ``2027-02-30`` is refused by its
    entry, not by the parser) and without aliases (a day list needs none; an alias bomb is
    refused before it expands)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed", None)
        return super().compose_node(parent, index)


_DayListLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml_entries(text: str, name: str) -> tuple[int | None, list[tuple[str, Any, Any, Any]]]:
    try:
        doc = yaml.load(text, Loader=_DayListLoader)  # a SafeLoader, see above
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise ValidationError(f"{name} {where}不是有效的 YAML / invalid YAML") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("days"), list):
        raise ValidationError(f"{name} 应有 days: 列表（每项 date、workday、note）/ "
                              "expected a 'days:' list")
    stated = doc.get("year")
    if stated is not None and (isinstance(stated, bool) or not isinstance(stated, int)):
        raise ValidationError(f"{name} 的 year 应为四位年份 / year must be a number")
    out = []
    for i, entry in enumerate(doc["days"], start=1):
        if not isinstance(entry, dict):
            raise ValidationError(f"{name} days 第 {i} 项应为 {{date, workday, note}} / "
                                  f"entry {i} must be a mapping")
        out.append((f"days 第 {i} 项", entry.get("date"), entry.get("workday"), entry.get("note")))
    return stated, out


def _csv_entries(text: str, name: str) -> list[tuple[str, Any, Any, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "date" not in fields or "workday" not in fields:
        raise ValidationError(f"{name} 首行应为 date,workday,note / header must be "
                              "date,workday,note")
    out = []
    for i, row in enumerate(reader, start=2):
        values = {(k or "").strip().lower(): v for k, v in row.items()}
        if not any((v or "").strip() for v in values.values() if isinstance(v, str)):
            continue  # a blank line
        out.append((f"第 {i} 行", values.get("date"), values.get("workday"), values.get("note")))
    return out


def _entry_day(where: str, raw: Any, flag: Any, note: Any, name: str) -> CalendarDay:
    try:
        day = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationError(f"{name} {where}：日期 {raw!r} 无效（应为 YYYY-MM-DD）/ "
                              "invalid date") from None
    if isinstance(day, datetime):
        day = day.date()
    if isinstance(flag, bool):
        workday = flag
    elif str(flag).strip().lower() in _TRUE:
        workday = True
    elif str(flag).strip().lower() in _FALSE:
        workday = False
    else:
        raise ValidationError(f"{name} {where}：workday {flag!r} 应为 true/false（上班/休息）/ "
                              "workday must be true or false")
    text = "" if note is None else str(note).strip()
    if len(text) > 100:
        raise ValidationError(f"{name} {where}：说明过长 / note too long")
    return CalendarDay(day, workday, ADMIN_SOURCE, text)
