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
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from console.app import App
from console.audit_files import (
    load_keys,
    read_anchors,
    rotate_key,
    write_anchor,
)
from console.cli.common import emit
from console.cli.setup import open_app
from console.domain.audit import KeyRing
from console.domain.cases import Actor, Role
from console.domain.errors import ValidationError
from console.domain.reference import User
from console.services.accounts import add_user, list_accounts, set_active, set_password
from console.services.audit import AuditReport, make_anchor, verify_chain
from console.services.positions import issue_device_key, prune_positions, retention_days

EXIT_BROKEN = 4
"""``audit verify`` found a row that does not match the chain."""


def _admin(args: argparse.Namespace, app: App) -> Actor:
    return app.centre.actor(args.user or "admin", args.desk)


def read_password(args: argparse.Namespace) -> str:
    """A new password from standard input (``--password-stdin``) or asked twice on a terminal."""
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


def grids_of(args: argparse.Namespace) -> tuple[str, ...]:
    """The ``--grids`` cells as a tuple."""
    return tuple(g.strip() for g in (args.grids or "").split(",") if g.strip())


def emit_added(args: argparse.Namespace, user: User, password_set: bool) -> None:
    """What ``user add`` prints (embedded or through the server)."""
    emit(args, {"username": user.username, "name": user.name, "role": user.role,
                "unit": user.unit, "password_set": password_set},
         f"已添加用户 {user.username}（{user.name}，{user.role}）")


def emit_active(args: argparse.Namespace, user: User) -> None:
    """What ``user disable|enable`` prints."""
    word = "启用" if user.active else "停用"
    emit(args, {"username": user.username, "active": user.active},
         f"已{word}用户 {user.username}")


def emit_passwd(args: argparse.Namespace, username: str) -> None:
    """What ``user passwd`` prints."""
    emit(args, {"username": username, "password_set": True},
         f"已为 {username} 设置新密码（失败计数与锁定已清除）")


