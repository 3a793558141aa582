"""Dates and times as other systems write them: the recognised forms, a column's form, DST.

A centre's export writes its times in its own way: ``2016-10-31 23:07`` (ISO 8601, what
CityDesk writes), ``2016/10/31 23:07`` and ``2016年10月31日 23时07分`` (Chinese systems),
``10/31/2016 11:07:15 PM`` (US 311 systems).  All of them are recognised without a word in
the mapping; a mapping's ``formats:`` names a column's form (strftime) where they are not.

``03/04/2016`` is March 4th in a US export and April 3rd in a British one.  The day order of
a column is decided **once for the whole column** (:func:`decide_column`), never per row: by
the mapping (``formats:`` or ``date_order:``), else by the column's own values — a value whose
first number is above 12 can only be day-first, one whose second number is, month-first —
else by the file's other date-time columns (one system wrote them all: a due-date column whose
days all happen to be 12 or less reads as the created-date column does).  A column that says
both orders, or a file whose values never decide and whose mapping says nothing, refuses the
import with one line before anything is read.

A time without an offset is in the mapping's zone.  A local time the zone skips (a spring-
forward gap) is refused; one it repeats (an autumn fold) is refused unless the mapping's
``ambiguous_times:`` says which of the two it means (:func:`localize`).  Every instant comes
out in UTC, so the order checks compare instants, never wall-clock readings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from console.domain.errors import ValidationError
from console.intake.fields import FieldError, text

#: The fields a mapping may give a date-time column for.
TIME_FIELDS = ("reported_at", "dispatched_at", "due_at", "handled_at", "closed_at")
#: Day orders of ``NN/NN/YYYY`` values: month first (US) or day first.
ORDERS = ("MDY", "DMY")
#: What an autumn-fold local time (it happens twice) is taken to mean.
FOLDS = ("refuse", "earlier", "later")
MIN_YEAR, MAX_YEAR = 1990, 2200

_AMPM = r"(?:[AaPp]\.?[Mm]\.?|上午|下午)"
_CLOCK = (rf"(?:(?P<ap1>{_AMPM})\s*)?(?P<h>\d{{1,2}}):(?P<mi>\d{{2}})"
          rf"(?::(?P<s>\d{{2}})(?:[.,](?P<f>\d{{1,6}}))?)?(?:\s*(?P<ap2>{_AMPM}))?")
_ZONE = r"(?:\s*(?P<z>[Zz]|[+-]\d{2}(?::?\d{2})?))?"
_YMD = re.compile(rf"(?P<y>\d{{4}})(?P<ds>[-/.])(?P<a>\d{{1,2}})(?P=ds)(?P<b>\d{{1,2}})"
                  rf"(?:(?P<ts>T|\s+){_CLOCK})?{_ZONE}")
_NUM = re.compile(rf"(?P<a>\d{{1,2}})(?P<ds>[-/.])(?P<b>\d{{1,2}})(?P=ds)(?P<y>\d{{4}})"
                  rf"(?:(?P<ts>T|\s+){_CLOCK})?{_ZONE}")
_CN = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<a>\d{1,2})\s*月\s*(?P<b>\d{1,2})\s*[日号]"
                 r"(?:(?P<ts>\s*)(?P<ap1>上午|下午)?\s*(?P<h>\d{1,2})\s*(?P<hs>[时点:：])\s*"
                 r"(?P<mi>\d{1,2})\s*分?(?:\s*[:：]?\s*(?P<s>\d{1,2})\s*秒?)?)?")
_AMPM_RE = re.compile(_AMPM)


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a value looks like: its date form, the orders it allows, and its clock."""

    kind: str  # "ymd", "num" (NN/NN/YYYY) or "cn"
    match: re.Match[str]
    orders: frozenset[str]  # for "num": the day orders that give a real date

    def label(self, order: str | None) -> str:
        """The strftime form of the value, read in ``order``."""
        m = self.match
        ds = m.group("ds") if self.kind != "cn" else ""
        if self.kind == "ymd":
            date = f"%Y{ds}%m{ds}%d"
        elif self.kind == "cn":
            date = "%Y年%m月%d日"
        else:
            date = f"%m{ds}%d{ds}%Y" if order == "MDY" else f"%d{ds}%m{ds}%Y"
        if m.group("h") is None:
            return date + self._zone()
        groups = m.groupdict()
        twelve = bool(groups.get("ap1") or groups.get("ap2"))
        hour = "%I" if twelve else "%H"
        if self.kind == "cn" and m.group("hs") not in (":", "："):
            clock = f"{hour}时%M分" + ("%S秒" if m.group("s") else "")
        else:
            clock = f"{hour}:%M" + (":%S" if m.group("s") else "")
            clock += ".%f" if groups.get("f") else ""
        if groups.get("ap1"):
            clock = "%p " + clock
        if groups.get("ap2"):
            clock += " %p"
        sep = "T" if m.group("ts") == "T" else (" " if m.group("ts") else "")
        return f"{date}{sep}{clock}{self._zone()}"

    def _zone(self) -> str:
        return "%z" if self.match.groupdict().get("z") else ""


