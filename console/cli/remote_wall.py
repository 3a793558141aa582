"""``citydesk wall`` through the centre's server: a read-only wall session, no database.

The wall signs in as a 大屏只读 user: the session ``citydesk login`` saved, or, with
``--user NAME``, a password asked for at start (a ``wall`` session that is never saved).  A
session of any other role is refused before a window opens: a wall PC in a public hall must
not hold a session that can act.  The window reads the seam's ``wall_data`` and refreshes on
the server's push stream; when the server ends the session it says so in one line and waits
for F5, which reads the saved session again.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime

from console.cli.gui import refuse_window, window_refusal
from console.cli.login import call, read_password, request_token, saved_session
from console.cli.wall import MAX_ROTATE, check_video_tiles
from console.client.remote import RemoteDeskBackend, ServerRoot
from console.domain.cases import Role
from console.domain.errors import PermissionDeniedError, ValidationError

NOT_A_WALL = ("大屏须以「大屏只读」用户登录（当前会话为 {user}，角色 {role}）/ the wall signs in as a "
              "read-only wall user, not as {role}")


def check_wall_session(server: str, token: str) -> str:
    """The user of ``token`` if its role is the wall's; PermissionDeniedError otherwise."""
    me = call(server, token, "GET", "/api/v1/whoami")
    role = str(me.get("role")) if isinstance(me, dict) else ""
    user = str(me.get("username")) if isinstance(me, dict) else ""
    if role != Role.WALL.value:
        raise PermissionDeniedError(NOT_A_WALL.format(user=user, role=role or "?"))
    return user


class WallRoot(ServerRoot):
    """The wall's composition root through a server: one read-only session.

    Parameters
    ----------
    server : str
        The server's URL.
    token : str
        A session of a 大屏只读 user.
    saved : bool
        True when the token is ``citydesk login``'s: F5 after a sign-out reads it again.
    """

    def __init__(self, server: str, token: str, saved: bool) -> None:
        super().__init__(server, "wall", kind="wall")
        self.saved = saved
        self.use_token(token)

    def retry(self) -> None:
        """Asked for (F5) after the session ended: the saved session again, if it is a wall's."""
        if not self.saved:
            raise PermissionDeniedError("请重新启动 citydesk wall --user 登录 / restart the wall "
                                        "to sign in again")
        token = saved_session(self.base_url).token
        check_wall_session(self.base_url, token)
        self.use_token(token)

    def wall_backend(self, clock: Callable[[], datetime]) -> RemoteDeskBackend:
        """The wall's reads through the session (never the clock: the server's counts)."""
        return super().wall_backend(clock)


def cmd_wall(args: argparse.Namespace, server: str) -> int:
    """Open the wall through ``server`` with a wall session and run it until closed."""
    if not 0 <= args.rotate <= MAX_ROTATE:
        raise ValidationError(
            f"--rotate 应在 0 到 {MAX_ROTATE} 秒之间（0 为不轮播）/ rotate seconds out of range")
    check_video_tiles(args.video)
    line = window_refusal("console.ui.wall.start")
    if line:
        return refuse_window(line)
    user = getattr(args, "wall_user", None)
    if user:
        password = read_password(f"{user} 的密码 / password: ")
        token, _expires = request_token(server, user, password, "wall", "wall")
    else:
        token = saved_session(server).token
    check_wall_session(server, token)
    root = WallRoot(server, token, saved=not user)
    root.centre  # noqa: B018  (reference data before any window, like the embedded wall)
    from console.ui.wall.start import run_wall  # PySide6 only when the wall is wanted

    try:
        return run_wall(root, lang=args.lang, theme=args.theme, rotate_seconds=args.rotate,
                        clock=args.clock, fullscreen=not args.windowed,
                        video_tiles=args.video)
    finally:
        if user:
            root.sign_out()  # a prompted session ends with the wall; a saved one stays
