"""One entry of a reference file and its typed fields, each refused with file, entry, line, field.

The loaders ask an :class:`Entry` for ``text``, ``integer``, ``number``, ``flag`` … instead of
calling ``str()``, ``int()`` or ``bool()`` on whatever YAML produced: those accept far too much
(``bool("false")`` is True, ``int(True)`` is 1, ``str([…])`` is a name, ``float("nan")`` is a
number that makes every comparison false), and a refusal has to say where the value is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NoReturn

from console.domain.errors import ValidationError

#: Column sizes of the database (db/tables.py): a longer value would be refused mid-write on
#: PostgreSQL, after the schema was made.
CODE, NAME, STATE = 64, 200, 32
#: Free text (duties, routing basis, conditions, notes): generous, but bounded.
LONG = 20_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_BREAK = re.compile(r"[\r\n\t\u2028\u2029\x85]")


def show(value: Any, limit: int = 40) -> str:
    """A short rendering of a value for a message (never the whole of a huge one)."""
    if isinstance(value, Mapping):
        return "映射 / mapping"
    if isinstance(value, list | tuple | set):
        return "列表 / list"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: Any) -> tuple[str, str]:
    """What ``value`` is, in Chinese and in English."""
    if isinstance(value, bool):
        return "布尔值", "a boolean"
    if isinstance(value, int | float):
        return "数字", "a number"
    if isinstance(value, Mapping):
        return "映射", "a mapping"
    if isinstance(value, list | tuple | set):
        return "列表", "a list"
    return show(value), show(value)


@dataclass(frozen=True)
class Entry:
    """An entry (a YAML list item, a CSV row, a GeoJSON feature, a whole settings file).

    Parameters
    ----------
    file : str
        The file's name, as messages show it.
    index : int or None
        The entry's number (YAML, GeoJSON) or its line (CSV); None for a file that is one
        mapping (centre.yaml).
    data : Mapping
        The entry's fields.
    unit : str
        How ``index`` counts: ``项`` (entries), ``行`` (CSV lines), ``个要素`` (features).
    prefix : str
        For a mapping inside an entry (a filing condition): ``filing_conditions[2].``.
    """

    file: str
    index: int | None
    data: Mapping[str, Any]
    unit: str = "项"
    prefix: str = ""

    class Map(dict[str, Any]):
        """A YAML mapping that remembers the line it starts on and each key's line."""

        line: int | None = None
        lines: Mapping[Any, int] = MappingProxyType({})

    # ------------------------------------------------------------------ where

    def where(self, field: str | None = None) -> str:
        """``units.yaml 第 3 项（第 45 行）字段 parent`` — as precise as the file allows."""
        name = f"{self.prefix}{field}" if field else self.prefix.rstrip(".")
        if not name.isprintable() or len(name) > 60:  # an unknown key is anything at all
            name = show(name, 60)
        head = f"{self.file} {self._position(self._line(field))}".rstrip()
        if not name:
            return head
        return f"{head}字段 {name}" if head.endswith("）") else f"{head} 字段 {name}"

    def _position(self, line: int | None) -> str:
        if self.index is None:
            return "" if line is None else f"第 {line} 行"
        if line is None or self.unit == "行":
            return f"第 {self.index} {self.unit}"
        return f"第 {self.index} {self.unit}（第 {line} 行）"

    def _line(self, field: str | None) -> int | None:
        """The line of ``field`` (``limits.一般性`` walks into the nested mapping), else of the
        entry; None when the data carries no lines (CSV, JSON)."""
        current: Any = self.data
        line = current.line if isinstance(current, Entry.Map) else None
        for part in re.split(r"[.\[]", field or ""):
            if not isinstance(current, Entry.Map) or part not in current.lines:
                break
            line = current.lines[part]
            current = current.get(part)
        return line

    def position(self) -> str:
        """``第 3 项（第 45 行）``, ``第 5 行``, ``第 2 个要素``: the entry without its file."""
        line = self.data.line if isinstance(self.data, Entry.Map) else None
        return self._position(line)

    def fail(self, field: str | None, zh: str, en: str = "") -> NoReturn:
        """Raise the one-line refusal for ``field`` of this entry (``en`` empty: ``zh`` is
        already in both languages)."""
        raise ValidationError(f"{self.where(field)}：{zh}" + (f" / {en}" if en else ""))

    # ------------------------------------------------------------------ fields

    def unknown_keys(self, allowed: frozenset[str]) -> None:
        """Refuse a key the format does not have (a typo would silently keep the default)."""
        for key in self.data:
            if key not in allowed:
                self.fail(str(key), "未知字段（拼写错误？）", "unknown field (a typo?)")

    def raw(self, field: str) -> Any:
        """The value as parsed, None when absent."""
        return self.data.get(field)

    def text(self, field: str, *, limit: int = NAME, required: bool = True,
             multiline: bool = False) -> str:
        """A string field, stripped; refused when not a string, empty (if required) or too long."""
        value = self.data.get(field)
        if value is None or value == "":
            if required:
                self.fail(field, "缺少字段或为空", "missing or empty")
            return ""
        return self.check_text(field, value, limit=limit, multiline=multiline)

    def check_text(self, field: str, value: Any, *, limit: int = NAME,
                   multiline: bool = False) -> str:
        """``value`` as the text of ``field`` (see :meth:`text`)."""
        if not isinstance(value, str):
            hint = "（代码请加引号，如 \"01001\"：不加引号会被读作数字）" if isinstance(
                value, int | float) and not isinstance(value, bool) else ""
            zh, en = _kind(value)
            self.fail(field, f"应为文本，实为{zh}{hint}", f"expected text, got {en}")
        text: str = value.strip()
        if len(text) > limit:
            self.fail(field, f"过长（{len(text)} 字，上限 {limit}）", f"longer than {limit}")
        if _CONTROL.search(text) or (not multiline and _LINE_BREAK.search(text)):
            self.fail(field, "含有控制字符或换行", "contains control characters or line breaks")
        return text

    def code(self, field: str, *, required: bool = True, pattern: str | None = None,
             what: tuple[str, str] = ("有效的代码", "a valid code")) -> str | None:
        """A code (no spaces, at most 64 characters), optionally matching ``pattern``."""
        value = self.text(field, limit=CODE, required=required)
        if not value:
            return None
        return self.check_code(field, value, pattern=pattern, what=what)

    def check_code(self, field: str, value: Any, *, pattern: str | None = None,
                   what: tuple[str, str] = ("有效的代码", "a valid code")) -> str:
        """``value`` as a code of ``field`` (see :meth:`code`)."""
        text = self.check_text(field, value, limit=CODE)
        if not text or any(ch.isspace() for ch in text):
            self.fail(field, f"代码 {show(text)} 不能为空或含空格", "a code has no spaces")
        if pattern is not None and not re.fullmatch(pattern, text):
            self.fail(field, f"{show(text)} 不是{what[0]}", f"{show(text)} is not {what[1]}")
        return text

    def integer(self, field: str, *, low: int, high: int, default: int | None = None) -> int:
        """A whole number from ``low`` to ``high`` (booleans and fractions refused)."""
        value = self.data.get(field)
        if value is None and default is not None:
            return default
        return self.check_integer(field, value, low=low, high=high)

    def check_integer(self, field: str, value: Any, *, low: int, high: int) -> int:
        """``value`` as the whole number of ``field`` (see :meth:`integer`)."""
        if value is None:
            self.fail(field, "缺少字段", "missing")
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, f"应为整数，实为 {show(value)}", f"expected a whole number, got "
                      f"{show(value)}")
        if not low <= value <= high:
            self.fail(field, f"{value} 应在 {low} 到 {high} 之间", f"{value} outside {low}–{high}")
        return value

    def number(self, field: str, *, low: float, high: float, default: float | None = None,
               open_low: bool = False, open_high: bool = False) -> float:
        """A finite number in ``[low, high]`` (an open end excludes the bound)."""
        value = self.data.get(field)
        if value is None and default is not None:
            return default
        return self.check_number(field, value, low=low, high=high, open_low=open_low,
                                 open_high=open_high)

    def check_number(self, field: str, value: Any, *, low: float, high: float,
                     open_low: bool = False, open_high: bool = False) -> float:
        """``value`` as the number of ``field`` (see :meth:`number`); CSV text is parsed."""
        if isinstance(value, str) and self.unit == "行":
            try:
                value = float(value.strip())
            except ValueError:
                self.fail(field, f"{show(value)} 不是数字", f"{show(value)} is not a number")
        if value is None:
            self.fail(field, "缺少字段", "missing")
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(field, f"应为数字，实为 {show(value)}", f"expected a number, got {show(value)}")
        if not math.isfinite(value):
            self.fail(field, f"{value} 不是有限数（NaN/无穷）", f"{value} is not a finite number")
        below = value <= low if open_low else value < low
        above = value >= high if open_high else value > high
        if below or above:
            lo, hi = ("(" if open_low else "["), (")" if open_high else "]")
            self.fail(field, f"{value:g} 应在 {lo}{low:g}, {high:g}{hi} 之内",
                      f"{value:g} outside {lo}{low:g}, {high:g}{hi}")
        return float(value)

    def flag(self, field: str, default: bool) -> bool:
        """``true`` or ``false`` (``"false"`` as text would be True to ``bool()``)."""
        value = self.data.get(field)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(field, f"应为 true 或 false，实为 {show(value)}",
                      f"expected true or false, got {show(value)}")
        return value

    def items(self, field: str, *, required: bool = False) -> list[Any]:
        """A list field ([] when absent and not required)."""
        value = self.data.get(field)
        if value is None:
            if required:
                self.fail(field, "缺少字段", "missing")
            return []
        if not isinstance(value, list):
            zh, en = _kind(value)
            self.fail(field, f"应为列表，实为{zh}", f"expected a list, got {en}")
        return value

    def mapping(self, field: str, *, required: bool = True) -> Mapping[str, Any]:
        """A mapping field ({} when absent and not required)."""
        value = self.data.get(field)
        if value is None and not required:
            return {}
        if not isinstance(value, Mapping):
            zh, en = _kind(value) if value is not None else ("空", "nothing")
            self.fail(field, f"应为映射，实为{zh}", f"expected a mapping, got {en}")
        return value

    def nested(self, field: str, value: Any, number: int) -> Entry:
        """A mapping inside this entry (a filing condition) as an entry for its messages."""
        if not isinstance(value, Mapping):
            self.fail(f"{field}[{number}]", "应为映射", "expected a mapping")
        return Entry(self.file, self.index, value, self.unit, f"{self.prefix}{field}[{number}].")