def _normal(value: str) -> str:
    return " ".join(value.split())


def _shape(value: str) -> _Shape | None:
    for kind, pattern in (("ymd", _YMD), ("num", _NUM), ("cn", _CN)):
        m = pattern.fullmatch(value)
        if m is None:
            continue
        orders: frozenset[str] = frozenset()
        if kind == "num":
            a, b = int(m.group("a")), int(m.group("b"))
            orders = frozenset(o for o, (mo, d) in (("MDY", (a, b)), ("DMY", (b, a)))
                               if 1 <= mo <= 12 and 1 <= d <= 31)
        return _Shape(kind, m, orders)
    return None


def _pm(token: str | None) -> bool | None:
    if not token:
        return None
    return token == "下午" or token[:1] in "Pp"


def _build(shape: _Shape, order: str | None) -> datetime:
    """The datetime a recognised value means (aware when it carries an offset)."""
    m = shape.match
    year = int(m.group("y"))
    a, b = int(m.group("a")), int(m.group("b"))
    month, day = (b, a) if shape.kind == "num" and order == "DMY" else (a, b)
    hour = minute = second = micro = 0
    if m.group("h") is not None:
        groups = m.groupdict()
        hour, minute = int(m.group("h")), int(m.group("mi"))
        second = int(m.group("s") or 0)
        micro = int((groups.get("f") or "0").ljust(6, "0"))
        pm = _pm(groups.get("ap1") or groups.get("ap2"))
        if pm is not None:
            if not 1 <= hour <= 12:
                raise ValueError("12-hour clock")
            hour = hour % 12 + (12 if pm else 0)
    found = datetime(year, month, day, hour, minute, second, micro)
    zone = m.groupdict().get("z")
    if zone:
        found = found.replace(tzinfo=_offset(zone))
    return found


def _offset(zone: str) -> tzinfo:
    if zone in ("Z", "z"):
        return UTC
    digits = zone[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    if minutes >= 24 * 60:
        raise ValueError("offset")
    return timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes))


def parse_with(value: str, fmt: str) -> datetime:
    """``value`` read by the strftime ``fmt``; ValueError when it does not fit.

    ``%p`` is read here (AM/PM, a.m./p.m., 上午/下午) rather than by ``strptime``, whose AM/PM
    follow the process's locale (a Chinese desk's Qt sets it to zh_CN).
    """
    raw, pattern = value, fmt
    pm: bool | None = None
    if "%p" in fmt:
        token = _AMPM_RE.search(raw)
        if token is None:
            raise ValueError("no AM/PM")
        pm = _pm(token.group())
        raw = raw[:token.start()] + " " + raw[token.end():]
        pattern = fmt.replace("%p", " ").replace("%I", "%H")
    found = datetime.strptime(_normal(raw), _normal(pattern))
    if pm is not None:
        if not 1 <= found.hour <= 12:
            raise ValueError("12-hour clock")
        found = found.replace(hour=found.hour % 12 + (12 if pm else 0))
    return found


