"""The ``citydesk`` command line.

Exit codes: 0 success; 2 bad input (one line on stderr, database unchanged); 3 the case's state,
version or the actor's role does not allow the action, or a sign-in was refused; 4 ``audit
verify`` found the event log's hash chain broken.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn

from console import (
    cli_case,
    cli_db,
    cli_eval,
    cli_intake,
    cli_report,
    cli_setup,
    cli_users,
    cli_wall,
)
from console.app import database_url, describe_database_error
from console.config import load_config
from console.domain.errors import CityDeskError, ValidationError

EXIT_OK, EXIT_INPUT, EXIT_STATE = 0, 2, 3
#: The desk name the command line records when neither --desk nor desk.toml names one.
DEFAULT_DESK = "cli"


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


def _common(defaults: bool) -> Parser:
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


def build_parser() -> Parser:
    """The whole command tree."""
    parser = Parser(
        prog="citydesk",
        description="CityDesk 智慧城管指挥台。不带命令时打开桌面指挥台；带命令时为脚本化命令行。",
        parents=[_common(defaults=True)],
    )
    parser.add_argument("--demo", action="store_true",
                        help="指挥台：空库时直接生成演示数据 / console: create demo data on an empty database")
    parser.add_argument("--lang", choices=["zh", "en"], help="界面语言 / console language")
    parser.add_argument("--theme", choices=["dark", "light"], help="界面主题 / console theme")
    sub = parser.add_subparsers(dest="cmd", metavar="COMMAND", parser_class=Parser)
    common = _common(defaults=False)
    cli_setup.add_commands(sub, common)
    cli_case.add_commands(sub, common)
    cli_eval.add_commands(sub, common)
    cli_report.add_commands(sub, common)
    cli_wall.add_commands(sub, common)
    cli_users.add_commands(sub, common)
    cli_db.add_commands(sub, common)
    cli_intake.add_commands(sub, common)
    return parser


def _clock(args: argparse.Namespace) -> Callable[[], datetime]:
    if args.now:
        pinned = parse_instant(args.now)
        return lambda: pinned
    return lambda: datetime.now(UTC)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, value in GLOBAL_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    try:
        config = load_config()  # a broken desk.toml is refused before anything runs
    except ValidationError as exc:
        print(f"citydesk: {exc.message}", file=sys.stderr)
        return EXIT_INPUT
    args.desk = args.desk or config.desk or DEFAULT_DESK
    if getattr(args, "cmd", None) == "wall":
        args.db = database_url(args.db, config, wall=True)
    if len(args.desk) > 64:
        print("citydesk: 工作台名称过长（上限 64 字）/ desk name too long", file=sys.stderr)
        return EXIT_INPUT
    try:
        args.clock = _clock(args)
        if not getattr(args, "handler", None):
            from console.cli_gui import run_console

            return run_console(args)
        result = args.handler(args)
        return int(result or EXIT_OK)
    except ValidationError as exc:
        print(f"citydesk: {exc.message}", file=sys.stderr)
        return EXIT_INPUT
    except CityDeskError as exc:
        print(f"citydesk: {exc.message}", file=sys.stderr)
        return EXIT_STATE
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:
        message = describe_database_error(exc)
        if message is None:
            raise
        print(f"citydesk: {message}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
