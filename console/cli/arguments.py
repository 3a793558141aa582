"""Arguments the command line refuses before any work: ids, counts, undecodable bytes.

A shell hands Python bytes.  Python decodes ``sys.argv`` with the locale's encoding and keeps
bytes it cannot decode as lone surrogates (PEP 383, ``surrogateescape``), so a GBK terminal
talking to a UTF-8 locale yields text that no database, JSON encoder or strict terminal will
take.  A file name may legitimately hold such bytes (the file system stores bytes, and Python
opens the path as given), so only the options that name files keep them; every other text
option is refused here with one line naming it.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator
from typing import Any

#: The largest id a row can carry: PostgreSQL BIGINT and SQLite INTEGER are signed 64-bit.
MAX_ID = 2**63 - 1

#: The most rows a listing prints (``--limit``).
MAX_ROWS = 1_000_000

#: Namespace attributes that name files: their undecodable bytes are the file's real name.
PATH_OPTIONS = frozenset({"photo", "out", "file", "mapping", "resources", "folder", "config"})


def record_id(text: str) -> int:
    """``argparse`` type of a stored row's id: ASCII digits, 1 to :data:`MAX_ID`.

    ``str.isdigit`` is true of ``'²³'`` (which ``int()`` refuses) and ``int()`` takes any
    length, which the database then refuses with an overflow deep inside a query.
    """
    raw = text.strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_ID:
        raise argparse.ArgumentTypeError(f"编号 {shorten(text)!r} 应为正整数 / not a record id")
    return int(raw)


def bounded_count(high: int) -> Any:
    """``argparse`` type of a row count from 1 to ``high`` (``--limit``)."""

    def parse(text: str) -> int:
        raw = text.strip()
        if not (raw.isascii() and raw.lstrip("-").isdigit()) or not 1 <= int(raw) <= high:
            raise argparse.ArgumentTypeError(
                f"{shorten(text)!r} 应为 1 到 {high} 之间的整数 / a whole number from 1 to {high}")
        return int(raw)

    parse.__name__ = "count"  # argparse names the type in its fallback message
    return parse


def seconds(low: float, high: float) -> Any:
    """``argparse`` type of a duration in seconds from ``low`` to ``high`` (``--timeout``).

    ``float()`` takes ``nan`` and ``1e308``, which the HTTP library or the clock then refuse
    with an exception of their own.
    """

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not low <= value <= high:  # also false for NaN
            raise argparse.ArgumentTypeError(
                f"{shorten(text)!r} 应为 {low:g} 到 {high:g} 之间的秒数 / seconds from {low:g} "
                f"to {high:g}")
        return value

    parse.__name__ = "seconds"
    return parse


def has_undecodable(text: str) -> bool:
    """True when ``text`` carries bytes the locale could not decode (lone surrogates)."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def option_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Each destination of the whole command tree and how a user types it (``--desc``, ``ID``)."""
    names: dict[str, str] = {}
    stack = [parser]
    while stack:
        current = stack.pop()
        for action in current._actions:  # argparse keeps no public list of them
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
            elif action.dest not in names:
                names[action.dest] = (max(action.option_strings, key=len) if action.option_strings
                                      else str(action.metavar or action.dest))
    return names


def undecodable_option(args: argparse.Namespace, names: dict[str, str]) -> str | None:
    """The one-line refusal for the first text option holding undecodable bytes, or None.

    ``names`` maps destinations to what the user typed (:func:`option_names`).
    """
    for dest, value in sorted(vars(args).items()):
        if dest in PATH_OPTIONS or dest.startswith("_"):
            continue
        for text in _texts(value):
            if has_undecodable(text):
                name = names.get(dest, dest)
                guess = _gbk_reading(text.encode("utf-8", "surrogateescape"))
                hint = f"（按 GBK 读作「{guess}」）" if guess else ""
                return (f"参数 {name} 含有不是 UTF-8 的字节{hint}：请把终端编码设为 UTF-8 / "
                        f"{name} is not UTF-8: set the terminal to UTF-8")
    return None


def _gbk_reading(raw: bytes) -> str | None:
    # Only a hint for the operator: the text is refused either way, never guessed into data.
    try:
        return shorten(raw.decode("gb18030"), 20)
    except UnicodeDecodeError:
        return None


def printable(text: str) -> str:
    """``text`` with undecodable bytes shown as U+FFFD: safe to print, store or encode."""
    if not has_undecodable(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def shorten(text: str, limit: int = 80) -> str:
    """At most ``limit`` characters of ``text`` for a message (its start and its end)."""
    text = printable(text)
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    return text[:head] + "…" + text[-(limit - head - 1):]
