"""``citydesk db grant``: the privileges of the desks' and the wall screen's database roles.

Run by the schema owner on a central PostgreSQL database after ``citydesk init`` (and again
after every upgrade)::

    citydesk --db postgresql+psycopg://citydesk_owner@dbhost/citydesk \\
        db grant --app-role citydesk_app --wall-role citydesk_wall

The roles must exist already: creating roles and giving them passwords is the DBA's job
(``docs/deploy.md``).  SQLite has no roles, so there the command refuses with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from console.app import App, database_url
from console.cli.common import emit
from console.cli.setup import open_app
from console.domain.errors import ValidationError


def cmd_grant(args: argparse.Namespace) -> int:
    """Grant the app role (and the wall role) their privileges; print what was granted."""

    if (args.app_role is None) == (args.server_role is None):
        raise ValidationError("请给出 --server-role（中心服务器）或 --app-role（旧式直连）之一 / "
                              "give --server-role or --app-role")
    if database_url(args.db).startswith("sqlite"):
        raise ValidationError("SQLite 没有数据库角色：citydesk db grant 只用于 PostgreSQL / "
                              "roles exist on PostgreSQL only")
    if args.server_role is not None and args.wall_role is not None:
        raise ValidationError("大屏经服务器读取，没有数据库角色：--wall-role 只用于 --app-role / "
                              "with the server the wall has no database role")
    if args.revoke_desk_roles and args.server_role is None:
        raise ValidationError("--revoke-desk-roles 只用于 --server-role / goes with --server-role")
    app: App = open_app(args)  # refuses a database `citydesk init` has not set up
    try:
        report = app.grant(args.server_role or args.app_role, args.wall_role,
                           tuple(args.revoke_desk_roles or ()))
    finally:
        app.close()
    data = report.as_dict()
    missing = report.missing_settings() if args.server_role is not None else {}
    for name, value in missing.items():  # the DBA's statement, in one line each
        print(f"citydesk: 警告 / warning: 服务器角色未设置 {name}，请由 DBA 执行 ALTER ROLE "
              f"{report.app_role} SET {name} = '{value}'（见 docs/deploy.md）", file=sys.stderr)

    def text() -> str:
        who = "服务器角色" if args.server_role is not None else "工作台角色"
        lines = [f"已授权（模式 {report.schema}，{len(report.tables)} 张表）：",
                 f"  {who} {report.app_role}：读写全部表；case_events 只可查询、追加；"
                 f"序列 {len(report.sequences)} 个可取号"]
        if report.wall_role:
            lines.append(f"  {report.wall_role}：只读全部表")
        if report.revoked:
            lines.append(f"  已收回 {'、'.join(report.revoked)} 的全部权限与连接权")
        return "\n".join(lines)

    emit(args, data, text)
    return 0


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``db grant``."""
    p = sub.add_parser("db", parents=[common], help="中心数据库管理（PostgreSQL）/ database admin")
    dsub = p.add_subparsers(dest="db_cmd", metavar="grant", required=True)
    g = dsub.add_parser(
        "grant", parents=[common],
        help="为工作台角色与大屏只读角色授权（须由属主运行；角色须已存在）/ grant roles",
    )
    g.add_argument("--server-role", metavar="NAME",
                   help="citydesk server 连接所用的角色（中心部署）/ the server's role")
    g.add_argument("--revoke-desk-roles", nargs="+", metavar="NAME",
                   help="收回工作台、大屏旧角色的全部权限与连接权 / roles desks used before")
    g.add_argument("--app-role", metavar="NAME",
                   help="工作台直连所用的角色（无服务器的旧式部署）/ the role desks connect as")
    g.add_argument("--wall-role", metavar="NAME",
                   help="大屏直连所用的只读角色（同上）/ the wall screen's read-only role")
    g.set_defaults(handler=cmd_grant)
