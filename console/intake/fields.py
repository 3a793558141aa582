"""Tolerant readers of single values from other systems: text, ids, instants, coordinates.

Every reader returns None (or raises :class:`FieldError` with a message for the operator)
instead of letting a stray value through: real servers send ids as numbers or text, pad
values with whitespace, and leave optional fields out or empty.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, time, timedelta, timezone, tzinfo
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_FIELD = 4000  # GeoReport's description limit; longer text is cut, not refused


class FieldError(ValueError):
    """A value that cannot be read; ``message`` says which and why (Chinese / English)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def text(value: Any, limit: int = MAX_FIELD) -> str:
    """A value as trimmed text without control characters ("" for None and containers)."""
    if value is None or isinstance(value, dict | list | tuple):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet's 10023.0 is the id 10023
    raw = str(value).replace("\r\n", "\n")
    cleaned = _CONTROL.sub("", raw).encode("utf-8", "replace").decode("utf-8").strip()
    return cleaned[:limit]


def identifier(value: Any, name: str = "id", limit: int = 128) -> str:
    """An id given as text or a number; FieldError when missing or unusable."""
    if isinstance(value, bool):
        raise FieldError(f"{name} 不是有效的编号 / {name} is not an id")
    if isinstance(value, float) and not math.isfinite(value):
        raise FieldError(f"{name} 不是有效的编号 / {name} is not an id")
    found = text(value, limit + 1)
    if not found:
        raise FieldError(f"缺少 {name} / missing {name}")
    if len(found) > limit:
        raise FieldError(f"{name} 过长（上限 {limit} 字）/ {name} too long")
    return found


def number(value: Any, name: str, low: float, high: float) -> float | None:
    """A finite number within [low, high], None when absent; FieldError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise FieldError(f"{name} 不是数字 / {name} is not a number")
    try:
        found = float(text(value, 64) if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise FieldError(f"{name} 不是数字：{text(value, 40)!r} / {name} is not a number") from None
    if not math.isfinite(found) or not low <= found <= high:
        raise FieldError(f"{name} {found} 超出范围 / {name} out of range")
    return found


_SPACE_T = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(.*)$")


def instant(value: Any, name: str, default_tz: tzinfo | None = None) -> datetime | None:
    """An ISO-8601 instant (``Z`` or an offset); None when absent.

    A value without an offset is refused unless ``default_tz`` says which zone such values are
    in (spreadsheets of a Chinese centre write local time).  A spreadsheet cell may hold a
    ``datetime`` already.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        found = value
    else:
        raw = text(value, 64)
        if not raw:
            return None
        raw = raw.replace("/", "-")
        match = _SPACE_T.match(raw)
        if match:
            day, clock, rest = match.groups()
            parts = day.split("-")
            raw = f"{parts[0]}-{int(parts[1]):02d}-{int(parts[2]):02d}T{clock.zfill(5)}{rest.strip()}"
        if raw.endswith(("Z", "z")):
            raw = raw[:-1] + "+00:00"
        try:
            found = datetime.fromisoformat(raw)
        except ValueError:
            raise FieldError(f"{name} 不是 ISO-8601 时间：{text(value, 40)!r} / not an instant") from None
    if found.tzinfo is None:
        if default_tz is None:
            raise FieldError(f"{name} 缺少时区偏移 / {name} has no UTC offset")
        found = found.replace(tzinfo=default_tz)
    if not 1990 <= found.year <= 2200:
        raise FieldError(f"{name} 年份 {found.year} 不合理 / {name} year out of range")
    return found


def fixed_zone(minutes: int) -> tzinfo:
    """A fixed UTC offset (for tests and for files that state their offset)."""
    return timezone(timedelta(minutes=minutes))


def excel_day(value: Any) -> datetime | None:
    """A spreadsheet date without a time (``date`` cells) as midnight, else None."""
    if hasattr(value, "year") and not isinstance(value, datetime):
        return datetime.combine(value, time())
    return None
