"""The wall's video page: N camera tiles (sub-streams), the next cameras at each turn.

The page plays only while it is on screen: the wall turns to it, the tiles connect and play;
it turns away, the streams stop (nine decoders running behind another page would cost the
wall's two cores for nothing).  Each time it comes back — and every ``rotate_seconds`` while it
stays — the next N cameras of the registry take the tiles.  The camera list is read on the wall's
worker thread, again every :data:`RELOAD_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from console.domain.cameras import Camera
from console.ui.i18n import _, error_text
from console.ui.video_patrol import pages_of
from console.ui.video_tiles import CameraGrid, UrlLookup, url_lookup
from console.ui.wall.parts import pad, wall_label

RELOAD_SECONDS = 300
"""Seconds between two reads of the camera list."""

Loader = Callable[[Callable[[list[Camera]], None], Callable[[str], None]], None]


class VideoPage(QWidget):
    """A page of camera tiles for the wall.

    Parameters
    ----------
    lookup : UrlLookup
        Finds a camera's stream URL.
    load : callable
        ``load(done, failed)`` reads the cameras off the GUI thread.
    tiles : int
        Tiles on the page (1, 4, 9 or 16).
    rotate_seconds : int
        While the page stays on screen, seconds before the next cameras (0: only on each
        return to the page).
    parent : QWidget, optional
    """

    def __init__(self, lookup: UrlLookup, load: Loader, *, tiles: int = 9,
                 rotate_seconds: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wall_video")
        self._load = load
        self.cameras: list[Camera] = []
        self.turn = -1  # the page of cameras shown last (the next show takes the next one)
        self.grid = CameraGrid(lookup)
        self.grid.set_count(tiles)
        self.note = wall_label("fresh", "")
        self.note.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.note)
        column.addWidget(self.grid, 1)
        self._loaded = QElapsedTimer()
        self.timer = QTimer(self)
        self.timer.setInterval(max(rotate_seconds, 1) * 1000)
        self.timer.timeout.connect(self.next_cameras)
        self._rotates = rotate_seconds > 0

    def set_scale(self, scale: float) -> None:
        """The wall's size factor: the gaps between tiles grow with it."""
        pad(self, 0, round(8 * scale))
        pad(self.grid, 0, max(2, round(6 * scale)))

    def reload(self) -> None:
        """Read the camera list again (then show the next cameras if on screen)."""
        self._loaded.restart()
        self._load(self._on_loaded, self._on_failed)

    def _on_loaded(self, cameras: list[Camera]) -> None:
        self.cameras = list(cameras)
        self.note.setText("" if cameras else _("未登记摄像机"))
        self.note.setVisible(not cameras)
        if self.isVisible():
            self.next_cameras()

    def _on_failed(self, message: str) -> None:
        self.note.setText(_("摄像机列表读取失败：{reason}").format(reason=message))
        self.note.show()

    def next_cameras(self) -> None:
        """The next N cameras on the tiles."""
        pages = pages_of(self.cameras, self.grid.count)
        self.turn = (self.turn + 1) % len(pages)
        self.grid.show_cameras(pages[self.turn])

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._loaded.isValid() or self._loaded.elapsed() > RELOAD_SECONDS * 1000:
            self.reload()
        else:
            self.next_cameras()
        if self._rotates:
            self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        super().hideEvent(event)
        self.timer.stop()
        self.grid.stop()


def wall_video_page(window: Any, tiles: int) -> VideoPage:
    """The video page of a :class:`~console.ui.wall.window.WallWindow`, reading cameras and
    platform URLs through the wall's own source (looked up at each call: a signed-in-again
    wall has a new one) on the wall's worker thread."""
    ops = window.ops

    def load(done: Callable[[list[Camera]], None], failed: Callable[[str], None]) -> None:
        source = window.source
        ops.run(lambda: source.cameras(None), done, lambda exc: failed(error_text(exc)))

    lookup = url_lookup(ops, lambda code, sub: window.source.camera_play_url(code, sub))
    page = VideoPage(lookup, load, tiles=tiles)
    page.setWindowTitle(_("视频监控"))
    return page
