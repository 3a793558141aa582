"""``citydesk user add|disable|enable|passwd|list`` and ``citydesk audit verify``.

The command line is the administrator's tool: whoever may run it holds the database
credentials, so it acts as the ``--as`` user (default ``admin``), which must be an
administrator for user changes.  Passwords are never taken from the command line (they would
sit in the shell history and in ``ps``): they are read from standard input
(``--password-stdin``, first line) or asked for twice on a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from console.app import App
from console.cli.common import emit
from console.cli.setup import open_app
from console.domain.cases import Actor, Role
from console.domain.errors import ValidationError
from console.domain.reference import User
from console.services.accounts import add_user, list_accounts, set_active, set_password
from console.services.audit import verify_chain

EXIT_BROKEN = 4
"""``audit verify`` found a row that does not match the chain."""


def _admin(args: argparse.Namespace, app: App) -> Actor:
    return app.centre.actor(args.user or "admin", args.desk)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise ValidationError("标准输入中没有密码 / no password on standard input")
        return password
    if not sys.stdin.isatty():
        raise ValidationError("请用 --password-stdin 从标准输入提供密码 / use --password-stdin")
    first = getpass.getpass("新密码 / new password: ")
    if first != getpass.getpass("再输入一次 / again: "):
        raise ValidationError("两次输入的密码不一致 / the passwords differ")
    return first


def cmd_user_add(args: argparse.Namespace) -> int:

    password = None if args.no_password else _read_password(args)
    app = open_app(args)
    try:
        grids = tuple(g.strip() for g in (args.grids or "").split(",") if g.strip())
        user = User(args.username, args.name, args.role, args.unit, grids, True)
        user = add_user(app.uow_factory, app.centre, _admin(args, app), user, password,
                        app.clock())
    finally:
        app.close()
    emit(args, {"username": user.username, "name": user.name, "role": user.role,
                "unit": user.unit, "password_set": password is not None},
         f"已添加用户 {user.username}（{user.name}，{user.role}）")
    return 0


def cmd_user_active(args: argparse.Namespace) -> int:

    app = open_app(args)
    try:
        user = set_active(app.uow_factory, app.centre, _admin(args, app), args.username,
                          args.active)
    finally:
        app.close()
    word = "启用" if user.active else "停用"
    emit(args, {"username": user.username, "active": user.active},
         f"已{word}用户 {user.username}")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:

    password = _read_password(args)
    app = open_app(args)
    try:
        set_password(app.uow_factory, _admin(args, app), args.username, password, app.clock())
    finally:
        app.close()
    emit(args, {"username": args.username, "password_set": True},
         f"已为 {args.username} 设置新密码（失败计数与锁定已清除）")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:

    app = open_app(args)
    try:
        accounts = list_accounts(app.uow_factory, _admin(args, app))
    finally:
        app.close()
    now = app.clock()
    rows = [
        {"username": a.user.username, "name": a.user.name, "role": a.user.role,
         "unit": a.user.unit, "active": a.user.active, "password_set": bool(a.password_hash),
         "failed_logins": a.failed_logins,
         "locked_until": a.locked_until if a.locked_until and a.locked_until > now else None}
        for a in accounts
    ]

    def text() -> str:
        lines = []
        for r in rows:
            flags = [] if r["active"] else ["已停用"]
            if not r["password_set"]:
                flags.append("未设密码")
            if r["locked_until"]:
                flags.append(f"锁定至 {r['locked_until']:%H:%M}")
            lines.append(f"{r['username']:<14} {r['name']:<8} {r['role']:<6} "
                         f"{r['unit'] or '':<12} {' '.join(flags)}".rstrip())
        return "\n".join(lines)

    emit(args, rows, text)
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:

    app = open_app(args)
    try:
        report = verify_chain(app.uow_factory)
    finally:
        app.close()

    def text() -> str:
        if report.broken is None:
            return f"审计链完整：{report.checked} 条事件全部校验通过（链尾 {report.head[:16]}…）"
        b = report.broken
        return (f"审计链断裂：第一条不符的事件 id={b.event_id}（{b.reason}）；"
                f"此前 {report.checked} 条校验通过")

    emit(args, report.as_json(), text)
    return 0 if report.ok else EXIT_BROKEN


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``user`` and ``audit``."""
    user = sub.add_parser("user", parents=[common], help="用户管理（管理员）/ manage users")
    users = user.add_subparsers(dest="user_cmd", metavar="ACTION", required=True,
                                parser_class=type(user))
    roles = [r.value for r in Role]
    p = users.add_parser("add", parents=[common], help="添加用户 / add a user")
    p.add_argument("username")
    p.add_argument("--name", required=True, help="姓名 / full name")
    p.add_argument("--role", required=True, choices=roles, help="角色 / role")
    p.add_argument("--unit", help="所属责任单位编码（责任单位用户必填）/ unit code")
    p.add_argument("--grids", help="监督员负责的单元网格，逗号分隔 / collector's cells")
    p.add_argument("--password-stdin", action="store_true",
                   help="从标准输入第一行读取密码 / read the password from stdin")
    p.add_argument("--no-password", action="store_true",
                   help="先不设密码（之后用 user passwd 设置）/ set no password yet")
    p.set_defaults(handler=cmd_user_add)
    for name, active, text in (("disable", False, "停用用户 / disable a user"),
                               ("enable", True, "重新启用用户 / re-enable a user")):
        p = users.add_parser(name, parents=[common], help=text)
        p.add_argument("username")
        p.set_defaults(handler=cmd_user_active, active=active)
    p = users.add_parser("passwd", parents=[common], help="设置密码并解除锁定 / set a password")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true",
                   help="从标准输入第一行读取密码 / read the password from stdin")
    p.set_defaults(handler=cmd_user_passwd)
    p = users.add_parser("list", parents=[common], help="列出用户 / list users")
    p.set_defaults(handler=cmd_user_list)

    audit = sub.add_parser("audit", parents=[common], help="审计 / audit")
    audits = audit.add_subparsers(dest="audit_cmd", metavar="ACTION", required=True,
                                  parser_class=type(audit))
    p = audits.add_parser("verify", parents=[common],
                          help="校验事件日志的哈希链，指出第一条被改动的事件 / verify the chain")
    p.set_defaults(handler=cmd_audit_verify)