def check_format(fmt: str, where: str) -> str:
    """A mapping's strftime format, checked: it must read back what it writes."""
    sample = datetime(2016, 10, 31, 23, 7, 15)
    try:
        back = parse_with(sample.strftime(fmt), fmt)
    except (ValueError, TypeError):
        back = None
    if back is None or back.date() != sample.date() or "%" not in fmt:
        raise ValidationError(f"{where}：{fmt!r} 不是可用的日期格式（strftime，如 "
                              "\"%m/%d/%Y %I:%M:%S %p\"，须含年月日）/ not a usable date format")
    return fmt


def read_local(value: Any, name: str, order: str | None = None, fmt: str | None = None
               ) -> datetime | None:
    """A cell as a datetime (naive, or aware when it states an offset); None when empty.

    ``fmt`` (the mapping's) reads every value; otherwise the recognised forms do, a
    ``NN/NN/YYYY`` value in the column's ``order`` (``MDY`` / ``DMY``; None: only a value
    whose order is plain from itself).  FieldError names the value and what was expected.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    raw = _normal(text(value, 64))
    if not raw:
        return None
    shown = text(value, 40)
    if fmt is not None:
        try:
            found = parse_with(raw, fmt)
        except ValueError:
            raise FieldError(f"{name} {shown!r} 不符合映射文件的格式 {fmt} / does not match "
                             "the column's format") from None
        return _year(found, name)
    shape = _shape(raw)
    if shape is None:
        raise FieldError(f"{name} 不是可识别的日期时间：{shown!r}（可在映射文件 formats 中写明格式）"
                         " / not a recognised date and time")
    if shape.kind == "num":
        use = order or (next(iter(shape.orders)) if len(shape.orders) == 1 else None)
        if use is None:
            raise FieldError(f"{name} {shown!r} 可读作月/日/年或日/月/年，须在映射文件写 date_order"
                             " / ambiguous day order")
        if use not in shape.orders:
            words = "月/日/年" if use == "MDY" else "日/月/年"
            raise FieldError(f"{name} {shown!r} 不是{words}（date_order: {use}）"
                             " / not in the column's day order")
        order = use
    try:
        found = _build(shape, order)
    except ValueError:
        raise FieldError(f"{name} 不是有效的日期时间：{shown!r} / not a valid date and time") from None
    return _year(found, name)


def _year(found: datetime, name: str) -> datetime:
    if not MIN_YEAR <= found.year <= MAX_YEAR:
        raise FieldError(f"{name} 年份 {found.year} 不合理 / {name} year out of range")
    return found


def localize(found: datetime, zone: tzinfo | None, name: str, fold: str = "refuse") -> datetime:
    """``found`` as a UTC instant; a time without an offset is read in ``zone``.

    A wall-clock time ``zone`` skips (DST starts: New York has no 2016-03-13 02:30) is refused;
    one it repeats (DST ends: 2016-11-06 01:30 happens at -04:00 and again at -05:00) is
    refused unless ``fold`` is ``earlier`` or ``later``.  FieldError says which and why.
    """
    if found.tzinfo is not None:
        return found.astimezone(UTC)
    if zone is None:
        raise FieldError(f"{name} 缺少时区偏移 / {name} has no UTC offset")
    first, second = found.replace(tzinfo=zone, fold=0), found.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    key = getattr(zone, "key", str(zone))
    shown = f"{found:%Y-%m-%d %H:%M}"
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != found:
        raise FieldError(f"{name} {shown} 在 {key} 不存在（夏令时开始，时钟拨快跳过了这段时间）"
                         " / nonexistent local time (DST gap)")
    if fold == "refuse":
        a, b = _utc_offset(first), _utc_offset(second)
        raise FieldError(f"{name} {shown} 在 {key} 出现两次（夏令时结束：UTC{a} 或 UTC{b}），"
                         "映射文件 ambiguous_times: earlier 或 later 可指定 / ambiguous local time "
                         "(DST fold)")
    return (first if fold == "earlier" else second).astimezone(UTC)


def _utc_offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass(frozen=True, slots=True)
class DateColumn:
    """How one date-time column of a file is read, as a dry run reports it.

    Attributes
    ----------
    field : str
        The CityDesk field (``reported_at`` …).
    column : str
        The file's heading.
    order : str or None
        ``MDY`` / ``DMY`` for ``NN/NN/YYYY`` values; None when the column has none.
    decided_by : str
        ``format`` (the mapping's strftime), ``mapping`` (``date_order``), ``values`` (the
        column's own values), ``file`` (the file's other date-time columns) or ``""`` (no
        day-month-year values to decide).
    forms : tuple of (str, int)
        The strftime forms the values are written in, with how many, the most used first.
    """

    field: str
    column: str
    order: str | None
    decided_by: str
    forms: tuple[tuple[str, int], ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON form (the dry run's ``date_formats``)."""
        return {"column": self.column, "formats": [f for f, _n in self.forms],
                "counts": [n for _f, n in self.forms], "order": self.order,
                "decided_by": self.decided_by}


