"""``citydesk wall``: the full-screen, read-only wall dashboard (大屏) of the command centre.

``citydesk wall [--rotate SECONDS] [--windowed] [--lang zh|en] [--theme dark|light]`` plus the
common options (``--db``, ``--now``).  The wall only reads: it needs a database that
``citydesk init`` has set up and never writes to it.
"""

from __future__ import annotations

import argparse
from typing import Any

from console.cli.gui import refuse_window, window_refusal
from console.cli.setup import open_app
from console.domain.errors import ValidationError

#: Seconds a page stays on screen unless ``--rotate`` says otherwise.
DEFAULT_ROTATE = 20
#: The longest rotation accepted (an hour); 0 keeps the first page.
MAX_ROTATE = 3600
#: Tiles of the video page (issue #17): 0 leaves the page out.
VIDEO_TILES = (0, 1, 4, 9, 16)


def cmd_wall(args: argparse.Namespace) -> int:
    """Open the wall on ``--db`` and run it until it is closed."""
    if getattr(args, "wall_user", None):
        raise ValidationError("--user 仅用于经服务器的大屏 / --user is for a wall through a server")

    if not 0 <= args.rotate <= MAX_ROTATE:
        raise ValidationError(
            f"--rotate 应在 0 到 {MAX_ROTATE} 秒之间（0 为不轮播）/ rotate seconds out of range")
    check_video_tiles(args.video)
    line = window_refusal("console.ui.wall.start")
    if line:
        return refuse_window(line)
    from console.ui.wall.start import run_wall  # PySide6 only when the wall is wanted

    app = open_app(args)  # refuses a database `citydesk init` has not set up
    try:
        # Read the reference data here, before any window: a schema without reference data
        # is refused with exit code 2, like every other command.
        app.centre  # noqa: B018

        return run_wall(app, lang=args.lang, theme=args.theme, rotate_seconds=args.rotate,
                        clock=args.clock, fullscreen=not args.windowed, video_tiles=args.video)
    finally:
        app.close()


def check_video_tiles(tiles: int) -> None:
    """``--video`` takes 0 (no video page) or a square grid's size."""
    if tiles not in VIDEO_TILES:
        raise ValidationError("--video 应为 0、1、4、9 或 16（画面数）/ video tiles: 0, 1, 4, 9 or 16")


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``wall``."""
    p = sub.add_parser("wall", parents=[common],
                       help="大屏：全屏只读的运行态势看板，定时轮播 / the wall dashboard")
    p.add_argument("--rotate", type=int, default=DEFAULT_ROTATE, metavar="SECONDS",
                   help=f"每页停留秒数（默认 {DEFAULT_ROTATE}，0 为不轮播）/ seconds per page")
    p.add_argument("--video", type=int, default=0, metavar="N",
                   help="加一页 N 路视频轮巡（1/4/9/16，默认 0 为不加）/ a video page of N tiles")
    p.add_argument("--windowed", action="store_true",
                   help="以 1920×1080 窗口显示而非全屏 / a window instead of full screen")
    # SUPPRESS: `citydesk --lang en wall` (the top-level option) must survive the subcommand.
    p.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS,
                   help="界面语言 / language")
    p.add_argument("--theme", choices=["dark", "light"], default=argparse.SUPPRESS,
                   help="底层主题（大屏始终为深色高对比）/ underlying theme")
    p.add_argument("--user", dest="wall_user", metavar="NAME",
                   help="经服务器时：以此大屏只读用户登录（启动时询问密码）/ through a server: sign "
                        "in as this wall user (password prompt)")
    p.set_defaults(handler=cmd_wall)
