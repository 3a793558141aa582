"""What every video view of the console shares: players that speak the console's language,
a camera's stream URL, and the grid of tiles the patrol seat and the wall show.

The player itself (:mod:`widgets.video_player`) knows nothing of cameras; here a camera becomes
a tile: its name in the corner, its sub-stream in a grid, its main stream when enlarged.  A
platform camera's URL is asked for on the worker thread (it is an HTTP call and it expires);
a camera with its own URLs plays them directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGridLayout, QWidget

from console.domain.cameras import Camera
from console.ui.i18n import N_, _, error_text
from console.ui.ops import OpRunner
from widgets.video_decode import StreamState
from widgets.video_player import VideoPlayer

STATE_TEXTS = {
    StreamState.CONNECTING: N_("连接中…"),
    StreamState.NO_SIGNAL: N_("无信号"),
    StreamState.RECONNECTING: N_("重连中…"),
    StreamState.STOPPED: N_("未播放"),
}
"""What a tile writes over its picture, by state (playing: nothing)."""

LAYOUTS = (1, 4, 9, 16)
"""Tiles the patrol seat and the wall show at a time (1×1, 2×2, 3×3, 4×4)."""

UrlLookup = Callable[[Camera, bool, Callable[[str], None], Callable[[str], None]], None]
"""Asks for a camera's URL (sub-stream when True) and calls back with it or with the reason."""


def state_labels() -> dict[StreamState, str]:
    """The state texts in the console's language."""
    return {state: _(text) for state, text in STATE_TEXTS.items()} | {StreamState.PLAYING: ""}


def direct_url(camera: Camera, sub: bool) -> str | None:
    """The camera's own URL (the sub-stream when ``sub`` and it has one); None for a platform
    camera, whose URL the platform hands out on demand."""
    if camera.platform:
        return None
    if sub and camera.sub_url:
        return camera.sub_url
    return camera.main_url or camera.sub_url or None


def url_lookup(ops: OpRunner, play_url: Callable[[str, bool], str]) -> UrlLookup:
    """A :data:`UrlLookup`: a camera's own URL at once, a platform camera's from
    ``play_url(code, sub)`` (the seat's ``camera_play_url``) on the worker thread."""

    def lookup(camera: Camera, sub: bool, found: Callable[[str], None],
               failed: Callable[[str], None]) -> None:
        url = direct_url(camera, sub)
        if url:
            found(url)
            return
        ops.run(lambda: play_url(camera.code, sub), found, lambda exc: failed(error_text(exc)))

    return lookup


def make_player(parent: QWidget | None = None) -> VideoPlayer:
    """A player with the console's state texts."""
    return VideoPlayer(parent, labels=state_labels())


class CameraTile(VideoPlayer):
    """A player that remembers which camera it shows; a double-click asks to enlarge it."""

    enlarge_requested = Signal(object)
    """Double-clicked: the tile (the grid shows it alone, main stream)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, labels=state_labels())
        self.camera: Camera | None = None
        self.sub = True
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # a click picks the tile F2 files from

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if self.hasFocus():
            painter = QPainter(self)
            painter.setPen(QPen(QColor("#4fc3f7"), 4))
            painter.drawRect(self.rect().adjusted(2, 2, -2, -2))
            painter.end()

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.enlarge_requested.emit(self)
        super().mouseDoubleClickEvent(event)


class CameraGrid(QWidget):
    """1, 4, 9 or 16 camera tiles in a square grid, with one tile enlarged on demand.

    Parameters
    ----------
    lookup : UrlLookup
        Finds a camera's stream URL (directly or through the platform, off the GUI thread).
    parent : QWidget, optional
    """

    tile_enlarged = Signal(object)
    """A tile was enlarged (the tile) or the grid came back (None)."""

    def __init__(self, lookup: UrlLookup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lookup = lookup
        self.tiles: list[CameraTile] = []
        self.enlarged: CameraTile | None = None
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self.set_count(4)

    @property
    def count(self) -> int:
        """Tiles in the grid."""
        return len(self.tiles)

    def set_count(self, count: int) -> None:
        """Show ``count`` tiles (one of :data:`LAYOUTS`); cameras are set again after this."""
        if count not in LAYOUTS:
            raise ValueError(f"tiles: one of {LAYOUTS}")
        self.restore()
        for tile in self.tiles:
            tile.stop()
            self._grid.removeWidget(tile)
            tile.deleteLater()
        side = {1: 1, 4: 2, 9: 3, 16: 4}[count]
        self.tiles = []
        for index in range(count):
            tile = CameraTile(self)
            tile.setObjectName(f"video_tile_{index}")
            tile.enlarge_requested.connect(self._on_tile_enlarge_requested)
            self._grid.addWidget(tile, index // side, index % side)
            self.tiles.append(tile)
        for row in range(4):
            self._grid.setRowStretch(row, 1 if row < side else 0)
            self._grid.setColumnStretch(row, 1 if row < side else 0)

    def show_cameras(self, cameras: Sequence[Camera]) -> None:
        """Put these cameras in the tiles, in order (sub-streams); tiles left over go dark."""
        self.restore()
        for index, tile in enumerate(self.tiles):
            camera = cameras[index] if index < len(cameras) else None
            self._play(tile, camera, sub=True)

    def _play(self, tile: CameraTile, camera: Camera | None, sub: bool) -> None:
        if camera is None:
            tile.camera = None
            tile.clear()
            tile.set_title("")
            return
        if tile.camera == camera and tile.sub == sub and tile.state is not StreamState.STOPPED:
            return  # already on it: a rotation onto the same camera keeps the picture
        tile.camera, tile.sub = camera, sub
        tile.set_title(camera.name)

        def found(url: str) -> None:
            if tile.camera == camera and tile.sub == sub:
                tile.play(url)

        def failed(reason: str) -> None:
            if tile.camera == camera:
                tile.clear()
                tile.setToolTip(reason)

        self._lookup(camera, sub, found, failed)

    def enlarge(self, tile: CameraTile) -> None:
        """Show ``tile`` alone, playing its camera's main stream."""
        if tile.camera is None:
            return
        self.enlarged = tile
        for other in self.tiles:
            other.setVisible(other is tile)
            if other is not tile:
                other.stop()  # hidden tiles decode nothing while one is enlarged
        self._play(tile, tile.camera, sub=False)
        self.tile_enlarged.emit(tile)

    def restore(self) -> None:
        """Back to the grid (the enlarged tile goes back to its sub-stream)."""
        tile, self.enlarged = self.enlarged, None
        if tile is None:
            return
        for other in self.tiles:
            other.setVisible(True)
            if other.camera is not None:  # the enlarged one back to its sub-stream, the rest on
                self._play(other, other.camera, sub=True)
        self.tile_enlarged.emit(None)

    def _on_tile_enlarge_requested(self, tile: CameraTile) -> None:
        if self.enlarged is tile:
            self.restore()
        else:
            self.enlarge(tile)

    def current(self) -> CameraTile | None:
        """The tile being looked at: the enlarged one, else the one under focus, else the
        first playing one."""
        if self.enlarged is not None:
            return self.enlarged
        focused = next((t for t in self.tiles if t.hasFocus() and t.camera is not None), None)
        return focused or next((t for t in self.tiles if t.camera is not None), None)

    def stop(self) -> None:
        """Stop every stream."""
        for tile in self.tiles:
            tile.stop()