@dataclass(frozen=True, slots=True)
class Survey:
    """What a column's values say about its form, before anything is decided."""

    shapes: tuple[_Shape, ...]
    plain: Mapping[str, str]  # day order -> a value that can only be read in it
    open_example: str | None  # a value both day orders read
    unknown: str | None  # a value of no recognised form
    cells: int  # non-empty values

    @property
    def order(self) -> str | None:
        """The one day order the values need, if they need exactly one."""
        return next(iter(self.plain)) if len(self.plain) == 1 else None


def survey(values: Iterable[Any]) -> Survey:
    """Look at every value of a column once (see :func:`decide_column`)."""
    shapes: list[_Shape] = []
    plain: dict[str, str] = {}
    open_example = unknown = None
    cells = 0
    for cell in values:
        raw = _normal(text(cell, 64)) if cell is not None else ""
        if not raw:
            continue
        cells += 1
        shape = _shape(raw)
        if shape is None:
            unknown = unknown or raw
            continue
        shapes.append(shape)
        if shape.kind == "num":
            if len(shape.orders) == 1:
                plain.setdefault(next(iter(shape.orders)), raw)
            elif len(shape.orders) == 2:
                open_example = open_example or raw
    return Survey(tuple(shapes), plain, open_example, unknown, cells)


def decide_column(field: str, column: str, seen: Survey, fmt: str | None,
                  date_order: str | None, file_order: str | None = None) -> DateColumn:
    """Decide how a column's values are read; ValidationError (one line) when they cannot be.

    The day order of ``NN/NN/YYYY`` values comes from, in turn: the mapping's ``formats``
    for the column, the mapping's ``date_order``, the column's own values (a first number
    above 12: day first; a second: month first; both in one column: refused), the file's
    other date-time columns (``file_order``: the one order they decided), else the import is
    refused naming a value that reads both ways.
    """
    if fmt is not None:
        return DateColumn(field, column, None, "format", ((fmt, seen.cells),))
    if seen.cells and not seen.shapes:
        raise ValidationError(f"列「{column}」的值不是可识别的日期时间，如 {seen.unknown!r}；请在映射"
                              f"文件 formats 中写明 {field} 的格式 / unrecognised date format")
    if len(seen.plain) == 2:
        raise ValidationError(f"列「{column}」既有月在前的 {seen.plain['MDY']!r} 又有日在前的 "
                              f"{seen.plain['DMY']!r}，无法统一读取 / the column mixes day orders")
    order, by = None, ""
    if date_order is not None:
        order, by = date_order, "mapping"
    elif seen.order is not None:
        order, by = seen.order, "values"
    elif seen.open_example is not None and file_order is not None:
        order, by = file_order, "file"
    elif seen.open_example is not None:
        raise ValidationError(f"列「{column}」的 {seen.open_example!r} 可读作月/日/年或日/月/年，文件中"
                              "没有能区分的值；请在映射文件写 date_order: MDY（美式）或 DMY / "
                              "ambiguous day order")
    counted = Counter(s.label(order) for s in seen.shapes)
    forms = tuple(sorted(counted.items(), key=lambda item: (-item[1], item[0])))
    return DateColumn(field, column, order, by, forms)
