"""Open the wall screen: language, theme at wall density, the centre, the window, the loop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from console.services.centre import Centre
from console.ui.controller import Backend
from console.ui.interrupt import quit_on_signals
from console.ui.ops import OpRunner
from console.ui.settings import Settings
from console.ui.start import _wait, prepare_application
from console.ui.theme import apply_theme
from console.ui.wall.style import BASE_HEIGHT
from console.ui.wall.window import WallWindow


def wall_density(height: int) -> int:
    """qt-material's density scale for a screen ``height`` pixels high (1 at 1080, 3 at 2160).

    The wall's own sheet sizes its type; the density makes whatever qt-material still draws
    (frames, paddings) coarse enough for the distance too.
    """
    return max(0, min(4, round(2 * height / BASE_HEIGHT) - 1))


def run_wall(backend: Backend, *, lang: str | None, theme: str | None, rotate_seconds: int,
             clock: Callable[[], datetime], fullscreen: bool = True,
             settings: Settings | None = None, video_tiles: int = 0) -> int:
    """Show the wall and run the event loop until it closes; returns the exit code.

    Parameters
    ----------
    backend : Backend
        The composition root (``console.app.App``).
    lang, theme : str, optional
        None keeps what this machine last used: the wall's own language (the desk's View →
        Language does not change it), the theme shared with the desk.  The wall paints its
        own dark, high-contrast look over either theme.
    rotate_seconds : int
        Seconds per page (0: no rotation).
    clock : callable
        The current instant.
    fullscreen : bool
        Frameless full screen (the default) or a 1920×1080 window (``--windowed``).
    settings : Settings, optional
        Where the wall's language and the theme are remembered (tests inject their own).
    video_tiles : int
        Tiles of the video page (0: no video page).
    """
    settings = settings or Settings()
    app = prepare_application(lang, theme, settings, wall=True)
    ops = OpRunner()
    window: WallWindow | None = None
    try:
        centre = _wait(ops, lambda: backend.centre)  # loading it reads the database
        assert isinstance(centre, Centre)
        screen = app.primaryScreen()
        height = screen.size().height() if screen is not None else BASE_HEIGHT
        apply_theme(app, settings.theme, wall_density(height))
        window = WallWindow(backend, ops, clock, rotate_seconds=rotate_seconds,
                            video_tiles=video_tiles)
        window.show_on_wall(fullscreen)
        window.start()
        with quit_on_signals(app.quit):  # Ctrl+C in the terminal closes the wall
            return int(app.exec())
    finally:
        if window is not None:
            window.stop()
        ops.shutdown()

