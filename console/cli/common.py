"""What every ``citydesk`` subcommand shares: the argument parser, global options, output.

Subcommand modules import this, never :mod:`console.cli.main` (the entry imports them).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NoReturn

from console.domain.errors import ValidationError

EXIT_OK, EXIT_INPUT, EXIT_STATE = 0, 2, 3
#: This machine cannot open the console's window (a system library or the display is missing).
EXIT_SYSTEM = 5
#: The desk name the command line records when neither --desk nor desk.toml names one.
DEFAULT_DESK = "cli"
#: ``--kind``: the meaning of a legacy CJ/T 214 code that names a component and an event.
KIND_CHOICES = ("component", "event")
KIND_HELP = ("旧代码（CJ/T 214）同时指部件和事件时，按哪种理解 / the meaning of a legacy code "
             "that names a component and an event")


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"{self.prog}: 参数错误 / usage error: {message}\n")


def parse_instant(text: str) -> datetime:
    """An ISO-8601 instant that carries its offset (``Z`` accepted)."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"时间 {text!r} 不是 ISO-8601 格式 / not an ISO-8601 instant") from None
    if value.tzinfo is None:
        raise ValidationError(f"时间 {text!r} 须带时区偏移，如 +08:00 / give an offset")
    try:
        value.astimezone(UTC)  # the offset can push 0001-01-01 or 9999-12-31 off the calendar
    except OverflowError:
        raise ValidationError(f"时间 {text!r} 超出可表示的范围 / instant out of range") from None
    return value


def emit(args: argparse.Namespace, data: Any, text: str | Callable[[], str]) -> None:
    """Print ``data`` as JSON with ``--json``, else the human text."""
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(text() if callable(text) else text)


#: Options every command takes, with their defaults (given before or after the subcommand).
GLOBAL_DEFAULTS: dict[str, Any] = {"db": None, "json": False, "user": None, "desk": None,
                                   "now": None, "lang": None, "theme": None, "demo": False}


def common_options(defaults: bool) -> Parser:
    # The subcommands' copies must not carry defaults, or they would overwrite what the top
    # level parsed: `citydesk --as caiji01 case new …` has to act as caiji01.
    keep = (lambda v: v) if defaults else (lambda _v: argparse.SUPPRESS)
    common = Parser(add_help=False)
    common.add_argument("--db", metavar="URL", default=keep(None),
                        help="数据库 URL（默认：CITYDESK_DB 或用户数据目录中的 SQLite 文件）")
    common.add_argument("--json", action="store_true", default=keep(False),
                        help="以 JSON 输出 / print JSON")
    common.add_argument("--as", dest="user", default=keep(None), metavar="USER",
                        help="以哪个用户的身份操作（命令行默认 admin）/ act as this user")
    common.add_argument("--desk", default=keep(None),
                        help="工作台名称（默认：desk.toml 的 desk，否则 cli）/ desk name recorded in the log")
    common.add_argument("--now", default=keep(None), metavar="ISO",
                        help="把当前时间视为此时刻（重放、测试）/ pretend it is this instant")
    return common


