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
from typing import Any

from console.app import App, database_url
from console.cli.common import emit
from console.cli.setup import open_app
from console.domain.errors import ValidationError


def cmd_grant(args: argparse.Namespace) -> int:
    """Grant the app role (and the wall role) their privileges; print what was granted."""

    if database_url(args.db).startswith("sqlite"):
        raise ValidationError("SQLite 没有数据库角色：citydesk db grant 只用于 PostgreSQL / "
                              "roles exist on PostgreSQL only")
    app: App = open_app(args)  # refuses a database `citydesk init` has not set up
    try:
        report = app.grant(args.app_role, args.wall_role)
    finally:
        app.close()
    data = report.as_dict()

    def text() -> str:
        lines = [f"已授权（模式 {report.schema}，{len(report.tables)} 张表）：",
                 f"  {report.app_role}：读写全部表；case_events 只可查询、追加；"
                 f"序列 {len(report.sequences)} 个可取号"]
        if report.wall_role:
            lines.append(f"  {report.wall_role}：只读全部表")
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
    g.add_argument("--app-role", required=True, metavar="NAME",
                   help="工作台连接所用的角色 / the role desks connect as")
    g.add_argument("--wall-role", metavar="NAME",
                   help="大屏连接所用的只读角色 / the wall screen's read-only role")
    g.set_defaults(handler=cmd_grant)
