"""``citydesk login | logout | whoami``: the command line's session at the centre's server.

``citydesk login [--server URL] [--user NAME]`` asks for the password (a prompt on a terminal;
one line of standard input otherwise, for scripts — never an argument, which would stay in the
shell history and in ``ps``), signs in with ``POST /api/v1/token`` and saves the session in the
user's configuration directory (``platformdirs.user_config_dir("citydesk")/session.json``, on
Linux ``~/.config/citydesk/session.json``; ``$CITYDESK_SESSION_FILE`` names another file).  The
file is created 0600 and a file that others may read is refused, not used.  It holds the
server's URL, the user, the token and its expiry.  ``logout`` ends the session at the server
(``POST /api/v1/logout``) and deletes the file; ``whoami`` asks the server who the token is.

Every other command that talks to the server (:mod:`console.cli.remote`) reads its token with
:func:`saved_session`.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import stat
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs

from console.cli.common import EXIT_INPUT, EXIT_OK, emit
from console.client.errors import ServerUnavailableError, refusal
from console.config import check_server_url, load_config, server_url
from console.domain.errors import AuthenticationError, ValidationError

ENV_SESSION_FILE = "CITYDESK_SESSION_FILE"
"""Environment variable naming the session file instead of the configuration directory's."""

#: The one line for a session that ended (expired, logged out, revoked by the server).
SESSION_EXPIRED = "会话已过期，请重新 citydesk login / session expired: run citydesk login"
#: No session saved at all.
NOT_SIGNED_IN = "尚未登录服务器，请先 citydesk login / not signed in: run citydesk login"
#: (connect, read) seconds of a sign-in (argon2 on a busy server takes a while).
TIMEOUT = (5.0, 60.0)
#: The longest password read from standard input (the server takes 1024 characters).
MAX_PASSWORD = 1024


class SessionFileError(ValidationError):
    """The session file cannot be used (readable by others, unreadable, not ours)."""

    code = "session_file"


class SignInError(AuthenticationError):
    """No usable session here, or the server refused a sign-in: said as it is (not as an
    expired session)."""


@dataclass(frozen=True, slots=True)
class SavedSession:
    """A session saved by ``citydesk login``.

    Attributes
    ----------
    server : str
        The server's URL the token belongs to.
    username : str
        Who signed in.
    token : str
        The bearer token (the server stores only its digest).
    expires_at : datetime
        When the server ends it at the latest (it may end it earlier: idle, revoked).
    """

    server: str
    username: str
    token: str
    expires_at: datetime


def session_path() -> Path:
    """Where the session is saved."""
    named = os.environ.get(ENV_SESSION_FILE, "").strip()
    if named:
        return Path(named)
    return Path(platformdirs.user_config_dir("citydesk")) / "session.json"


