"""The ``citydesk`` command line: the command tree and the entry point.

Exit codes: 0 success; 2 bad input (one line on stderr, database unchanged); 3 the case's state,
version or the actor's role does not allow the action, or a sign-in was refused; 4 ``audit
verify`` found the event log's hash chain broken; 5 no window can open on this machine; 1 an
internal error (a defect of ours: one line, the traceback only with ``CITYDESK_DEBUG=1``); 130
interrupted by Ctrl+C.  No traceback reaches the user otherwise.
"""

from __future__ import annotations

import argparse
import errno
import io
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from console.app import database_url, describe_database_error
from console.cli import (
    camera,
    case,
    category,
    db,
    evaluation,
    gazetteer,
    intake,
    login,
    report,
    server,
    setup,
    survey,
    tiles,
    users,
    wall,
)
from console.cli.arguments import option_names, shorten, undecodable_option
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
from console.client.errors import ServerUnavailableError
from console.config import DeskConfig, load_config, server_url
from console.domain.errors import CityDeskError, ValidationError

#: A defect of ours: an exception nobody meant to raise (see :func:`_internal_error`).
EXIT_INTERNAL = 1
#: Ctrl+C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


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
    server.add_commands(sub, common)
    login.add_commands(sub, common)
    tiles.add_commands(sub, common)
    gazetteer.add_commands(sub, common)
    camera.add_commands(sub, common)
    survey.add_commands(sub, common)
    return parser


def _clock(args: argparse.Namespace) -> Callable[[], datetime]:
    if args.now:
        pinned = parse_instant(args.now)
        return lambda: pinned
    return lambda: datetime.now(UTC)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code."""
    _tolerant_output()
    parser = build_parser()
    try:
        return _run(parser, argv)
    except KeyboardInterrupt:
        print("citydesk: 已中断 / interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run(parser: Parser, argv: Sequence[str] | None) -> int:
    args = parser.parse_args(argv)
    for name, value in GLOBAL_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    refusal = undecodable_option(args, option_names(parser))
    if refusal:
        print(f"citydesk: {refusal}", file=sys.stderr)
        return EXIT_INPUT
    try:
        config = load_config()  # a broken desk.toml is refused before anything runs
    except ValidationError as exc:
        print(f"citydesk: {exc.message}", file=sys.stderr)
        return EXIT_INPUT
    args.desk = args.desk or config.desk or DEFAULT_DESK
    try:  # a server configured and no --db: the command goes through the server
        remote = remote_server(args, config)
    except ValidationError as exc:
        print(f"citydesk: {exc.message}", file=sys.stderr)
        return EXIT_INPUT
    if getattr(args, "cmd", None) == "wall" and not remote:
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
    except ServerUnavailableError as exc:  # no answer from the server (before OSError)
        print(f"citydesk: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # output piped into `head`: not an error of ours
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # a file named on the command line: too long, missing, /proc …
        print(f"citydesk: {_file_error(exc)}", file=sys.stderr)
        return EXIT_INPUT
    except UnicodeError as exc:  # text from a file or stdin that is not UTF-8
        print(f"citydesk: 输入不是 UTF-8 编码（{getattr(exc, 'reason', exc)}）/ the input is not UTF-8",
              file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:
        message = describe_database_error(exc)
        if message is None:
            return _internal_error(exc)
        print(f"citydesk: {message}", file=sys.stderr)
        return EXIT_INPUT


def remote_server(args: argparse.Namespace, config: DeskConfig) -> str | None:
    """Route ``args`` through the configured server (None: embedded, as before).

    A command with a handler goes to the server when ``server`` is configured and ``--db`` is
    not given; its handler is replaced by the server's (:mod:`console.cli.remote`), or it is
    refused in one line (``--as``, ``--now``, a command that needs the database).
    """
    cmd = getattr(args, "cmd", None)
    if cmd is None or args.db or not getattr(args, "handler", None):
        return None
    from console.cli.remote import LOCAL_COMMANDS, server_handler

    if cmd in LOCAL_COMMANDS:
        return None
    url = server_url(config)
    if url is None:
        return None
    args.handler = server_handler(args, url)
    return url


def _tolerant_output() -> None:
    # A file name holding bytes that are not UTF-8 is printed back (``已写出 …``); a terminal
    # stream in a UTF-8 locale would raise on it after the work was done.  Escape instead.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


_ERRNO_ZH = {
    errno.ENAMETOOLONG: "文件名过长", errno.ENOENT: "文件或目录不存在", errno.EACCES: "没有权限",
    errno.EPERM: "不允许的操作", errno.EISDIR: "是目录", errno.ENOTDIR: "路径中有一段不是目录",
    errno.EROFS: "只读文件系统", errno.ENOSPC: "磁盘空间不足", errno.ELOOP: "符号链接循环",
    errno.EINVAL: "参数无效", errno.ENXIO: "设备不存在",
}


def _file_error(exc: OSError) -> str:
    """One line for an OSError: the file (shortened), the reason in Chinese and English."""
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    where = " → ".join(shorten(os.fsdecode(n) if isinstance(n, bytes) else str(n))
                       for n in names)
    reason = exc.strerror or type(exc).__name__
    zh = _ERRNO_ZH.get(exc.errno or -1, "无法访问")
    return f"无法访问文件 {where or '?'}：{zh} / {reason}"


def _internal_error(exc: Exception) -> int:
    """An exception no code path meant: one line, the traceback only when asked for."""
    if os.environ.get("CITYDESK_DEBUG"):
        raise exc
    first = (str(exc).strip().splitlines() or [""])[0]
    print(f"citydesk: 内部错误（请报告）/ internal error: {type(exc).__name__}: {shorten(first, 200)}"
          " — 设置 CITYDESK_DEBUG=1 可查看详情 / set CITYDESK_DEBUG=1 for details", file=sys.stderr)
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
