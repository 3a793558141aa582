"""The ``citydesk`` command line: the command tree and the entry point.

Exit codes: 0 success; 2 bad input (one line on stderr, database unchanged); 3 the case's state,
version or the actor's role does not allow the action, or a sign-in was refused; 4 ``audit
verify`` found the event log's hash chain broken.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from console.app import database_url, describe_database_error
from console.cli import case, category, db, evaluation, intake, report, setup, users, wall
from console.cli.common import (
    DEFAULT_DESK,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_STATE,
    GLOBAL_DEFAULTS,
    Parser,
    common_options,
    parse_instant,
)
from console.config import load_config
from console.domain.errors import CityDeskError, ValidationError


def build_parser() -> Parser:
    """The whole command tree."""
    parser = Parser(
        prog="citydesk",
        description="CityDesk 智慧城管指挥台。不带命令时打开桌面指挥台；带命令时为脚本化命令行。",
        parents=[common_options(defaults=True)],
    )
    parser.add_argument("--demo", action="store_true",
                        help="指挥台：空库时直接生成演示数据 / console: create demo data on an empty database")
    parser.add_argument("--lang", choices=["zh", "en"], help="界面语言 / console language")
    parser.add_argument("--theme", choices=["dark", "light"], help="界面主题 / console theme")
    sub = parser.add_subparsers(dest="cmd", metavar="COMMAND", parser_class=Parser)
    common = common_options(defaults=False)
    setup.add_commands(sub, common)
    case.add_commands(sub, common)
    category.add_commands(sub, common)
    evaluation.add_commands(sub, common)
    report.add_commands(sub, common)
    wall.add_commands(sub, common)
    users.add_commands(sub, common)
    db.add_commands(sub, common)
    intake.add_commands(sub, common)
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
            from console.cli.gui import run_console

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
