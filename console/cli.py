"""The ``citydesk`` command line.

Exit codes: 0 success; 2 bad input (one line on stderr, database unchanged); 3 the case's state,
version or the actor's role does not allow the action.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn

from console import cli_case, cli_setup
from console.domain.errors import CityDeskError, ValidationError

EXIT_OK, EXIT_INPUT, EXIT_STATE = 0, 2, 3


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


def build_parser() -> Parser:
    """The whole command tree."""
    common = Parser(add_help=False)
    common.add_argument("--db", metavar="URL", help="数据库 URL（默认：CITYDESK_DB 或用户数据目录中的 SQLite 文件）")
    common.add_argument("--json", action="store_true", help="以 JSON 输出 / print JSON")
    common.add_argument("--as", dest="user", default="admin", metavar="USER",
                        help="以哪个用户的身份操作（默认 admin）/ act as this user")
    common.add_argument("--desk", default="cli", help="工作台名称 / desk name recorded in the log")
    common.add_argument("--now", type=str, default=None, metavar="ISO",
                        help="把当前时间视为此时刻（重放、测试）/ pretend it is this instant")
    parser = Parser(
        prog="citydesk",
        description="CityDesk 智慧城管指挥台 — 案件受理、立案、派遣、处置、核查、结案与评价。",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="cmd", metavar="COMMAND", parser_class=Parser)
    cli_setup.add_commands(sub, common)
    cli_case.add_commands(sub, common)
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
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_OK
    try:
        args.clock = _clock(args)
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


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