def _check_private(path: Path) -> None:
    """Refuse a session file that anyone but its owner may read or write."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise SessionFileError(f"会话文件 {path} 不是普通文件 / the session file is not a file")
    if info.st_mode & 0o077:
        raise SessionFileError(
            f"会话文件 {path} 权限为 {stat.S_IMODE(info.st_mode):o}，他人可读：已拒绝使用，请"
            " chmod 600 或重新 citydesk login / the session file is readable by others: refused")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise SessionFileError(f"会话文件 {path} 不属于当前用户 / the session file is not yours")


def load_session() -> SavedSession | None:
    """The saved session, or None when there is none (refuses an unsafe or broken file)."""
    path = session_path()
    if not path.exists():
        return None
    _check_private(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return SavedSession(str(data["server"]), str(data["username"]), str(data["token"]),
                            datetime.fromisoformat(str(data["expires_at"])))
    except (ValueError, KeyError, TypeError):
        raise SessionFileError(f"会话文件 {path} 无法读取，请重新 citydesk login / unreadable "
                               "session file: run citydesk login") from None


def save_session(session: SavedSession) -> Path:
    """Write the session file 0600 (its directory 0700), replacing any earlier one."""
    path = session_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = {"server": session.server, "username": session.username, "token": session.token,
            "expires_at": session.expires_at.isoformat()}
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    # O_EXCL with 0600 from the start: the token is never in a file others could open.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out)
    os.replace(partial, path)
    return path


def delete_session() -> bool:
    """Remove the session file; True when there was one."""
    path = session_path()
    if path.exists():
        path.unlink()
        return True
    return False


def saved_session(server: str) -> SavedSession:
    """The saved session for ``server`` (AuthenticationError with one line otherwise)."""
    session = load_session()
    if session is None:
        raise SignInError(NOT_SIGNED_IN)
    if session.server.rstrip("/") != server.rstrip("/"):
        raise SignInError(
            f"已保存的会话属于另一服务器 {session.server}，请重新 citydesk login / the saved "
            "session is for another server: run citydesk login")
    if session.expires_at <= datetime.now(UTC):
        raise AuthenticationError(SESSION_EXPIRED)
    return session


def read_password(prompt: str = "密码 / password: ") -> str:
    """The password: a prompt on a terminal, else one line of standard input."""
    if sys.stdin is not None and sys.stdin.isatty():
        value = getpass.getpass(prompt)
    else:
        line = sys.stdin.readline(MAX_PASSWORD + 2) if sys.stdin is not None else ""
        value = line.rstrip("\r\n")
    if not value:
        raise ValidationError("未输入密码 / no password given")
    if len(value) > MAX_PASSWORD:
        raise ValidationError(f"密码过长（上限 {MAX_PASSWORD} 字）/ password too long")
    return value


def request_token(server: str, username: str, password: str, kind: str = "cli",
                  client: str = "") -> tuple[str, datetime]:
    """Sign in at ``server``: (token, expiry); the server's one refusal as the domain's error."""
    import requests  # only the commands that talk to a server pay for it

    try:
        reply = requests.post(f"{server.rstrip('/')}/api/v1/token", timeout=TIMEOUT, data={
            "username": username, "password": password, "kind": kind, "client": client[:200]})
    except requests.RequestException as exc:
        raise ServerUnavailableError(unreachable(server, exc)) from exc
    try:
        body = reply.json()
    except ValueError:
        body = None
    if reply.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        error = refusal(reply.status_code, body)
        if isinstance(error, AuthenticationError):
            raise SignInError(error.message)
        raise error
    lifetime = timedelta(seconds=int(body.get("expires_in") or 0))
    return str(body["access_token"]), datetime.now(UTC) + lifetime


def unreachable(server: str, exc: BaseException) -> str:
    """The one line for a server that did not answer."""
    return f"无法连接服务器 {server}：{type(exc).__name__} / server unreachable"


def call(server: str, token: str, verb: str, path: str, **kwargs: Any) -> Any:
    """One authenticated call outside the seam (logout, whoami, a queue page); its JSON."""
    import requests

    try:
        reply = requests.request(verb, f"{server.rstrip('/')}{path}", timeout=TIMEOUT,
                                 headers={"Authorization": f"Bearer {token}"}, **kwargs)
    except requests.RequestException as exc:
        raise ServerUnavailableError(unreachable(server, exc)) from exc
    try:
        body = reply.json()
    except ValueError:
        body = None
    if reply.status_code == 401:
        raise AuthenticationError(SESSION_EXPIRED)
    if reply.status_code not in (200, 201):  # 201: a write that made something
        raise refusal(reply.status_code, body)
    return body


def _server_of(args: argparse.Namespace) -> str:
    if args.server:
        return check_server_url(args.server, "--server")
    named = server_url(load_config())
    if named is None:
        saved = load_session()
        if saved is not None:
            return saved.server
        raise ValidationError("没有配置服务器：用 --server URL，或在 desk.toml 写 server，或设置"
                              " CITYDESK_SERVER / no server configured")
    return named


def cmd_login(args: argparse.Namespace) -> int:
    """Sign in and save the session."""
    server = _server_of(args)
    username = (args.login_user or "").strip()
    if not username:
        if not sys.stdin.isatty():
            raise ValidationError("请用 --user 指定用户名 / give the user with --user")
        username = input("用户名 / user: ").strip()
    if not username or len(username) > 200:
        raise ValidationError("用户名无效 / invalid user name")
    password = read_password()
    token, expires_at = request_token(server, username, password, "cli", args.desk or "")
    path = save_session(SavedSession(server, username, token, expires_at))
    emit(args, {"server": server, "username": username, "expires_at": expires_at.isoformat(),
                "session_file": str(path)},
         f"已登录 {server}：{username}（会话至 {expires_at.astimezone():%Y-%m-%d %H:%M}）"
         f" / signed in")
    return EXIT_OK


def cmd_logout(args: argparse.Namespace) -> int:
    """End the session at the server and delete the file."""
    session = load_session()
    if session is None:
        emit(args, {"signed_out": False}, "未登录 / not signed in")
        return EXIT_OK
    revoked = True
    try:
        call(session.server, session.token, "POST", "/api/v1/logout")
    except AuthenticationError:
        revoked = True  # the server had ended it already: nothing left to revoke
    except ServerUnavailableError as exc:
        # The file goes anyway (the token must not linger here); the session expires by itself.
        revoked = False
        print(f"citydesk: {exc}；会话将在到期时失效 / the session ends at its expiry",
              file=sys.stderr)
    delete_session()
    emit(args, {"signed_out": True, "revoked": revoked},
         "已退出登录 / signed out" if revoked else "已删除本机会话 / local session removed")
    return EXIT_OK if revoked else EXIT_INPUT


def cmd_whoami(args: argparse.Namespace) -> int:
    """Who the saved session is, as the server says."""
    session = load_session()
    if session is None:
        raise SignInError(NOT_SIGNED_IN)
    named = server_url(load_config())
    server = saved_session(named).server if named else session.server
    data = call(server, session.token, "GET", "/api/v1/whoami")
    if not isinstance(data, dict):
        raise ServerUnavailableError("服务器的回答无法识别 / unexpected answer")
    data = {"server": server} | data
    unit = f"（{data.get('unit')}）" if data.get("unit") else ""
    emit(args, data, f"{data.get('username')} {data.get('name')} · {data.get('role')}{unit}"
                     f" @ {server}")
    return EXIT_OK


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``login``, ``logout`` and ``whoami``."""
    p = sub.add_parser("login", parents=[common],
                       help="登录中心服务器，保存会话（密码提示输入）/ sign in to the server")
    p.add_argument("--server", metavar="URL", help="服务器（默认：desk.toml 的 server 或 "
                                                  "CITYDESK_SERVER）/ the server")
    p.add_argument("--user", dest="login_user", metavar="NAME", help="用户名 / user name")
    p.set_defaults(handler=cmd_login)
    p = sub.add_parser("logout", parents=[common], help="退出登录并删除本机会话 / sign out")
    p.set_defaults(handler=cmd_logout)
    p = sub.add_parser("whoami", parents=[common], help="当前会话的用户与角色 / who am I")
    p.set_defaults(handler=cmd_whoami)

