"""The command line against a centre's server (``server`` in desk.toml or ``$CITYDESK_SERVER``).

With a server configured and no ``--db``, the commands that have a server counterpart run
through the session saved by ``citydesk login`` (:mod:`console.cli.login`) — ``case list``,
``case show``, ``case new``, every ``case ACTION``, ``eval`` and ``report``
(:mod:`console.cli.remote_report`), ``user add|disable|enable|passwd|list``
(:mod:`console.cli.remote_users`), ``geocode`` (:mod:`console.cli.gazetteer`) — and print
exactly what the embedded path prints (the same text, the same ``--json``, the same report
files), because they build the same service objects
from the seam's typed answers (:class:`~console.client.remote.RemoteDeskBackend`).  The server's
session says who acts and its clock says when: ``--as`` and ``--now`` are refused in one line
before anything is sent.  Commands without a counterpart (init, demo, db, intake, …) need
the database itself: one line, exit code 2.

A 401 on any call is the one line "会话已过期，请重新 citydesk login"; refusals keep the embedded
CLI's exit codes (2 bad input or unknown case, 3 state, version or role).
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from console.cli.login import SESSION_EXPIRED, SignInError, saved_session
from console.domain.errors import AuthenticationError, NotFoundError, ValidationError

if TYPE_CHECKING:  # the HTTP client is imported when a command goes to the server
    from console.client.remote import RemoteDeskBackend
    from console.services.case_search import CaseSearch

#: Commands that never go to a server: they manage the session or are the server.
LOCAL_COMMANDS = frozenset({"login", "logout", "whoami", "server", "api", "tiles"})
#: ``case`` sub-commands with no server counterpart (none today: every one has one).
_CASE_LOCAL: frozenset[str] = frozenset()

NEEDS_DATABASE = ("「{what}」需要内嵌数据库或服务器本机的数据库账户（库所有者，用 --db 指定）；"
                  "经服务器不可用 / {what} needs the embedded database or the server's own "
                  "database account (--db): not available through the server")


def _what(args: argparse.Namespace) -> str:
    parts = [str(args.cmd)]
    for name in ("case_cmd", "db_cmd", "user_cmd", "intake_cmd", "audit_cmd", "cal_cmd",
                 "cat_cmd", "gazetteer_cmd", "camera_cmd"):
        value = getattr(args, name, None)
        if isinstance(value, str):
            parts.append(value)
    return " ".join(parts)


def server_handler(args: argparse.Namespace, server: str) -> Callable[[argparse.Namespace], int]:
    """The handler that runs ``args`` through ``server`` (ValidationError when it cannot)."""
    if args.user:
        raise ValidationError("经服务器时不能用 --as：操作者由登录会话决定 / --as is refused "
                              "against a server: the session says who acts")
    if args.now:
        raise ValidationError("经服务器时不能用 --now：时间由服务器时钟决定 / --now is refused "
                              "against a server: the server's clock says when")
    if args.cmd == "case":
        from console.cli import remote_case

        sub = str(args.case_cmd)
        if sub in _CASE_LOCAL:
            raise ValidationError(NEEDS_DATABASE.format(what=_what(args)))
        chosen = {"list": remote_case.cmd_list, "show": remote_case.cmd_show,
                  "new": remote_case.cmd_new,
                  "self-handle": remote_case.cmd_self_handle}.get(sub, remote_case.cmd_action)
        return _bind(chosen, server)
    if args.cmd == "wall":
        from console.cli import remote_wall

        return _bind(remote_wall.cmd_wall, server)
    if args.cmd == "user" and args.user_cmd != "device-key":
        from console.cli import remote_users

        return _bind(remote_users.HANDLERS[str(args.user_cmd)], server)
    if args.cmd == "geocode":
        from console.cli import gazetteer

        return _bind(gazetteer.cmd_geocode_remote, server)
    if args.cmd in ("eval", "report"):
        from console.cli import remote_report

        return _bind(remote_report.cmd_eval if args.cmd == "eval" else remote_report.cmd_report,
                     server)
    raise ValidationError(NEEDS_DATABASE.format(what=_what(args)))


def _bind(handler: Callable[[argparse.Namespace, str], int],
          server: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args, server)
        except SignInError:
            raise  # no session here, or a sign-in refused: said as it is
        except AuthenticationError:
            # A 401 from the server: expired, idle, logged out or revoked — one line for all.
            raise AuthenticationError(SESSION_EXPIRED) from None
    return run


def open_seat(server: str, desk: str = "") -> RemoteDeskBackend:
    """The seat of the saved session on ``server`` (AuthenticationError if there is none)."""
    del desk  # the session's client was named at login; the server records that
    from console.client.remote import RemoteDeskBackend

    session = saved_session(server)
    return RemoteDeskBackend(server, session.token)


def new_request_id() -> str:
    """A request id for one write (a lost reply is asked about by it)."""
    return f"cli-{uuid.uuid4().hex}"


def case_id_of(seat: RemoteDeskBackend, ref: str) -> int:
    """The id of the case ``ref`` names (an id or a case number), read as ``find_case`` does."""
    text = ref.strip()
    if text.isascii() and text.isdigit() and len(text) < 13:
        number = int(text)
        if not 0 < number < 2**63:
            raise NotFoundError(f"案件 {number} 不存在 / no such case")
        return number
    if text.isascii() and text.isdigit():
        found: CaseSearch = seat.search(text)
        for row in found.rows:
            if row.case.case_no == text and row.case.id is not None:
                return int(row.case.id)
        raise NotFoundError(f"案件 {text} 不存在 / no such case")
    raise NotFoundError(f"案件编号 {ref!r} 无效 / not a case id or number")