def emit_users(args: argparse.Namespace,
               accounts: list[tuple[User, bool, int, datetime | None]], now: datetime) -> None:
    """What ``user list`` prints: (user, has a password, failures, locked until) each."""
    rows = [
        {"username": u.username, "name": u.name, "role": u.role, "unit": u.unit,
         "active": u.active, "password_set": has_password, "failed_logins": failed,
         "locked_until": locked if locked and locked > now else None}
        for u, has_password, failed, locked in accounts
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


def cmd_user_add(args: argparse.Namespace) -> int:

    password = None if args.no_password else read_password(args)
    app = open_app(args)
    try:
        user = User(args.username, args.name, args.role, args.unit, grids_of(args), True)
        user = add_user(app.uow_factory, app.centre, _admin(args, app), user, password,
                        app.clock())
    finally:
        app.close()
    emit_added(args, user, password is not None)
    return 0


def cmd_user_active(args: argparse.Namespace) -> int:

    app = open_app(args)
    try:
        user = set_active(app.uow_factory, app.centre, _admin(args, app), args.username,
                          args.active)
    finally:
        app.close()
    emit_active(args, user)
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:

    password = read_password(args)
    app = open_app(args)
    try:
        set_password(app.uow_factory, _admin(args, app), args.username, password, app.clock())
    finally:
        app.close()
    emit_passwd(args, args.username)
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:

    app = open_app(args)
    try:
        accounts = list_accounts(app.uow_factory, _admin(args, app))
    finally:
        app.close()
    emit_users(args, [(a.user, bool(a.password_hash), a.failed_logins, a.locked_until)
                      for a in accounts], app.clock())
    return 0


def _verify_keys(app: App) -> tuple[KeyRing | None, str | None]:
    """The key ring to check HMACs with, or None and the line saying why there is none."""
    path = app.chain_key_path
    if not path.exists() and not path.is_symlink():
        return None, (f"未找到审计链密钥文件 {path}：无法校验 HMAC，带密钥的行未校验 / "
                      "no chain key file: HMACs not checked")
    return load_keys(path), None  # an unsafe or broken file is refused (ChainKeyError)


_REASONS_ZH = {
    "hash missing": "哈希缺失", "contents or order changed": "内容或顺序被改动",
    "unkeyed row after keyed rows": "带密钥的行之后出现无密钥行（伪造）",
    "beyond the chain head (not appended through the chain)": "超出链尾（未经链追加）",
}


def _verify_text(report: AuditReport, no_key: str | None) -> str:
    lines = []
    events = report.events
    if report.broken is None:
        lines.append(f"审计链完整：{report.checked} 条事件全部校验通过（链尾 {report.head[:16]}…）")
    else:
        b = report.broken
        count = 1 if events is None else events.break_count
        lines.append(f"审计链断裂：第一条不符的事件 id={b.event_id}（{_REASONS_ZH.get(b.reason, b.reason)}）；"
                     f"此前 {report.checked} 条校验通过；共 {count} 处不符")
        if events is not None:
            lines += [f"  事件 id={x.event_id}：{_REASONS_ZH.get(x.reason, x.reason)}"
                      for x in events.breaks[1:20]]
    if events is not None and events.unkeyed:
        lines.append(f"其中 {events.unkeyed} 条为旧式无密钥（sha256）链 / unkeyed legacy rows")
    if no_key is not None:
        lines.append(no_key)
    elif report.unchecked:
        lines.append(f"{report.unchecked} 行所用密钥不在本机密钥文件中，未校验 / rows of keys not held")
    if report.admin is not None:
        a = report.admin
        state = "完整" if not a.break_count else f"{a.break_count} 处不符（第一处 id={a.breaks[0].event_id}）"
        lines.append(f"管理日志：{a.rows} 条，{state}")
    if report.cases_checked:
        lines.append(f"案件与事件：{report.cases_checked} 件核对，{report.case_problem_count} 件不符")
        lines += [f"  案件 {no}：{field} 为 {stored!r}，事件所示为 {want!r}"
                  for no, _id, field, stored, want in report.case_problems[:20]]
    if report.user_problems:
        lines.append(f"用户与管理日志不符：{len(report.user_problems)} 处")
        lines += [f"  用户 {u}：{field} 为 {stored!r}，管理日志所示为 {want!r}"
                  for u, field, stored, want in report.user_problems[:20]]
    if report.anchors_checked or report.anchor_problems:
        lines.append(f"锚点：{report.anchors_checked} 个核对，{len(report.anchor_problems)} 处问题")
        lines += [f"  {p}" for p in report.anchor_problems[:20]]
    return "\n".join(lines)


def cmd_audit_verify(args: argparse.Namespace) -> int:

    app = open_app(args)
    try:
        keys, no_key = _verify_keys(app)
        found, unreadable = read_anchors(Path(args.anchors)) if args.anchors else ([], [])
        report = verify_chain(app.uow_factory, keys=keys, anchors=found)
    finally:
        app.close()
    if unreadable:
        report = replace(report, anchor_problems=(*report.anchor_problems,
                                                  *(f"unreadable anchor {u}" for u in unreadable)))
    data = report.as_json()
    data["key_file"] = None if no_key else str(app.chain_key_path)
    emit(args, data, lambda: _verify_text(report, no_key))
    return 0 if report.ok else EXIT_BROKEN


ANCHOR_EVERY = 24 * 3600.0
"""Seconds between the anchors ``citydesk worker`` writes."""


def write_anchor_now(args: argparse.Namespace, folder: Path | None = None) -> dict[str, Any]:
    """Sign both logs' heads with the current chain key and append the line to the anchor
    directory (``folder``, else the configured one); returns the file and the line."""
    app = open_app(args)
    try:
        key = load_keys(app.chain_key_path).current
        anchor = make_anchor(app.uow_factory, key, app.clock())
        folder = folder or app.anchor_dir
    finally:
        app.close()
    path = write_anchor(folder, anchor)
    return {"file": str(path), "line": anchor.line()}


RETENTION_EVERY = 6 * 3600.0
"""Seconds between the position retention runs of ``citydesk worker``."""


def prune_positions_now(args: argparse.Namespace) -> dict[str, Any]:
    """Delete collectors' positions older than ``centre.yaml``'s ``position_retention_days``
    (a job of ``citydesk worker``); returns how many went and the cut-off's age in days."""
    app = open_app(args)
    try:
        days = retention_days(app.centre)
        deleted = prune_positions(app.position_store(), app.clock(), days)
    finally:
        app.close()
    return {"deleted": deleted, "days": days}


def cmd_user_device_key(args: argparse.Namespace) -> int:

    app = open_app(args)
    try:
        store = app.position_store()
        key = issue_device_key(app.uow_factory, app.centre, _admin(args, app), args.username,
                               app.clock(), store)
    finally:
        app.close()
    identifier = f"{args.username}:{key}"
    emit(args, {"username": args.username, "device_id": identifier},
         f"{identifier}\n（只显示这一次：填入 Traccar Client 的「设备标识」；旧密钥已失效 / shown once: "
         "Traccar Client's device identifier; any older key no longer works）")
    return 0


def cmd_audit_anchor(args: argparse.Namespace) -> int:

    made = write_anchor_now(args, Path(args.dir) if args.dir else None)
    emit(args, made, f"已写入锚点 {made['file']}：\n{made['line']}")
    return 0


def cmd_audit_rotate_key(args: argparse.Namespace) -> int:

    app = open_app(args)
    try:
        path = app.chain_key_path
        key = rotate_key(path)
    finally:
        app.close()
    emit(args, {"key_file": str(path), "key_id": key.key_id},
         f"已在 {path} 追加新密钥 {key.key_id}：此后的行用它链接，旧密钥仍用于校验旧行 / "
         "new key appended; old keys still verify their rows")
    return 0


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
    p = users.add_parser("device-key", parents=[common],
                         help="为监督员发放新的定位设备密钥（只显示一次）/ issue a device key")
    p.add_argument("username")
    p.set_defaults(handler=cmd_user_device_key)
    p = users.add_parser("list", parents=[common], help="列出用户 / list users")
    p.set_defaults(handler=cmd_user_list)

    audit = sub.add_parser("audit", parents=[common], help="审计 / audit")
    audits = audit.add_subparsers(dest="audit_cmd", metavar="ACTION", required=True,
                                  parser_class=type(audit))
    p = audits.add_parser("verify", parents=[common],
                          help="校验事件日志与管理日志的链、案件与用户、锚点 / verify the audit")
    p.add_argument("--anchors", metavar="DIR",
                   help="核对此目录中的锚点（发现被截断的日志）/ check the anchors in DIR")
    p.set_defaults(handler=cmd_audit_verify)
    p = audits.add_parser("anchor", parents=[common],
                          help="把两条链的链尾签名写入数据库之外的锚点文件 / write an anchor")
    p.add_argument("--dir", help="锚点目录（默认见 docs/security.md）/ anchor directory")
    p.set_defaults(handler=cmd_audit_anchor)
    p = audits.add_parser("rotate-key", parents=[common],
                          help="在密钥文件中追加新密钥 / append a new chain key")
    p.set_defaults(handler=cmd_audit_rotate_key)
